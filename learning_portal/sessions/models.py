"""Facilitated sessions: a course shown at a briefing or in a classroom, its check-ins and its roster.

A submitted roster turns into one ``Completion`` per person present; from there credit posts like any
other completion. Rosters of instructor-led training held elsewhere are imported as sessions too.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learning_portal.accounts.models import Agency, Person
from learning_portal.catalog.models import Course, CourseVersion
from learning_portal.db import Base, enum_column


class SessionKind(enum.StrEnum):
    BRIEFING = "briefing"
    CLASSROOM = "classroom"
    IMPORTED = "imported"  # a roster of training held elsewhere, uploaded as CSV

    @property
    def label(self) -> str:
        return {"briefing": "Briefing", "classroom": "Classroom", "imported": "Imported roster"}[self.value]


class SessionStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    RUNNING = "running"  # check-in open
    CLOSED = "closed"  # check-in closed, roster not submitted yet
    IN_REVIEW = "in_review"  # submitted, waiting for approval; the instructor may still correct attendance
    SUBMITTED = "submitted"  # credited (approved, where a review is required)
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {"scheduled": "Scheduled", "running": "Check-in open", "closed": "Check-in closed",
                "in_review": "Roster waiting for approval", "submitted": "Roster submitted",
                "cancelled": "Cancelled"}[self.value]


class AttendanceStatus(enum.StrEnum):
    PRESENT = "present"  # attended in full: credited when the roster is submitted
    PARTIAL = "partial"  # left early or arrived late: on the roster, not credited, may be given a make-up

    @property
    def label(self) -> str:
        return {"present": "Present", "partial": "Partial"}[self.value]


class AttendanceMethod(enum.StrEnum):
    CHECK_IN = "check_in"  # the attendee entered the rotating code or scanned the QR code
    INSTRUCTOR = "instructor"  # added by the instructor
    IMPORT = "import"  # from an imported roster file

    @property
    def label(self) -> str:
        return {"check_in": "Checked in", "instructor": "Added by instructor", "import": "Imported"}[self.value]


session_agencies = Table(
    "session_agencies", Base.metadata,
    Column("session_id", ForeignKey("training_sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("agency_id", ForeignKey("agencies.id"), primary_key=True, index=True),
)


class TrainingSession(Base):
    __tablename__ = "training_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[SessionKind] = mapped_column(enum_column(SessionKind))
    status: Mapped[SessionStatus] = mapped_column(enum_column(SessionStatus), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    course_version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id"))  # what completions pin
    instructor_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)  # the host agency
    starts_at: Mapped[datetime]
    location: Mapped[str] = mapped_column(String(200))
    # Per-session secret the rotating check-in code is derived from; never shown.
    code_secret: Mapped[str] = mapped_column(String(64))
    # Wrong codes that could have checked someone in here, counted from the first in the current window.
    check_in_failures: Mapped[int] = mapped_column(default=0, server_default="0")
    check_in_failures_since: Mapped[datetime | None]
    created_at: Mapped[datetime]
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    approved_at: Mapped[datetime | None]  # where rosters are reviewed: when it was approved (and credited)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    # A classroom presentation people register for in advance: its seats (None: no registration, walk-in).
    capacity: Mapped[int | None]

    course: Mapped[Course] = relationship(lazy="joined", innerjoin=True)
    course_version: Mapped[CourseVersion] = relationship(lazy="joined", innerjoin=True)
    instructor: Mapped[Person] = relationship(foreign_keys=[instructor_id], lazy="joined", innerjoin=True)
    agency: Mapped[Agency] = relationship(lazy="joined", innerjoin=True)
    # Who may check in: the host agency and any other agency invited.
    agencies: Mapped[list[Agency]] = relationship(secondary=session_agencies, lazy="selectin",
                                                  order_by="Agency.number")
    # In check-in order (without it PostgreSQL returns updated rows last, and a roster would reshuffle)
    attendances: Mapped[list[Attendance]] = relationship(back_populates="session", lazy="selectin",
                                                         cascade="all, delete-orphan", order_by="Attendance.id")

    @property
    def is_open_for_roster(self) -> bool:
        """Attendance may change: before submission, and while the roster waits for approval."""
        return self.status in (SessionStatus.SCHEDULED, SessionStatus.RUNNING, SessionStatus.CLOSED,
                               SessionStatus.IN_REVIEW)


class Attendance(Base):
    __tablename__ = "session_attendances"
    __table_args__ = (UniqueConstraint("session_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    status: Mapped[AttendanceStatus] = mapped_column(enum_column(AttendanceStatus))
    minutes_attended: Mapped[int | None]  # for partial attendance
    method: Mapped[AttendanceMethod] = mapped_column(enum_column(AttendanceMethod))
    recorded_at: Mapped[datetime]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    completion_id: Mapped[int | None] = mapped_column(ForeignKey("completions.id"), unique=True)

    session: Mapped[TrainingSession] = relationship(back_populates="attendances")
    person: Mapped[Person] = relationship(foreign_keys=[person_id], lazy="joined", innerjoin=True)


class Registration(Base):
    """A seat taken in a presentation before it starts; dropped when the person cancels."""

    __tablename__ = "session_registrations"

    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id", ondelete="CASCADE"),
                                            primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)
    registered_at: Mapped[datetime]

    person: Mapped[Person] = relationship(lazy="joined", innerjoin=True)


class FacilitatorQualification(Base):
    """An instructor's qualification to facilitate courses that require it (e.g. ``racial_profiling``)."""

    __tablename__ = "facilitator_qualifications"
    __table_args__ = (UniqueConstraint("person_id", "qualification"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    qualification: Mapped[str] = mapped_column(String(40))
    valid_until: Mapped[date | None]
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime]

    person: Mapped[Person] = relationship(foreign_keys=[person_id], lazy="joined", innerjoin=True)


class AmendmentAction(enum.StrEnum):
    ADD = "add"  # someone present was missing: credited now
    WITHDRAW = "withdraw"  # someone was not present: their record is withdrawn

    @property
    def label(self) -> str:
        return {"add": "Added", "withdraw": "Withdrawn"}[self.value]


class RosterAmendment(Base):
    """A correction to a credited roster: who, when, why, and the record it added or withdrew. Never an edit."""

    __tablename__ = "roster_amendments"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    action: Mapped[AmendmentAction] = mapped_column(enum_column(AmendmentAction))
    reason: Mapped[str] = mapped_column(String(500))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    at: Mapped[datetime]
    completion_id: Mapped[int | None] = mapped_column(ForeignKey("completions.id"))  # an addition's
    record_id: Mapped[int | None] = mapped_column(ForeignKey("training_records.id"))  # a withdrawal's
