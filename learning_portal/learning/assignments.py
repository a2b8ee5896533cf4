"""Assignments over their life: listed for an agency with their status, extended, cancelled or excused.

A status is one of open, overdue (open and past its due date where the person is), done, cancelled and
excused. Every change is audited and kept on the assignment, which the person sees on My learning.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from learning_portal.accounts.localdate import past_due, today_for
from learning_portal.accounts.models import Person
from learning_portal.accounts.permissions import can_manage_person
from learning_portal.audit import services as audit
from learning_portal.catalog.models import Course
from learning_portal.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from learning_portal.formatting import human_date
from learning_portal.learning.models import ClosedAs, CourseAssignment

MAX_EXTENSION_DAYS = 366 * 2


class Status(enum.StrEnum):
    OPEN = "open"
    OVERDUE = "overdue"
    DONE = "done"
    CANCELLED = "cancelled"
    EXCUSED = "excused"

    @property
    def label(self) -> str:
        return self.value.capitalize()


def status_of(assignment: CourseAssignment, today: date) -> Status:
    if assignment.completion_id is not None:
        return Status.DONE
    if assignment.closed_as is not None:
        return Status(assignment.closed_as.value)
    return Status.OVERDUE if past_due(assignment.due_on, today) else Status.OPEN


@dataclass(frozen=True)
class AssignmentFilter:
    status: Status | None = None
    course_id: int | None = None
    q: str = ""

    @classmethod
    def from_args(cls, args) -> AssignmentFilter:  # noqa: ANN001 - a request's args or a dict
        """Unknown values are dropped, not errors: a stale bookmark still opens the page."""
        raw = (args.get("status") or "").strip()
        course = (args.get("course") or "").strip()
        return cls(status=Status(raw) if raw in {s.value for s in Status} else None,
                   course_id=int(course) if course.isdecimal() and len(course) < 10 else None,
                   q=(args.get("q") or "").strip()[:100])

    def args(self) -> dict[str, str]:
        out = {"status": self.status.value if self.status else "", "course": str(self.course_id or ""), "q": self.q}
        return {k: v for k, v in out.items() if v}


def agency_query(agency_id: int, f: AssignmentFilter, today: date) -> Select:
    """An agency's assignments (of the people with it now), filtered, soonest due first."""
    query = (select(CourseAssignment, Person).join(Person, Person.id == CourseAssignment.person_id)
             .where(Person.agency_id == agency_id))
    open_ = and_(CourseAssignment.completion_id.is_(None), CourseAssignment.closed_as.is_(None))
    if f.status is Status.DONE:
        query = query.where(CourseAssignment.completion_id.is_not(None))
    elif f.status in (Status.CANCELLED, Status.EXCUSED):
        query = query.where(CourseAssignment.closed_as == ClosedAs(f.status.value))
    elif f.status is Status.OVERDUE:
        query = query.where(open_, CourseAssignment.due_on < today)
    elif f.status is Status.OPEN:
        query = query.where(open_, CourseAssignment.due_on >= today)
    if f.course_id is not None:
        query = query.where(CourseAssignment.course_id == f.course_id)
    if f.q:
        like = f"%{f.q.lower()}%"
        query = query.where(or_(func.lower(Person.last_name).like(like), func.lower(Person.first_name).like(like),
                                func.lower(Person.post_id).like(like)))
    return query.order_by(CourseAssignment.completion_id.is_not(None), CourseAssignment.closed_as.is_not(None),
                          CourseAssignment.due_on, Person.last_name, CourseAssignment.id)


CSV_HEADER = ("post_id", "last_name", "first_name", "course_number", "course", "assigned_on", "assigned_by", "due_on",
              "status", "changes")


def csv_rows(session: Session, query: Select, today: date) -> Iterator[tuple[str, ...]]:
    """The header, then one line per assignment of ``agency_query`` (page and API export)."""
    yield CSV_HEADER
    for assignment, person in session.execute(query):
        by = session.get(Person, assignment.assigned_by_id) if assignment.assigned_by_id else None
        yield (person.post_id, person.last_name, person.first_name, assignment.course.course_number,
               assignment.course.slug, assignment.assigned_at.date().isoformat(), by.full_name if by else "",
               assignment.due_on.isoformat(), status_of(assignment, today).value,
               "; ".join(f"{c['what']} by {c['by']}" + (f": {c['reason']}" if c.get("reason") else "")
                         for c in assignment.changes or []))


def assigned_courses(session: Session, agency_id: int) -> list[Course]:
    """The courses ever assigned in the agency (the page's course filter)."""
    return list(session.scalars(select(Course).where(Course.id.in_(
        select(CourseAssignment.course_id).join(Person, Person.id == CourseAssignment.person_id)
        .where(Person.agency_id == agency_id))).order_by(Course.slug)))


def get_for(session: Session, actor: Person, assignment_id: int) -> CourseAssignment:
    """The assignment, if ``actor`` may change it (administrators, the person's training manager; nobody for
    their own); not found otherwise."""
    found = session.get(CourseAssignment, assignment_id)
    person = session.get(Person, found.person_id) if found is not None else None
    if found is None or not can_manage_person(actor, person):
        if found is not None and person.id == actor.id:
            raise PermissionDeniedError("Another manager or an administrator changes your own assignments.")
        raise NotFoundError("No such assignment.")
    return found


def change(session: Session, *, actor: Person, assignment: CourseAssignment, due_on: date | None = None,
           close: ClosedAs | None = None, reason: str = "", now: datetime) -> str:
    """Extend (or bring forward) the due date, or close the assignment as cancelled or excused (a reason is
    required to excuse). Returns what was done, for the message."""
    person = session.get(Person, assignment.person_id)
    if not can_manage_person(actor, person):
        raise PermissionDeniedError("Only an administrator or the person's training manager changes an assignment.")
    if not assignment.is_open:
        raise ConflictError("This assignment is already " + ("done." if assignment.completion_id else
                                                            f"{assignment.closed_as.value}."))
    reason = " ".join(reason.split())[:200]
    today = today_for(session, person, now)
    if (due_on is None) == (close is None):
        raise ValidationError("Give a new due date, or cancel or excuse the assignment.",
                              details={"due_on": "A new due date, or choose cancel or excuse."})
    entry = {"at": now.isoformat(), "by": actor.full_name, "reason": reason}
    if due_on is not None:
        if due_on < today:
            raise ValidationError("The new due date is in the past.", details={"due_on": "Today or later."})
        if (due_on - today).days > MAX_EXTENSION_DAYS:
            raise ValidationError("The new due date is too far ahead.", details={"due_on": "Within two years."})
        if due_on == assignment.due_on:
            raise ValidationError("That is the due date already.", details={"due_on": "Choose another date."})
        entry |= {"what": "extended" if due_on > assignment.due_on else "brought forward",
                  "from": assignment.due_on.isoformat(), "to": due_on.isoformat()}
        assignment.due_on = due_on
        done = f"due {human_date(due_on)}"
    else:
        if close is ClosedAs.EXCUSED and not reason:
            raise ValidationError("Say why the person is excused.", details={"reason": "The reason is required."})
        entry |= {"what": close.value}
        assignment.closed_as, assignment.closed_at = close, now
        done = close.value
    assignment.changes = [*(assignment.changes or []), entry]
    audit.record(session, "assignment.changed", actor_id=actor.id, subject_id=person.id, now=now,
                 target=f"assignment:{assignment.id}", details=entry)
    session.flush()
    return done
