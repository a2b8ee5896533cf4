"""Assigning from the dashboard: to the people ticked, or to everyone its filters select (every page),
previewed first (how many, who, who has it already, and who would earn no CPT for it), then confirmed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from learning_portal.accounts.models import Agency, Jurisdiction, Person
from learning_portal.catalog.models import PUBLISHED, Course
from learning_portal.catalog.services import get_current_version
from learning_portal.compliance import queries, services
from learning_portal.credits.eligibility import assignment_credit
from learning_portal.errors import ValidationError
from learning_portal.learning.models import CourseAssignment

PREVIEW_NAMES = 100


@dataclass
class AssignPlan:
    course: Course
    title: str
    person_ids: list[int]
    names: list[tuple[int, str, str]]  # (id, "Last, First", POST ID) of the first PREVIEW_NAMES
    already: set[int] = field(default_factory=set)  # an open assignment of the course exists
    no_credit: str | None = None  # why nobody would earn CPT for it
    no_credit_for: dict[int, str] = field(default_factory=dict)  # why some would not

    @property
    def new(self) -> int:
        return len(self.person_ids) - len(self.already)


def plan(session: Session, *, agency: Agency, defs: services.Definitions, course_slug: str,
         person_ids: list[int] | None, filters: queries.PeopleFilter | None, today: date,
         credit_samples: bool) -> AssignPlan:
    """Whom an assignment would reach: ``person_ids`` (checked to be the agency's), or everyone ``filters``
    selects. The caller has the agency's statuses fresh (``services.fresh_agency``)."""
    course = session.scalar(select(Course).where(Course.slug == (course_slug or ""), PUBLISHED))
    if course is None:
        raise ValidationError("Choose a course.", details={"course": "Choose a course from the catalogue."})
    if filters is not None:
        chosen = queries.people_query(agency.id, filters, today=today,
                                      due_soon_days=defs.jurisdiction.due_soon_days).subquery()
        ids = list(session.scalars(select(chosen.c.id)))
    else:
        ids = list(dict.fromkeys(person_ids or []))
        found = set(session.scalars(select(Person.id).where(Person.id.in_(ids), Person.agency_id == agency.id,
                                                            Person.is_enabled))) if ids else set()
        if len(found) != len(ids):
            raise ValidationError("Some of the people selected are not in this agency.",
                                  details={"people": "Select people of this agency only."})
    if not ids:
        raise ValidationError("Nobody is selected.", details={"people": "Tick people, or choose filters that "
                                                                        "match someone."})
    version = get_current_version(session, course)
    names = [(pid, f"{last}, {first}", post) for pid, last, first, post in session.execute(
        select(Person.id, Person.last_name, Person.first_name, Person.post_id).where(Person.id.in_(ids[:PREVIEW_NAMES]))
        .order_by(Person.last_name, Person.first_name, Person.id))]
    already: set[int] = set()
    for start in range(0, len(ids), 1000):
        already.update(session.scalars(select(CourseAssignment.person_id).where(
            CourseAssignment.course_id == course.id, CourseAssignment.person_id.in_(ids[start:start + 1000]),
            CourseAssignment.completion_id.is_(None), CourseAssignment.closed_as.is_(None))))
    reason, some = assignment_credit(session, version, ids, session.get(Jurisdiction, agency.jurisdiction),
                                     today=today, credit_samples=credit_samples)
    return AssignPlan(course, version.title, ids, names, already, reason, some)


def carry_out(session: Session, *, actor: Person, agency: Agency, planned: AssignPlan, due_on: date, note: str,
              now: datetime) -> services.AssignResult:
    return services.assign_course(session, actor=actor, agency=agency, person_ids=planned.person_ids,
                                  course_slug=planned.course.slug, due_on=due_on, note=note, now=now)
