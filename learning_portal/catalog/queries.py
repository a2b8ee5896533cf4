"""Read-only catalogue queries: current versions of courses, search and filters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import Session, defer, raiseload, selectinload

from learning_portal import refdata
from learning_portal.catalog.models import (
    Course,
    CourseVersion,
    CourseVersionRequirement,
    CreditMode,
    Delivery,
    HourCategory,
    Requirement,
)
from learning_portal.errors import NotFoundError


@dataclass(frozen=True)
class CourseFilters:
    search: str = ""
    delivery: str = ""
    audience: str = ""
    requirement: str = ""
    credit: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> CourseFilters:
        """From a query string (catalogue page and API alike)."""
        return cls(search=args.get("q", "")[:100].strip(), delivery=args.get("delivery", ""),
                   audience=args.get("audience", ""), requirement=args.get("requirement", "")[:40],
                   credit=args.get("credit", ""))

    @property
    def active(self) -> bool:
        return any((self.search, self.delivery, self.audience, self.requirement, self.credit))


def current_versions() -> Select[tuple[CourseVersion]]:
    return select(CourseVersion).join(Course, and_(Course.id == CourseVersion.course_id,
                                                   CourseVersion.version == Course.current_version_number))


def search_courses(session: Session, filters: CourseFilters, *, with_items: bool = False) -> list[CourseVersion]:
    """Current versions matching ``filters``. A list of courses needs neither their items nor their long
    description; ``with_items`` loads both (the API's course objects carry them)."""
    query = current_versions().options(selectinload(CourseVersion.requirements))
    if not with_items:
        query = query.options(raiseload(CourseVersion.items), defer(CourseVersion.description, raiseload=True),
                              defer(CourseVersion.search_text, raiseload=True))
    if words := filters.search.lower().split():
        for word in words[:8]:
            query = query.where(CourseVersion.search_text.contains(word, autoescape=True))
    if filters.delivery in Delivery.__members__.values():
        query = query.where(CourseVersion.delivery == Delivery(filters.delivery))
    if filters.credit in CreditMode.__members__.values():
        query = query.where(CourseVersion.credit_mode == CreditMode(filters.credit))
    if filters.requirement:
        query = query.where(CourseVersion.id.in_(
            select(CourseVersionRequirement.course_version_id)
            .where(CourseVersionRequirement.requirement_id == filters.requirement)))
    versions = list(session.scalars(query.order_by(Course.presenter, Course.number)))
    if filters.audience:  # a JSON list: filtered here (the catalogue has at most a few hundred courses)
        versions = [v for v in versions if filters.audience in v.audience]
    return versions


def get_course(session: Session, slug: str) -> tuple[Course, CourseVersion]:
    row = session.execute(
        select(Course, CourseVersion).join(CourseVersion, and_(
            CourseVersion.course_id == Course.id, CourseVersion.version == Course.current_version_number))
        .where(Course.slug == slug)).first()
    if row is None:
        raise NotFoundError("No such course in the catalogue.")
    return row[0], row[1]


def list_requirements(session: Session) -> list[Requirement]:
    return list(session.scalars(select(Requirement).order_by(Requirement.jurisdiction, Requirement.id)))


def category_titles(session: Session) -> dict[str, str]:
    """Hour category id -> title (cached per catalogue version: do not change the dict)."""
    return refdata.cached(session, ("category_titles",), lambda: {
        cid: title for cid, title in session.execute(select(HourCategory.id, HourCategory.title))})
