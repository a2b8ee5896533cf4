"""Presentations people register for: a classroom session with seats, open to the agencies it names. A seat
is taken before the session starts and given back by cancelling; the roster is still who was there."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from learning_portal.accounts.models import Person
from learning_portal.certification import services as certification
from learning_portal.errors import ConflictError, NotFoundError
from learning_portal.sessions.models import Registration, SessionKind, SessionStatus, TrainingSession, session_agencies
from learning_portal.sessions.services import local_day


@dataclass(frozen=True)
class Presentation:
    session: TrainingSession
    taken: int  # seats
    mine: bool

    @property
    def seats_left(self) -> int:
        return max((self.session.capacity or 0) - self.taken, 0)


def _open(now: datetime):  # noqa: ANN202 - the clause of presentations one may still register for
    return (TrainingSession.kind == SessionKind.CLASSROOM, TrainingSession.capacity.is_not(None),
            TrainingSession.status == SessionStatus.SCHEDULED, TrainingSession.starts_at > now)


def upcoming(db: Session, person: Person, now: datetime, limit: int = 200) -> list[Presentation]:
    """Presentations open to the person's agency that have not started, soonest first."""
    if person.agency_id is None:
        return []
    taken = (select(Registration.session_id, func.count().label("n")).group_by(Registration.session_id)
             .subquery())
    rows = db.execute(
        select(TrainingSession, func.coalesce(taken.c.n, 0), Registration.person_id)
        .join(session_agencies, session_agencies.c.session_id == TrainingSession.id)
        .outerjoin(taken, taken.c.session_id == TrainingSession.id)
        .outerjoin(Registration, (Registration.session_id == TrainingSession.id)
                   & (Registration.person_id == person.id))
        .where(session_agencies.c.agency_id == person.agency_id, *_open(now))
        .order_by(TrainingSession.starts_at, TrainingSession.id).limit(limit))
    rows = list(rows)
    until = certification.certified_until(db, {ts.course_id for ts, _, _ in rows})
    return [Presentation(ts, n, mine is not None) for ts, n, mine in rows if _certified_on_its_day(db, ts, until)]


def _certified_on_its_day(db: Session, ts: TrainingSession, until: dict) -> bool:
    """A course certified here is presented for CPT only on days its certification covers (it may have been
    withdrawn since the presentation was scheduled)."""
    last = until.get(ts.course_id)
    return last is None or local_day(db, ts) <= last


def registrations(db: Session, ts: TrainingSession) -> list[Registration]:
    return list(db.scalars(select(Registration).where(Registration.session_id == ts.id)
                           .order_by(Registration.registered_at, Registration.person_id)))


def register(db: Session, *, person: Person, session_id: int, now: datetime) -> TrainingSession:
    """Take a seat; the session row is locked, so two people never take the last seat both."""
    ts = db.scalar(select(TrainingSession).where(TrainingSession.id == session_id, *_open(now))
                   .with_for_update(of=TrainingSession))
    if ts is None or person.agency_id not in {a.id for a in ts.agencies}:
        raise NotFoundError("No such presentation open for registration.")
    if not _certified_on_its_day(db, ts, certification.certified_until(db, {ts.course_id})):
        raise ConflictError("The course's certification ends before this presentation: it would earn no CPT. "
                            "Ask the instructor.")
    if person.id == ts.instructor_id:
        raise ConflictError("You present this session: instructors do not register for their own.")
    if db.get(Registration, (ts.id, person.id)) is not None:
        raise ConflictError("You are registered already.")
    taken = db.scalar(select(func.count()).select_from(Registration).where(Registration.session_id == ts.id))
    if taken >= ts.capacity:
        raise ConflictError("This presentation is full.")
    db.add(Registration(session_id=ts.id, person_id=person.id, registered_at=now))
    db.flush()
    return ts


def cancel(db: Session, *, person: Person, session_id: int, now: datetime) -> TrainingSession:
    ts = db.scalar(select(TrainingSession).where(TrainingSession.id == session_id, *_open(now))
                   .with_for_update(of=TrainingSession))
    seat = db.get(Registration, (session_id, person.id)) if ts is not None else None
    if seat is None:
        raise NotFoundError("You are not registered for a presentation that has not started.")
    db.delete(seat)
    db.flush()
    return ts
