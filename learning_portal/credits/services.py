"""The poster's steps: derive postings from completions, claim a due one, post it, retry or give up.

A batch of postings is decided and written in one transaction; forwarding to another portal happens
after that commit, with no locks held, and its outcome is recorded in a second short transaction. A
crash loses at most the work in flight, which is then done again: the record write is idempotent on the
posting, and forwarding is idempotent on the posting's Idempotency-Key at the receiver.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload

from learning_portal import workers
from learning_portal.accounts.models import Jurisdiction, Person
from learning_portal.catalog.models import CourseVersion
from learning_portal.credits import forwarding
from learning_portal.credits.eligibility import Decision, Facts, decide
from learning_portal.credits.gateways import ForwardError, RecordForwarder
from learning_portal.credits.models import DUE_STATUSES, CreditPosting, PostingStatus
from learning_portal.errors import ConflictError, NotFoundError
from learning_portal.learning.models import Completion, CompletionSource
from learning_portal.notices import services as notices
from learning_portal.records.models import RecordSource, TrainingRecord
from learning_portal.records.services import RecordInput, new_record
from learning_portal.sessions.models import Attendance
from learning_portal.xapi import services as xapi

log = logging.getLogger(__name__)

_SOURCES = {CompletionSource.ONLINE: RecordSource.ONLINE, CompletionSource.ROSTER: RecordSource.ROSTER}


@dataclass(frozen=True)
class PosterSettings:
    batch_size: int = 50  # postings per transaction
    forward_lease: timedelta = timedelta(minutes=2)  # how long a posting being forwarded is reserved
    max_attempts: int = 8  # not counting transient failures: an outage is waited out, however long
    retry_base: timedelta = timedelta(seconds=15)
    retry_cap: timedelta = timedelta(hours=1)
    alert_after: timedelta = timedelta(hours=1)  # a posting not done by then is logged as an error, once
    credit_samples: bool = True  # sample courses earn credit (the demo; PORTAL_CREDIT_SAMPLE_COURSES)
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


def claim_due(session: Session, *, now: datetime, limit: int = 1) -> list[CreditPosting]:
    """Lock up to ``limit`` due postings for this transaction; other posters skip them (SKIP LOCKED).

    On SQLite every transaction starts with BEGIN IMMEDIATE (see ``db``), so one poster at a time holds
    the write lock and the next one sees the postings' new status.
    """
    query = (select(CreditPosting).where(CreditPosting.status.in_(DUE_STATUSES),
                                         CreditPosting.next_attempt_at <= now)
             .order_by(CreditPosting.next_attempt_at, CreditPosting.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


@dataclass(frozen=True)
class ForwardJob:
    """A record to send to the receiving portal once the local transaction has committed."""

    posting_id: int
    idempotency_key: str
    payload: dict[str, Any]


def process_batch(session: Session, postings: list[CreditPosting], *, now: datetime, settings: PosterSettings,
                  on_error: Callable[[CreditPosting, Exception], None] | None = None) -> list[ForwardJob]:
    """Decide and write the records of claimed postings. Returns the forwarding still to do: the caller
    commits first, forwards outside any transaction (no locks held over the network), then calls
    ``finish_forwarding``.

    The whole batch is decided from facts read once and its records are written in one statement. If that
    fails, the batch is done again one posting at a time, each in a savepoint, so a posting that breaks is
    marked failed and the others still post.
    """
    loaded = _prefetch(session, postings)  # held for the batch: the identity map keeps only weak references
    try:
        with session.begin_nested():
            return _prepare_together(session, postings, now=now, settings=settings)
    except Exception:
        log.warning("a batch of %d postings failed; posting them one at a time", len(postings), exc_info=True)
    jobs = []
    for posting in postings:
        try:
            with session.begin_nested():
                job = _prepare_together(session, [posting], now=now, settings=settings)
        except Exception as exc:  # a bug or bad data in one posting must not block the others
            if on_error:
                on_error(posting, exc)
            session.refresh(posting)
            _failed(posting, f"{type(exc).__name__}: {exc}", retryable=True, now=now, settings=settings, rng=None)
            continue
        jobs.extend(job)
    del loaded
    return jobs


def _prepare_together(session: Session, postings: list[CreditPosting], *, now: datetime,
                      settings: PosterSettings) -> list[ForwardJob]:
    """Decide and write the postings' records; each is posted at once, or leased for forwarding (a job)."""
    completions = {p.id: session.get(Completion, p.completion_id) for p in postings}
    facts = Facts.load(session, [completions[p.id] for p in postings if p.record_written_at is None])
    rostered = [c.id for c in completions.values() if c.source is CompletionSource.ROSTER]
    presentations = dict(session.execute(select(Attendance.completion_id, Attendance.session_id).where(
        Attendance.completion_id.in_(rostered))).all()) if rostered else {}
    written: dict[int, tuple[TrainingRecord, Person]] = {}
    to_post, told = [], []
    for posting in postings:
        posting.updated_at = now
        if posting.record_written_at is not None:
            to_post.append(posting)
            continue
        completion, person = completions[posting.id], session.get(Person, posting.person_id)
        jurisdiction = session.get(Jurisdiction, person.agency.jurisdiction) if person.agency else None
        decision = decide(completion, person, jurisdiction, facts, credit_samples=settings.credit_samples)
        if not decision.eligible:
            posting.status, posting.reason = PostingStatus.NOT_ELIGIBLE, decision.reason
            told.append(_credit_notice(posting, completion, person, decision))
            continue
        to_post.append(posting)
        posting.reason = decision.reason  # why a recorded completion earned no CPT hours, if it did not
        data = replace(_record_input(completion, person, jurisdiction), cpt_credited=decision.cpt,
                       session_id=presentations.get(completion.id))
        record = new_record(data, posting_id=posting.id, now=now)
        if decision.cpt:
            facts.credit(person.id, completion.course_id, record.completed_on)
        written[posting.id] = (record, person)
        posting.record_written_at = now
        told.append(_credit_notice(posting, completion, person, decision))
        xapi.emit(session, person_id=person.id, verb="satisfied", version=completion.course_version, now=now,
                  enrollment_id=completion.enrollment_id, result={"success": True, "completion": True},
                  extensions={"cpt-hours": str(record.hours if record.cpt_credited else 0),
                              "categories": record.categories,
                              "satisfies": record.satisfies, "completed-on": record.completed_on.isoformat(),
                              "source": record.source.value})
    session.add_all([record for record, _ in written.values()])
    session.flush()  # one multi-row INSERT; the unique posting_id refuses a second record for a posting
    notices.send(session, told, now=now)
    jobs = []
    for posting in to_post:
        if settings.forwarder is None or posting.forwarded_at is not None:
            posting.status, posting.posted_at, posting.last_error = PostingStatus.POSTED, now, None
            continue
        record, person = written.get(posting.id) or (
            session.scalar(select(TrainingRecord).where(TrainingRecord.posting_id == posting.id)),
            session.get(Person, posting.person_id))
        # Nobody else claims it while we forward; if this poster dies, the lease runs out and another resends it
        # (the receiver answers a repeated Idempotency-Key with its original answer).
        posting.next_attempt_at = now + settings.forward_lease
        jobs.append(ForwardJob(posting.id, posting.idempotency_key, forwarding.record_payload(record, person.post_id)))
    return jobs


