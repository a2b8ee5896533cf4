"""Writing training records (idempotent on their origin) and counting hours per CPT cycle."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from learning_portal.accounts.models import Person
from learning_portal.records.models import RecordSource, TrainingRecord

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by hand


def new_verification_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))


@dataclass(frozen=True)
class RecordInput:
    person_id: int
    course_number: str
    title: str
    hours: Decimal
    categories: Mapping[str, Decimal]
    satisfies: Sequence[str]
    completed_on: date
    source: RecordSource
    course_id: int | None = None
    cpt_credited: bool = True  # False: recorded for its mandates, without CPT hours (a repeat not credited)
    session_id: int | None = None  # the presentation (classroom session, briefing) a roster credited


def write_record(session: Session, *, data: RecordInput, now: datetime, posting_id: int | None = None,
                 inbound_key: str | None = None) -> tuple[TrainingRecord, bool]:
    """The record for this origin (a posting, or an inbound idempotency key), created once.

    Returns (record, created). Safe against concurrent writers: the unique origin decides.
    """
    if (posting_id is None) == (inbound_key is None):
        raise ValueError("a record has exactly one origin: posting_id or inbound_key")
    existing = _by_origin(session, posting_id, inbound_key)
    if existing is not None:
        return existing, False
    record = new_record(data, posting_id=posting_id, inbound_key=inbound_key, now=now)
    try:
        with session.begin_nested():
            session.add(record)
    except IntegrityError:
        existing = _by_origin(session, posting_id, inbound_key)
        if existing is None:
            raise
        return existing, False
    return record, True


def new_record(data: RecordInput, *, now: datetime, posting_id: int | None = None,
               inbound_key: str | None = None) -> TrainingRecord:
    """A record not yet added to a session; the caller makes sure its origin has none (``write_record``)."""
    return TrainingRecord(**record_values(data, now=now, posting_id=posting_id, inbound_key=inbound_key))


def record_values(data: RecordInput, *, now: datetime, posting_id: int | None = None,
                  inbound_key: str | None = None) -> dict:
    """A new record's columns, the same keys every time (a bulk import inserts them as rows)."""
    return dict(
        person_id=data.person_id, posting_id=posting_id, inbound_key=inbound_key, course_id=data.course_id,
        course_number=data.course_number, title=data.title, hours=data.hours,
        categories={k: str(v) for k, v in data.categories.items()}, satisfies=list(data.satisfies),
        completed_on=data.completed_on, source=data.source, cpt_credited=data.cpt_credited,
        session_id=data.session_id, verification_code=new_verification_code(), created_at=now)


def _by_origin(session: Session, posting_id: int | None, inbound_key: str | None) -> TrainingRecord | None:
    column, value = ((TrainingRecord.posting_id, posting_id) if posting_id is not None
                     else (TrainingRecord.inbound_key, inbound_key))
    return session.scalar(select(TrainingRecord).where(column == value))


# --- cycles ---------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Cycle:
    start: date
    end: date  # inclusive

    @property
    def label(self) -> str:
        return str(self.start.year) if self.start.year == self.end.year else f"{self.start.year}-{self.end.year}"


def cycle_for(day: date, *, months: int, anchor: date) -> Cycle:
    """The cycle of ``months`` months containing ``day``; cycles start at ``anchor`` and every ``months``."""
    offset = (day.year - anchor.year) * 12 + (day.month - anchor.month)
    start_index = (offset // months) * months
    start = _add_months(anchor, start_index)
    next_start = _add_months(anchor, start_index + months)
    return Cycle(start, date.fromordinal(next_start.toordinal() - 1))


def _add_months(day: date, months: int) -> date:
    total = day.year * 12 + (day.month - 1) + months
    return date(total // 12, total % 12 + 1, 1)


@dataclass
class CycleTotals:
    cycle: Cycle
    hours: Decimal = Decimal("0")
    by_category: dict[str, Decimal] = field(default_factory=dict)
    records: int = 0


def totals_by_cycle(records: Iterable[TrainingRecord], *, months: int, anchor: date) -> list[CycleTotals]:
    """CPT hours per cycle and per category, newest cycle first (withdrawn records, and records kept for their
    mandates without CPT hours, do not count)."""
    totals: dict[Cycle, CycleTotals] = {}
    for record in records:
        if record.withdrawn_at is not None or not record.cpt_credited:
            continue
        cycle = cycle_for(record.completed_on, months=months, anchor=anchor)
        bucket = totals.setdefault(cycle, CycleTotals(cycle))
        bucket.hours += record.hours
        bucket.records += 1
        for category, hours in record.categories.items():
            bucket.by_category[category] = bucket.by_category.get(category, Decimal("0")) + Decimal(hours)
    return sorted(totals.values(), key=lambda t: t.cycle, reverse=True)


def agency_records(session: Session, *, agency_id: int, after: int = 0,
                   limit: int = 500) -> list[tuple[TrainingRecord, str]]:
    """The training records of an agency's people, with their POST IDs, in record-id order after ``after``:
    a system that keeps the last id it saw reads only what is new (withdrawn records say so)."""
    return [(record, post_id) for record, post_id in session.execute(
        select(TrainingRecord, Person.post_id).join(Person, Person.id == TrainingRecord.person_id)
        .where(Person.agency_id == agency_id, TrainingRecord.id > after)
        .order_by(TrainingRecord.id).limit(limit))]
