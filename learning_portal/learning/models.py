"""Enrollments (pinned to a course version), item progress and completions.

A completion is the durable fact the credit poster derives CPT postings from; ``learning`` knows
nothing about credit.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship
from sqlalchemy.orm.interfaces import LoaderOption

from learning_portal.catalog.models import Course, CourseItem, CourseVersion
from learning_portal.db import Base, enum_column


class CompletionSource(enum.StrEnum):
    ONLINE = "online"
    ROSTER = "roster"


class Enrollment(Base):
    __tablename__ = "enrollments"
    __table_args__ = (
        # One open enrollment per person and course; a finished or closed one may be followed by a new one.
        Index("uq_enrollments_person_id_course_id_open", "person_id", "course_id", unique=True,
              sqlite_where=text("completed_at IS NULL AND closed_at IS NULL"),
              postgresql_where=text("completed_at IS NULL AND closed_at IS NULL")),
        Index("ix_enrollments_person_id_enrolled_at", "person_id", "enrolled_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    course_version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id"))
    enrolled_at: Mapped[datetime]
    last_item_id: Mapped[int | None] = mapped_column(ForeignKey("course_items.id"))
    completed_at: Mapped[datetime | None]
    # Closed without completing (a manager allowed a new start after the attempts ran out).
    closed_at: Mapped[datetime | None]

    # Course and version are usually in the identity map already (the page read them first); lists of
    # enrollments load them with ``listed()``. Joined by default, the version's items were read again each time.
    course: Mapped[Course] = relationship()
    course_version: Mapped[CourseVersion] = relationship()
    progress: Mapped[list[ItemProgress]] = relationship(lazy="selectin", back_populates="enrollment")


def listed() -> tuple[LoaderOption, ...]:
    """Loader options for a list of enrollments shown with their course: one query, not one per course."""
    return joinedload(Enrollment.course, innerjoin=True), joinedload(Enrollment.course_version, innerjoin=True)


class ItemProgress(Base):
    __tablename__ = "item_progress"
    __table_args__ = (UniqueConstraint("enrollment_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("course_items.id"))
    started_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    # Videos: merged watched intervals [[start_s, end_s], ...], the resume position, and the current
    # viewing session (real time since the player opened bounds what a report may claim).
    watched: Mapped[list[Any]] = mapped_column(JSON, default=list)
    position_s: Mapped[float] = mapped_column(default=0.0)
    session_started_at: Mapped[datetime | None]
    session_gained_s: Mapped[float] = mapped_column(default=0.0)
    # Seconds on the item: a lesson's time on the page (the server counts the page's heartbeats), a SCORM
    # package's reported total time
    active_s: Mapped[float] = mapped_column(default=0.0, server_default="0")
    last_seen_at: Mapped[datetime | None]

    enrollment: Mapped[Enrollment] = relationship(back_populates="progress")
    item: Mapped[CourseItem] = relationship()  # loaded with its version's items, in the identity map


class Completion(Base):
    """A course completed by a person, pinned to the version they took. Never deleted."""

    __tablename__ = "completions"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id"), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    course_version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id"))
    source: Mapped[CompletionSource] = mapped_column(enum_column(CompletionSource), default=CompletionSource.ONLINE)
    completed_at: Mapped[datetime] = mapped_column(index=True)
    note: Mapped[str] = mapped_column(String(200), default="")
    # Online: the time the learner spent, as the server measured it (lessons' time on the page, the video
    # seconds verified, the SCORM packages' reported time); shown to their manager with the record.
    seconds_spent: Mapped[int | None]

    course_version: Mapped[CourseVersion] = relationship(lazy="joined", innerjoin=True)


class AssignmentReason(enum.StrEnum):
    ASSIGNED = "assigned"  # a training manager assigned it
    MAKE_UP = "make_up"  # for someone absent from a facilitated session
    RULE = "rule"  # by one of the agency's assignment rules (learning.rules)

    @property
    def label(self) -> str:
        return {"assigned": "Assigned", "make_up": "Make-up", "rule": "By rule"}[self.value]


class ClosedAs(enum.StrEnum):
    """How an assignment ended without a completion."""

    CANCELLED = "cancelled"  # assigned by mistake, or no longer needed
    EXCUSED = "excused"  # the person need not do it (with the reason)

    @property
    def label(self) -> str:
        return self.value.capitalize()


OPEN_ASSIGNMENT = "completion_id IS NULL AND closed_as IS NULL"


class CourseAssignment(Base):
    """A course someone must complete by a due date; the first completion after assigning fulfils it. A manager
    may extend the due date, cancel it or excuse the person; each change is kept in ``changes``."""

    __tablename__ = "course_assignments"
    __table_args__ = (
        # One open assignment per person and course: assigning again keeps the first.
        Index("uq_course_assignments_person_id_course_id_open", "person_id", "course_id", unique=True,
              sqlite_where=text(OPEN_ASSIGNMENT), postgresql_where=text(OPEN_ASSIGNMENT)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    due_on: Mapped[date]
    reason: Mapped[AssignmentReason] = mapped_column(enum_column(AssignmentReason))
    note: Mapped[str] = mapped_column(String(200), default="")
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    assigned_at: Mapped[datetime]
    completion_id: Mapped[int | None] = mapped_column(ForeignKey("completions.id"))
    closed_as: Mapped[ClosedAs | None] = mapped_column(enum_column(ClosedAs))
    closed_at: Mapped[datetime | None]
    # [{"at", "by" (name), "what": "extended"|"cancelled"|"excused", "from", "to", "reason"}], oldest first
    changes: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")

    @property
    def is_open(self) -> bool:
        return self.completion_id is None and self.closed_as is None

    course: Mapped[Course] = relationship(lazy="joined", innerjoin=True)


class RuleTrigger(enum.StrEnum):
    DUE = "due"  # due on a requirement within N days: the course is due when the requirement is
    JOINS = "joins"  # joins the agency: due N days after joining
    ROLE = "role"  # takes up a role (appointed or promoted into it): due N days after

    @property
    def label(self) -> str:
        return {"due": "Due on a requirement", "joins": "Joins the agency", "role": "Takes up a role"}[self.value]


class AssignmentRule(Base):
    """An agency's standing instruction: assign ``course`` to everyone the trigger selects (learning.rules)."""

    __tablename__ = "assignment_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    trigger: Mapped[RuleTrigger] = mapped_column(enum_column(RuleTrigger))
    requirement_id: Mapped[str | None] = mapped_column(ForeignKey("requirements.id", ondelete="CASCADE"))
    role: Mapped[str | None] = mapped_column(String(32))  # accounts.models.Role value, for the role trigger
    days: Mapped[int]  # due: within this many days of the requirement's due date; joins/role: due after this many
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]  # turned off: runs no more, its assignments stay
    last_run_at: Mapped[datetime | None]

    course: Mapped[Course] = relationship(lazy="joined", innerjoin=True)


class RuleHit(Base):
    """A rule acted for a person once per occasion (the requirement's due date, the day they joined or took up
    the role), so a rule run again, or after the assignment was done or cancelled, assigns nothing twice."""

    __tablename__ = "assignment_rule_hits"

    rule_id: Mapped[int] = mapped_column(ForeignKey("assignment_rules.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    occasion: Mapped[str] = mapped_column(String(40), primary_key=True)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("course_assignments.id", ondelete="SET NULL"))
    at: Mapped[datetime]