def forward(jobs: list[ForwardJob], settings: PosterSettings) -> list[tuple[ForwardJob, str | ForwardError]]:
    """Send each job; no database work here. Returns (job, receiver reference or the error)."""
    assert settings.forwarder is not None
    outcomes: list[tuple[ForwardJob, str | ForwardError]] = []
    for job in jobs:
        try:
            outcomes.append((job, settings.forwarder.forward(idempotency_key=job.idempotency_key,
                                                             payload=job.payload)))
        except ForwardError as exc:
            outcomes.append((job, exc))
        except Exception as exc:  # a gateway bug must not lose the batch's other outcomes
            outcomes.append((job, ForwardError(f"{type(exc).__name__}: {exc}")))
    return outcomes


def finish_forwarding(session: Session, outcomes: list[tuple[ForwardJob, str | ForwardError]], *, now: datetime,
                      settings: PosterSettings, rng: random.Random | None = None) -> list[PostingStatus]:
    statuses = []
    for job, outcome in outcomes:
        posting = session.get(CreditPosting, job.posting_id)
        posting.updated_at = now
        if posting.forwarded_at is not None or posting.status is PostingStatus.POSTED:
            statuses.append(posting.status)  # another poster finished it after our lease ran out
        elif isinstance(outcome, ForwardError):
            statuses.append(_failed(posting, str(outcome), retryable=outcome.retryable,
                                    transient=outcome.transient, now=now, settings=settings, rng=rng))
        else:
            posting.external_ref, posting.forwarded_at = outcome, now
            posting.status, posting.posted_at, posting.last_error = PostingStatus.POSTED, now, None
            statuses.append(posting.status)
    return statuses


