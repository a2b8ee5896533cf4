"""Read-only learning queries: a person's enrollments and completions."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from learning_portal.catalog.models import Course, CourseVersion
from learning_portal.learning.models import Completion, CourseAssignment, Enrollment, listed


def my_enrollments(session: Session, person_id: int) -> tuple[list[Enrollment], list[Enrollment]]:
    """(in progress, completed), most recent first."""
    enrollments = list(session.scalars(select(Enrollment).options(*listed()).where(Enrollment.person_id == person_id)
                                       .order_by(Enrollment.enrolled_at.desc())))
    in_progress = [e for e in enrollments if e.completed_at is None and e.closed_at is None]
    completed = sorted((e for e in enrollments if e.completed_at is not None),
                       key=lambda e: e.completed_at, reverse=True)
    return in_progress, completed


def my_completions(session: Session, person_id: int) -> list[Completion]:
    return list(session.scalars(select(Completion).where(Completion.person_id == person_id)
                                .order_by(Completion.completed_at.desc())))


def open_assignments(session: Session, person_id: int) -> list[tuple[CourseAssignment, CourseVersion]]:
    """Courses assigned to the person and not completed since (with their current version), soonest due first."""
    rows = session.execute(
        select(CourseAssignment, CourseVersion)
        .join(Course, Course.id == CourseAssignment.course_id)
        .join(CourseVersion, (CourseVersion.course_id == Course.id)
              & (CourseVersion.version == Course.current_version_number))
        .where(CourseAssignment.person_id == person_id, CourseAssignment.completion_id.is_(None),
               CourseAssignment.closed_as.is_(None))
        .order_by(CourseAssignment.due_on, CourseAssignment.id))
    return [(assignment, version) for assignment, version in rows]
