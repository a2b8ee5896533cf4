"""The poster's steps: derive postings from completions, claim a due one, post it, retry or give up.

Each posting is processed in its own transaction, so a crash loses at most the work in flight, which
is then done again: the record write is idempotent on the posting, and forwarding is idempotent on the
posting's Idempotency-Key at the receiver.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from learning_portal.accounts.models import Person
from learning_portal.credits.eligibility import decide
from learning_portal.credits.gateways import ForwardError, RecordForwarder
from learning_portal.credits.models import DUE_STATUSES, CreditPosting, PostingStatus
from learning_portal.errors import ConflictError, NotFoundError
from learning_portal.learning.models import Completion, CompletionSource
from learning_portal.records.models import RecordSource, TrainingRecord
from learning_portal.records.services import RecordInput, write_record

_SOURCES = {CompletionSource.ONLINE: RecordSource.ONLINE, CompletionSource.ROSTER: RecordSource.ROSTER}


@dataclass(frozen=True)
class PosterSettings:
    max_attempts: int = 8
    retry_base: timedelta = timedelta(seconds=15)
    retry_cap: timedelta = timedelta(hours=1)
    forwarder: RecordForwarder | None = None


def enqueue_new_completions(session: Session, *, now: datetime, limit: int = 2000) -> int:
    """Create the missing posting of each completion (the completion row is the durable outbox entry)."""
    rows = session.execute(
        select(Completion.id, Completion.person_id)
        .outerjoin(CreditPosting, CreditPosting.completion_id == Completion.id)
        .where(CreditPosting.id.is_(None)).order_by(Completion.id).limit(limit)).all()
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(CreditPosting).values([
        {"completion_id": completion_id, "person_id": person_id, "status": PostingStatus.PENDING,
         "reason": "", "attempts": 0, "next_attempt_at": now, "idempotency_key": uuid.uuid4().hex,
         "created_at": now, "updated_at": now}
        for completion_id, person_id in rows
    ]).on_conflict_do_nothing(index_elements=["completion_id"])  # another poster got there first
    return len(session.execute(statement.returning(CreditPosting.id)).all())


def claim_due(session: Session, *, now: datetime) -> CreditPosting | None:
    """Lock the next due posting for this transaction; other posters skip it (PostgreSQL SKIP LOCKED).

    On SQLite the poster's transaction starts with BEGIN IMMEDIATE (see ``worker``), so one poster
    at a time holds the write lock and the next one sees the posting's new status.
    """
    query = (select(CreditPosting).where(CreditPosting.status.in_(DUE_STATUSES),
                                         CreditPosting.next_attempt_at <= now)
             .order_by(CreditPosting.next_attempt_at, CreditPosting.id).limit(1))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return session.scalar(query)


def process(session: Session, posting: CreditPosting, *, now: datetime, settings: PosterSettings,
            rng: random.Random | None = None) -> PostingStatus:
    """Decide, write the record, forward it; leaves the posting posted, failed, dead or not eligible."""
    if session.get_bind().dialect.name == "postgresql":
        # One posting per person at a time, so "already credited this cycle" sees the other's record.
        session.execute(select(Person.id).where(Person.id == posting.person_id).with_for_update())
    completion = session.get(Completion, posting.completion_id)
    person = session.get(Person, posting.person_id)
    posting.updated_at = now
    record = None
    if posting.record_written_at is None:
        decision = decide(session, completion=completion, person=person)
        if not decision.eligible:
            posting.status, posting.reason = PostingStatus.NOT_ELIGIBLE, decision.reason
            return posting.status
        record, _ = write_record(session, data=_record_input(completion, person), posting_id=posting.id, now=now)
        posting.record_written_at = now
    if settings.forwarder is not None and posting.forwarded_at is None:
        record = record or session.scalar(select(TrainingRecord).where(TrainingRecord.posting_id == posting.id))
        try:
            posting.external_ref = settings.forwarder.forward(
                idempotency_key=posting.idempotency_key, payload=forward_payload(record, person))
        except ForwardError as exc:
            return _failed(posting, str(exc), retryable=exc.retryable, now=now, settings=settings, rng=rng)
        posting.forwarded_at = now
    posting.status, posting.posted_at, posting.last_error = PostingStatus.POSTED, now, None
    return posting.status


def retry_posting(session: Session, *, posting_id: int, now: datetime) -> CreditPosting:
    """An administrator's retry of a dead (or failed) posting: due now, attempts counted afresh."""
    posting = session.get(CreditPosting, posting_id)
    if posting is None:
        raise NotFoundError("No such posting.")
    if posting.status not in (PostingStatus.DEAD, PostingStatus.FAILED):
        raise ConflictError(f"Only failed or dead postings can be retried; this one is {posting.status.label.lower()}.")
    posting.status, posting.attempts, posting.next_attempt_at, posting.updated_at = (
        PostingStatus.PENDING, 0, now, now)
    session.flush()
    return posting


def retry_all_dead(session: Session, *, now: datetime) -> int:
    result = session.execute(update(CreditPosting).where(CreditPosting.status == PostingStatus.DEAD).values(
        status=PostingStatus.PENDING, attempts=0, next_attempt_at=now, updated_at=now))
    return result.rowcount or 0


def backoff(attempts: int, settings: PosterSettings, rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with full jitter in its upper half: base * 2^(n-1), capped, times 0.5-1.0."""
    ceiling = min(settings.retry_base * (2 ** max(attempts - 1, 0)), settings.retry_cap)
    return ceiling * (0.5 + (rng or random).random() / 2)


def forward_payload(record: TrainingRecord, person: Person) -> dict[str, Any]:
    return {
        "post_id": person.post_id,
        "course_number": record.course_number,
        "title": record.title,
        "hours": str(record.hours),
        "categories": record.categories,
        "satisfies": record.satisfies,
        "completed_on": record.completed_on.isoformat(),
        "source": record.source.value,
    }


def _record_input(completion: Completion, person: Person) -> RecordInput:
    version = completion.course_version
    return RecordInput(
        person_id=person.id, course_id=completion.course_id, course_number=version.course.course_number,
        title=version.title, hours=version.cpt_hours,
        categories={k: Decimal(v) for k, v in version.hours.items()},
        satisfies=[r.id for r in version.requirements], completed_on=completion.completed_at.date(),
        source=_SOURCES[completion.source])


def _failed(posting: CreditPosting, error: str, *, retryable: bool, now: datetime, settings: PosterSettings,
            rng: random.Random | None) -> PostingStatus:
    posting.attempts += 1
    posting.last_error = error[:2000]
    if not retryable or posting.attempts >= settings.max_attempts:
        posting.status = PostingStatus.DEAD
    else:
        posting.status = PostingStatus.FAILED
        posting.next_attempt_at = now + backoff(posting.attempts, settings, rng)
    return posting.status