def _prefetch(session: Session, postings: list[CreditPosting]) -> list[object]:
    """Load the batch's completions (with course versions) and people in a few queries, not per posting."""
    if not postings:
        return []
    completions = list(session.scalars(select(Completion).options(
        joinedload(Completion.course_version).selectinload(CourseVersion.requirements))
        .where(Completion.id.in_([p.completion_id for p in postings]))))
    person_ids = sorted({p.person_id for p in postings})
    query = select(Person).where(Person.id.in_(person_ids)).order_by(Person.id)
    if session.get_bind().dialect.name == "postgresql":
        # One posting per person at a time, so "already credited this cycle" sees the other's record.
        # Locked in id order, in one statement, so two posters cannot deadlock on each other's people.
        query = query.with_for_update(of=Person)
    return [*completions, *session.scalars(query), *session.scalars(select(Jurisdiction))]


def retry_posting(session: Session, *, posting_id: int, now: datetime) -> CreditPosting:
    """An administrator's retry of a dead (or failed) posting: due now, attempts counted afresh."""
    posting = session.get(CreditPosting, posting_id)
    if posting is None:
        raise NotFoundError("No such posting.")
    if posting.status not in (PostingStatus.DEAD, PostingStatus.FAILED):
        raise ConflictError(f"Only failed or dead postings can be retried; this one is {posting.status.label.lower()}.")
    posting.status, posting.attempts, posting.next_attempt_at, posting.updated_at, posting.alerted_at = (
        PostingStatus.PENDING, 0, now, now, None)
    session.flush()
    return posting


def retry_all_dead(session: Session, *, now: datetime) -> int:
    result = session.execute(update(CreditPosting).where(CreditPosting.status == PostingStatus.DEAD).values(
        status=PostingStatus.PENDING, attempts=0, next_attempt_at=now, updated_at=now, alerted_at=None))
    return result.rowcount or 0


def backoff(attempts: int, settings: PosterSettings, rng: random.Random | None = None) -> timedelta:
    return workers.backoff(attempts, base=settings.retry_base, cap=settings.retry_cap, rng=rng)


def _credit_notice(posting: CreditPosting, completion: Completion, person: Person,
                   decision: Decision) -> notices.Notice:
    version = completion.course_version
    if not decision.eligible:
        return notices.Notice(person.id, "credit_refused", f"credit:{posting.id}", f"No credit: {version.title}",
                              f"Your completion of {version.title} earned no credit. {decision.reason}",
                              link="/my/profile", agency_id=person.agency_id)
    if not decision.cpt:
        return notices.Notice(person.id, "credit_posted", f"credit:{posting.id}", f"Recorded: {version.title}",
                              f"{version.title} is on your training profile. {decision.reason}", link="/my/profile",
                              agency_id=person.agency_id)
    return notices.Notice(person.id, "credit_posted", f"credit:{posting.id}", f"Credit posted: {version.title}",
                          f"{version.title} ({version.course.course_number}) is on your training profile with "
                          f"{version.cpt_hours} CPT hours.", link="/my/profile", agency_id=person.agency_id)


def _record_input(completion: Completion, person: Person, jurisdiction: Jurisdiction) -> RecordInput:
    version = completion.course_version
    return RecordInput(
        person_id=person.id, course_id=completion.course_id, course_number=version.course.course_number,
        title=version.title, hours=version.cpt_hours,
        categories={k: Decimal(v) for k, v in version.hours.items()},
        satisfies=[r.id for r in version.requirements],
        completed_on=jurisdiction.local_date(completion.completed_at),
        source=_SOURCES[completion.source])


def _failed(posting: CreditPosting, error: str, *, retryable: bool, now: datetime, settings: PosterSettings,
            rng: random.Random | None, transient: bool = False) -> PostingStatus:
    """Dead when retrying cannot help, or after ``max_attempts`` failures of other kinds; a transient one
    (the receiver unavailable) is retried for as long as it lasts, every ``retry_cap`` at most."""
    posting.attempts += 1
    posting.last_error = error[:2000]
    if not retryable or (not transient and posting.attempts >= settings.max_attempts):
        posting.status = PostingStatus.DEAD
        log.error("credit posting %s gave up after %d attempt(s): %s", posting.id, posting.attempts, error[:500])
        return posting.status
    posting.status = PostingStatus.FAILED
    posting.next_attempt_at = now + backoff(posting.attempts, settings, rng)
    if posting.alerted_at is None and now - posting.created_at >= settings.alert_after:
        posting.alerted_at = now
        log.error("credit posting %s has been failing for %s (%d attempts), still retrying: %s", posting.id,
                  now - posting.created_at, posting.attempts, error[:500])
    return posting.status
