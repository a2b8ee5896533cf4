"""Telling the LRS: statements written to the outbox with the event, then sent in batches, retried, never lost.

Statements are recorded only where an LRS is configured: ``init_app`` puts the statement settings in the
info of every session the app opens, and ``emit`` does nothing in a session without them.

The sender claims due statements and leases them (so no other sender takes them while it sends), commits,
sends outside any transaction, then records each outcome. A sender that dies mid-send leaves a lease that
runs out; the statements go again with the same ids, which the LRS stores once.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from learning_portal import workers
from learning_portal.accounts.models import Person
from learning_portal.catalog.models import CourseItem, CourseVersion
from learning_portal.xapi import statements
from learning_portal.xapi.models import DUE_STATUSES, StatementStatus, XapiStatement

SETTINGS_KEY = "xapi"


@dataclass(frozen=True)
class SenderSettings:
    batch_size: int = 50
    lease: timedelta = timedelta(minutes=2)  # how long claimed statements are reserved for one sender
    max_attempts: int = 10
    retry_base: timedelta = timedelta(seconds=15)
    retry_cap: timedelta = timedelta(hours=1)
    keep_sent: timedelta = timedelta(days=30)  # sent statements are kept this long, for questions, then deleted


def emit(session: Session, *, person_id: int, verb: str, version: CourseVersion, now: datetime,
         item: CourseItem | None = None, enrollment_id: int | None = None, result: dict[str, Any] | None = None,
         extensions: dict[str, Any] | None = None, timestamp: datetime | None = None) -> XapiStatement | None:
    """Add a statement to the outbox, in the caller's transaction (so it exists exactly when the event does).
    ``timestamp`` is when the event happened, where that is not ``now`` (a roster's session time)."""
    settings: statements.StatementSettings | None = session.info.get(SETTINGS_KEY)
    if settings is None:
        return None
    person = session.get(Person, person_id)
    course = statements.Course(version.course.course_number, version.version, version.title)
    body = statements.statement(
        settings, post_id=person.post_id, verb=verb, course=course, enrollment_id=enrollment_id, result=result,
        item=statements.Item(item.position + 1, item.kind.value, item.title) if item is not None else None,
        extensions=extensions, timestamp=timestamp or now)
    row = XapiStatement(statement_id=body["id"], person_id=person_id, verb=verb, statement=body,
                        status=StatementStatus.PENDING, attempts=0, next_attempt_at=now, created_at=now)
    session.add(row)
    return row


def claim_due(session: Session, *, now: datetime, settings: SenderSettings) -> list[tuple[int, dict[str, Any]]]:
    """Lease up to a batch of due statements; returns (row id, statement). The caller commits, then sends."""
    query = (select(XapiStatement).where(XapiStatement.status.in_(DUE_STATUSES), XapiStatement.next_attempt_at <= now)
             .order_by(XapiStatement.next_attempt_at, XapiStatement.id).limit(settings.batch_size))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = list(session.scalars(query))
    for row in rows:
        row.next_attempt_at = now + settings.lease
    session.flush()
    return [(row.id, row.statement) for row in rows]


def finish(session: Session, outcomes: Iterable[tuple[int, Exception | None]], *, now: datetime,
           settings: SenderSettings, rng: random.Random | None = None) -> None:
    """Record what the LRS said about each statement: sent, or failed (retried with backoff), or dead. Only a
    refusal of the statement itself counts toward ``max_attempts``: an LRS that is down or refuses our
    credentials keeps everything waiting, however long that lasts."""
    outcomes = list(outcomes)
    rows = {row.id: row for row in session.scalars(
        select(XapiStatement).where(XapiStatement.id.in_([row_id for row_id, _ in outcomes])))}
    for row_id, error in outcomes:
        row = rows.get(row_id)
        if row is None or row.status is StatementStatus.SENT:
            continue  # deleted with its person, or sent by another sender after our lease ran out
        if error is None:
            row.status, row.sent_at, row.last_error = StatementStatus.SENT, now, None
            continue
        row.attempts += 1
        row.last_error = str(error)[:2000]
        alone = getattr(error, "refused_alone", True)
        if not getattr(error, "retryable", True) or (alone and row.attempts >= settings.max_attempts):
            row.status = StatementStatus.DEAD
        else:
            row.status = StatementStatus.FAILED
            row.next_attempt_at = now + workers.backoff(row.attempts, base=settings.retry_base,
                                                        cap=settings.retry_cap, rng=rng)
    session.flush()


def retry_dead(session: Session, *, now: datetime) -> int:
    result = session.execute(update(XapiStatement).where(XapiStatement.status == StatementStatus.DEAD).values(
        status=StatementStatus.PENDING, attempts=0, next_attempt_at=now))
    return result.rowcount or 0


def prune_sent(session: Session, *, now: datetime, settings: SenderSettings) -> int:
    result = session.execute(delete(XapiStatement).where(XapiStatement.status == StatementStatus.SENT,
                                                         XapiStatement.sent_at < now - settings.keep_sent))
    return result.rowcount or 0


def status_counts(session: Session) -> dict[str, int]:
    counts = dict(session.execute(select(XapiStatement.status, func.count()).group_by(XapiStatement.status)).all())
    return {status.value: counts.get(status, 0) for status in StatementStatus}
