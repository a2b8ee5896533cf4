"""What the xAPI statements and the mail outboxes share: a row written in the transaction of the event it
tells, claimed by a sender under a lease (so no other sender takes it meanwhile), sent outside any
transaction, then marked sent, failed (retried with backoff) or dead (an administrator may retry it).

A sender that dies mid-send leaves a lease that runs out; the row goes again with the same identity (a
statement id, a Message-ID), which the receiving side stores once. Only a refusal of the row itself counts
toward the attempt limit: a receiver that is down keeps everything waiting, however long that lasts.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Text, delete, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from learning_portal import workers
from learning_portal.db import enum_column


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for the sender
    FAILED = "failed"  # a send failed; retried at next_attempt_at
    SENT = "sent"  # the receiver has it
    DEAD = "dead"  # refused, or the attempt limit was reached; an administrator can retry it

    @property
    def label(self) -> str:
        return self.value.capitalize()


DUE_STATUSES = (OutboxStatus.PENDING, OutboxStatus.FAILED)


class OutboxRow:
    """The columns every outbox table has (mixed into its model)."""

    status: Mapped[OutboxStatus] = mapped_column(enum_column(OutboxStatus), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


Row = TypeVar("Row", bound=OutboxRow)


@dataclass(frozen=True)
class Policy:
    batch_size: int = 50
    lease: timedelta = timedelta(minutes=2)  # how long claimed rows are reserved for one sender
    max_attempts: int = 10
    retry_base: timedelta = timedelta(seconds=15)
    retry_cap: timedelta = timedelta(hours=1)
    keep_sent: timedelta = timedelta(days=30)  # sent rows are kept this long, for questions, then deleted


def claim_due(session: Session, model: type[Row], *, now: datetime, policy: Policy) -> list[Row]:
    """Lease up to a batch of due rows. The caller reads what it needs, commits, then sends."""
    query = (select(model).where(model.status.in_(DUE_STATUSES), model.next_attempt_at <= now)
             .order_by(model.next_attempt_at, model.id).limit(policy.batch_size))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = list(session.scalars(query))
    for row in rows:
        row.next_attempt_at = now + policy.lease
    session.flush()
    return rows


def finish(session: Session, model: type[Row], outcomes: Iterable[tuple[int, Exception | None]], *, now: datetime,
           policy: Policy, rng: random.Random | None = None) -> list[Row]:
    """Record each outcome: sent, failed (retried with backoff) or dead. An error with ``retryable = False``
    is dead at once; one with ``refused_alone = False`` (the receiver is down or refuses our credentials) is
    retried however many attempts it took. Returns the rows that went dead now."""
    outcomes = list(outcomes)
    rows = {row.id: row for row in session.scalars(select(model).where(model.id.in_([i for i, _ in outcomes])))}
    dead = []
    for row_id, error in outcomes:
        row = rows.get(row_id)
        if row is None or row.status is OutboxStatus.SENT:
            continue  # deleted with its person, or sent by another sender after our lease ran out
        if error is None:
            row.status, row.sent_at, row.last_error = OutboxStatus.SENT, now, None
            continue
        row.attempts += 1
        row.last_error = str(error)[:2000]
        alone = getattr(error, "refused_alone", True)
        if not getattr(error, "retryable", True) or (alone and row.attempts >= policy.max_attempts):
            row.status = OutboxStatus.DEAD
            dead.append(row)
        else:
            row.status = OutboxStatus.FAILED
            row.next_attempt_at = now + workers.backoff(row.attempts, base=policy.retry_base, cap=policy.retry_cap,
                                                        rng=rng)
    session.flush()
    return dead


def retry_dead(session: Session, model: type[OutboxRow], *, now: datetime, where: Any = None) -> int:
    query = update(model).where(model.status == OutboxStatus.DEAD)
    if where is not None:
        query = query.where(where)
    result = session.execute(query.values(status=OutboxStatus.PENDING, attempts=0, next_attempt_at=now))
    return result.rowcount or 0


def prune_sent(session: Session, model: type[OutboxRow], *, now: datetime, policy: Policy) -> int:
    result = session.execute(delete(model).where(model.status == OutboxStatus.SENT,
                                                 model.sent_at < now - policy.keep_sent))
    return result.rowcount or 0


def status_counts(session: Session, model: type[OutboxRow]) -> dict[str, int]:
    counts = dict(session.execute(select(model.status, func.count()).group_by(model.status)).all())
    return {status.value: counts.get(status, 0) for status in OutboxStatus}
