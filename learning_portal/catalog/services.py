"""Catalogue changes: requirement definitions, categories, and new course versions (never edits)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from learning_portal.catalog.models import (
    Course,
    CourseItem,
    CourseVersion,
    CourseVersionRequirement,
    CreditMode,
    Delivery,
    HourCategory,
    ItemKind,
    Requirement,
)
from learning_portal.catalog.rendering import render_markdown
from learning_portal.db import upsert_by_key
from learning_portal.errors import ConflictError


def upsert_requirement(session: Session, *, id: str, jurisdiction: str, title: str, citation: str, summary: str,
                       rule: dict[str, Any] | None, now: datetime) -> bool:
    """Create or update a requirement definition; True when something changed."""
    return upsert_by_key(session, Requirement, id, {"jurisdiction": jurisdiction, "title": title, "citation": citation,
                                              "summary": summary, "rule": rule}, now=now)


def upsert_category(session: Session, *, id: str, title: str) -> bool:
    return upsert_by_key(session, HourCategory, id, {"title": title})


@dataclass(frozen=True)
class CourseFields:
    """Everything a course version says about itself, as the importer hands it over."""

    slug: str
    presenter: str
    number: str
    title: str
    summary: str
    description: str
    delivery: str
    audience: Sequence[str]
    audience_note: str
    topics: Sequence[str]
    cpt_hours: Decimal
    hours: dict[str, Decimal]
    credit_mode: str
    satisfies: Sequence[str]
    certification_level: str
    is_sample: bool
    facilitation_allowed: bool
    facilitator_qualification: str | None
    content_hash: str
    in_order: bool = False
    roster_review: str | None = None


@dataclass(frozen=True)
class PublishResult:
    course: Course
    version: CourseVersion
    status: str  # "created" | "new_version" | "unchanged" | "draft" | "published" (the waiting draft)


def publish_course_version(session: Session, *, fields: CourseFields, now: datetime,
                           live: bool = True) -> PublishResult:
    """Make ``fields`` the course's current version, adding a version only when the content changed. Not
    ``live``: a draft version, which learners see only once it is published (``publish_draft``); a new
    course has no live version until then (``current_version_number`` 0)."""
    course = session.scalar(select(Course).where(Course.slug == fields.slug))
    if course is None:
        clash = session.scalar(select(Course).where(Course.presenter == fields.presenter,
                                                    Course.number == fields.number))
        if clash is not None:
            raise ConflictError(f"Course number {fields.presenter}-{fields.number} already belongs to "
                                f"'{clash.slug}'.")
        course = Course(slug=fields.slug, presenter=fields.presenter, number=fields.number,
                        current_version_number=1 if live else 0, created_at=now)
        session.add(course)
        session.flush()
        status, number = "created" if live else "draft", 1
    else:
        if (course.presenter, course.number) != (fields.presenter, fields.number):
            raise ConflictError(f"'{fields.slug}' is course {course.course_number}; a different course number "
                                "needs a new slug.")
        current = get_current_version(session, course)
        if current is not None and current.content_hash == fields.content_hash:
            return PublishResult(course, current, "unchanged")
        latest = session.scalar(select(CourseVersion).where(CourseVersion.course_id == course.id)
                                .order_by(CourseVersion.version.desc()).limit(1))
        if latest is not None and latest.version > course.current_version_number \
                and latest.content_hash == fields.content_hash:
            if live:  # the waiting draft is this very content: publish it rather than add a copy
                course.current_version_number = latest.version
                session.flush()
                return PublishResult(course, latest, "published")
            return PublishResult(course, latest, "unchanged")
        status = "new_version" if live else "draft"
        number = (latest.version if latest else 0) + 1
    version = CourseVersion(
        course_id=course.id, version=number, content_hash=fields.content_hash, title=fields.title,
        summary=fields.summary, description=fields.description, delivery=Delivery(fields.delivery),
        audience=list(fields.audience), audience_note=fields.audience_note, topics=list(fields.topics),
        cpt_hours=fields.cpt_hours, hours={k: str(v) for k, v in fields.hours.items()},
        credit_mode=CreditMode(fields.credit_mode), certification_level=fields.certification_level,
        is_sample=fields.is_sample, facilitation_allowed=fields.facilitation_allowed,
        facilitator_qualification=fields.facilitator_qualification, in_order=fields.in_order,
        roster_review=fields.roster_review,
        search_text=_search_text(fields), created_at=now,
    )
    session.add(version)
    session.flush()
    session.add_all(CourseVersionRequirement(course_version_id=version.id, requirement_id=rid)
                    for rid in fields.satisfies)
    if live:
        course.current_version_number = number
    session.flush()
    return PublishResult(course, version, status)


def drafts(session: Session) -> list[tuple[Course, CourseVersion]]:
    """Courses with a version newer than the live one, each with its newest (the draft to publish)."""
    newest = (select(CourseVersion.course_id, func.max(CourseVersion.version).label("version"))
              .group_by(CourseVersion.course_id).subquery())
    return [(c, v) for c, v in session.execute(
        select(Course, CourseVersion).join(newest, newest.c.course_id == Course.id)
        .join(CourseVersion, and_(CourseVersion.course_id == Course.id, CourseVersion.version == newest.c.version))
        .where(newest.c.version > Course.current_version_number).order_by(Course.slug))]


def publish_draft(session: Session, *, course: Course, version: int) -> CourseVersion:
    """Make a draft version the live one; learners who started an earlier version keep it."""
    draft = session.scalar(select(CourseVersion).where(CourseVersion.course_id == course.id,
                                                       CourseVersion.version == version))
    if draft is None or version <= course.current_version_number:
        raise ConflictError(f"Version {version} of {course.slug} is not a draft waiting to be published.")
    course.current_version_number = version
    session.flush()
    return draft


def add_item(session: Session, *, version: CourseVersion, position: int, kind: str, title: str,
             required: bool, markdown: str | None = None, media_slug: str | None = None,
             coverage: float | None = None, allow_skip_ahead: bool = False,
             package_slug: str | None = None, min_seconds: int | None = None) -> CourseItem:
    item = CourseItem(course_version_id=version.id, position=position, kind=ItemKind(kind), title=title,
                      is_required=required, body_html=render_markdown(markdown) if markdown else None,
                      media_slug=media_slug, coverage=coverage, allow_skip_ahead=allow_skip_ahead,
                      package_slug=package_slug, min_seconds=min_seconds)
    session.add(item)
    session.flush()
    return item


def get_current_version(session: Session, course: Course) -> CourseVersion | None:
    return session.scalar(select(CourseVersion).where(CourseVersion.course_id == course.id,
                                                      CourseVersion.version == course.current_version_number))


def _search_text(fields: CourseFields) -> str:
    parts: Iterable[str] = (fields.title, f"{fields.presenter}-{fields.number}", fields.number, fields.summary,
                            *fields.topics, *fields.satisfies)
    return " ".join(parts).lower()
