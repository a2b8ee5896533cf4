"""Presenters, their course coordinators, the commission's consultants, and certification requests with every
step they went through (who, when, from which state to which, the comment)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learning_portal.db import Base, enum_column


class Delivery(enum.StrEnum):
    CLASSROOM = "classroom"
    DISTANCE = "distance"
    VIDEO = "video"
    BLENDED = "blended"

    @property
    def label(self) -> str:
        return {"classroom": "Classroom", "distance": "Distance learning", "video": "Training video",
                "blended": "Blended"}[self.value]


class RequestKind(enum.StrEnum):
    NEW = "new"
    MODIFICATION = "modification"  # of a certified course: new hours, a new content version


class RequestState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"  # with the consultant's comments; the coordinator edits and resubmits
    CERTIFIED = "certified"
    DENIED = "denied"
    WITHDRAWN = "withdrawn"  # certified, then withdrawn by the commission: CPT stops after its last day

    @property
    def label(self) -> str:
        return {"draft": "Draft", "submitted": "Submitted", "returned": "Returned with comments",
                "certified": "Certified", "denied": "Denied", "withdrawn": "Certification withdrawn"}[self.value]


class Presenter(Base):
    """An organisation that presents certified courses (an agency, an academy, a college)."""

    __tablename__ = "presenters"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(4), unique=True)  # the first part of a course number
    name: Mapped[str] = mapped_column(String(200))
    jurisdiction: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="SET NULL"))


class Coordinator(Base):
    """A person who prepares and submits a presenter's certification requests."""

    __tablename__ = "presenter_coordinators"

    presenter_id: Mapped[int] = mapped_column(ForeignKey("presenters.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)


class Consultant(Base):
    """Commission staff who review and certify the requests of a jurisdiction's presenters."""

    __tablename__ = "certification_consultants"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), primary_key=True)


class CertificationRequest(Base):
    __tablename__ = "certification_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    presenter_id: Mapped[int] = mapped_column(ForeignKey("presenters.id"), index=True)
    kind: Mapped[RequestKind] = mapped_column(enum_column(RequestKind, 16))
    # The course a modification changes, or the one certifying this request's package published.
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"))
    title: Mapped[str] = mapped_column(String(200))
    delivery: Mapped[Delivery] = mapped_column(enum_column(Delivery, 16))
    total_hours: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    # [{"topic": ..., "hours": "2.50"}]: the hourly distribution; it adds up to total_hours.
    topics: Mapped[list] = mapped_column(JSON)
    categories: Mapped[list] = mapped_column(JSON)  # hour-category keys the course is meant to satisfy
    requirements: Mapped[list] = mapped_column(JSON)  # requirement ids (mandates) it is meant to satisfy
    instructors: Mapped[list] = mapped_column(JSON)  # names as they appear on the roster
    plan: Mapped[str | None] = mapped_column(String(80))  # certification level or plan, where there is one
    # The expanded course outline (a document) and, for courses taken here, the course package (a zip), both
    # in media storage; the package's course slug as it was checked.
    outline_key: Mapped[str | None] = mapped_column(String(200))
    outline_name: Mapped[str | None] = mapped_column(String(100))
    package_key: Mapped[str | None] = mapped_column(String(200))
    package_name: Mapped[str | None] = mapped_column(String(100))
    package_course: Mapped[str | None] = mapped_column(String(80))
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    state: Mapped[RequestState] = mapped_column(enum_column(RequestState, 16), default=RequestState.DRAFT,
                                                index=True)
    course_number: Mapped[str | None] = mapped_column(String(10))  # given on certification
    expires_on: Mapped[date | None]  # the last day the certification covers (a withdrawal brings it forward)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    state_since: Mapped[datetime]  # when it entered its state: the consultants' report ages requests by it

    presenter: Mapped[Presenter] = relationship()
    steps: Mapped[list[CertificationStep]] = relationship(order_by="CertificationStep.id",
                                                          cascade="all, delete-orphan")


class CertificationStep(Base):
    __tablename__ = "certification_steps"
    __table_args__ = (UniqueConstraint("request_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("certification_requests.id", ondelete="CASCADE"))
    seq: Mapped[int]  # 1, 2, ... per request: two people acting at once cannot both take the same step
    at: Mapped[datetime]
    by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    from_state: Mapped[RequestState | None] = mapped_column(enum_column(RequestState, 16))
    to_state: Mapped[RequestState] = mapped_column(enum_column(RequestState, 16))
    comment: Mapped[str] = mapped_column(Text, default="")
