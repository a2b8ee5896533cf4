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
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from learning_portal import outbox
from learning_portal.accounts.models import Person
from learning_portal.catalog.models import CourseItem, CourseVersion
from learning_portal.xapi import statements
from learning_portal.xapi.models import StatementStatus, XapiStatement

SETTINGS_KEY = "xapi"


SenderSettings = outbox.Policy  # batch size, lease, attempts, backoff and how long sent statements are kept


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
    return [(row.id, row.statement) for row in outbox.claim_due(session, XapiStatement, now=now, policy=settings)]


def finish(session: Session, outcomes: Iterable[tuple[int, Exception | None]], *, now: datetime,
           settings: SenderSettings, rng: random.Random | None = None) -> None:
    """Record what the LRS said about each statement (see ``outbox.finish``): an LRS that is down or refuses
    our credentials keeps everything waiting, however long that lasts."""
    outbox.finish(session, XapiStatement, outcomes, now=now, policy=settings, rng=rng)


def retry_dead(session: Session, *, now: datetime) -> int:
    return outbox.retry_dead(session, XapiStatement, now=now)


def prune_sent(session: Session, *, now: datetime, settings: SenderSettings) -> int:
    return outbox.prune_sent(session, XapiStatement, now=now, policy=settings)


def status_counts(session: Session) -> dict[str, int]:
    return outbox.status_counts(session, XapiStatement)
