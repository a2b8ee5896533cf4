"""Courses and their immutable versions. Enrollments pin a version, so editing a course never changes
what someone already started; compliance reads the version a completion was pinned to."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Numeric, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learning_portal.db import Base, enum_column


class Delivery(enum.StrEnum):
    SELF_PACED = "self_paced"
    INSTRUCTOR_LED = "instructor_led"
    VIDEO_FACILITATED = "video_facilitated"
    BLENDED = "blended"

    @property
    def label(self) -> str:
        return {"self_paced": "Self-paced online", "instructor_led": "Instructor-led",
                "video_facilitated": "Facilitated video", "blended": "Blended (online and in person)"}[self.value]


class CreditMode(enum.StrEnum):
    AUTOMATIC = "automatic"  # an online completion posts CPT credit
    ROSTER = "roster"  # credit only through a facilitated session or presenter roster
    NONE = "none"  # awareness material, no credit

    @property
    def label(self) -> str:
        return {"automatic": "Posts to your training profile automatically when you complete it online",
                "roster": "Credit is posted from the instructor's or presenter's roster",
                "none": "Awareness material: no CPT credit"}[self.value]


class ItemKind(enum.StrEnum):
    LESSON = "lesson"
    VIDEO = "video"
    QUIZ = "quiz"
    SCORM = "scorm"

    @property
    def label(self) -> str:
        return "SCORM" if self is ItemKind.SCORM else self.value.capitalize()


AUDIENCES = ("officer", "dispatcher")


class Requirement(Base):
    """A mandated-training requirement, identified as in content/requirements (e.g. ``CA-CPT-24``)."""

    __catalog__ = True  # read by every page: see refdata
    __tablename__ = "requirements"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(String(16), index=True)
    title: Mapped[str] = mapped_column(String(200))
    citation: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    rule: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # catalog.rules.Rule.to_dict(); None: not evaluated
    updated_at: Mapped[datetime]


class HourCategory(Base):
    """A category CPT hours are split into (e.g. ``arrest_control``), shared across jurisdictions."""

    __catalog__ = True  # read by every page: see refdata
    __tablename__ = "hour_categories"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))


class Course(Base):
    """The stable identity of a course: presenter and course number, and the URL slug."""

    __catalog__ = True  # read by every page: see refdata
    __tablename__ = "courses"
    __table_args__ = (UniqueConstraint("presenter", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    presenter: Mapped[str] = mapped_column(String(4))
    number: Mapped[str] = mapped_column(String(5))
    # The version new enrollments get; versions are never edited, only added. 0: only a draft so far.
    current_version_number: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime]

    @property
    def course_number(self) -> str:
        return f"{self.presenter}-{self.number}"


# Courses learners and managers may choose: published, not only drafted (the catalogue's joins on the current
# version leave the others out by themselves).
PUBLISHED = Course.current_version_number > 0


class CourseVersion(Base):
    __catalog__ = True  # read by every page: see refdata
    __tablename__ = "course_versions"
    __table_args__ = (UniqueConstraint("course_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    version: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(400))
    description: Mapped[str] = mapped_column(Text)
    delivery: Mapped[Delivery] = mapped_column(enum_column(Delivery))
    audience: Mapped[list[str]] = mapped_column(JSON)
    audience_note: Mapped[str] = mapped_column(String(400), default="")
    topics: Mapped[list[str]] = mapped_column(JSON)
    cpt_hours: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    hours: Mapped[dict[str, Any]] = mapped_column(JSON)  # category id -> hours (as strings, exact)
    credit_mode: Mapped[CreditMode] = mapped_column(enum_column(CreditMode))
    certification_level: Mapped[str] = mapped_column(String(4))
    is_sample: Mapped[bool]
    facilitation_allowed: Mapped[bool] = mapped_column(default=False)
    facilitator_qualification: Mapped[str | None] = mapped_column(String(40))
    # Items in order: each opens when the required ones before it are done (the package's ``in_order``).
    in_order: Mapped[bool] = mapped_column(default=False, server_default=false())
    roster_review: Mapped[str | None] = mapped_column(String(16))  # None: the jurisdiction's (Jurisdiction)
    search_text: Mapped[str] = mapped_column(Text)  # lower-cased title, number, topics, summary
    created_at: Mapped[datetime]

    course: Mapped[Course] = relationship(lazy="joined", innerjoin=True)
    items: Mapped[list[CourseItem]] = relationship(order_by="CourseItem.position", lazy="selectin",
                                                   back_populates="course_version")
    # Loaded when asked for (or with selectinload where a list shows them): eager, it was read again for every
    # version that other eager loads reached, several times a page.
    requirements: Mapped[list[Requirement]] = relationship(secondary="course_version_requirements",
                                                           order_by="Requirement.id")

    @property
    def required_items(self) -> list[CourseItem]:
        return [item for item in self.items if item.is_required]


class CourseVersionRequirement(Base):
    __catalog__ = True  # read by every page: see refdata
    __tablename__ = "course_version_requirements"

    course_version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id", ondelete="CASCADE"),
                                                   primary_key=True)
    requirement_id: Mapped[str] = mapped_column(ForeignKey("requirements.id"), primary_key=True, index=True)


class CourseItem(Base):
    __catalog__ = True  # read by every page: see refdata
    __tablename__ = "course_items"
    __table_args__ = (UniqueConstraint("course_version_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id", ondelete="CASCADE"))
    position: Mapped[int]
    kind: Mapped[ItemKind] = mapped_column(enum_column(ItemKind))
    title: Mapped[str] = mapped_column(String(200))
    is_required: Mapped[bool] = mapped_column(default=True)
    body_html: Mapped[str | None] = mapped_column(Text)  # lessons: sanitised HTML rendered at import
    media_slug: Mapped[str | None] = mapped_column(String(80))  # videos: the media asset shown
    coverage: Mapped[float | None]  # videos: share of unique seconds to watch for the item to count
    allow_skip_ahead: Mapped[bool] = mapped_column(default=False)  # videos: seeking past what was watched
    package_slug: Mapped[str | None] = mapped_column(String(80))  # SCORM items: the package run
    min_seconds: Mapped[int | None]  # lessons: time on the page (measured by the server) before it counts

    # Usually in the identity map already (items are reached through their version), so a lazy load costs nothing.
    course_version: Mapped[CourseVersion] = relationship(back_populates="items")
