"""Corrections travel: the record changes a posting does not carry, sent to the receiving portal.

Postings forward the records they write. Everything else the receiver must hear of is derived here from the
records change log, read on from a cursor (so a pass costs what changed since): the creation of a record made
without a posting (training taken elsewhere, a dispute's correction) and the withdrawal of any record the
receiver is sent. A withdrawal is sent only once the receiver acknowledged the record, so it never arrives
first. Each (record, operation) is one outbox
row with its own Idempotency-Key; the receiver applies each key once.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from learning_portal import outbox
from learning_portal.accounts.models import Person
from learning_portal.credits.gateways import ForwardError, RecordForwarder
from learning_portal.credits.models import CreditPosting, ForwardCursor, ForwardOperation, PostingStatus, RecordForward
from learning_portal.outbox import OutboxStatus
from learning_portal.records import changes
from learning_portal.records.models import ChangeOperation, RecordSource, TrainingRecord

# Records made here without a posting that the receiver is sent. Imported history is the agency's own past
# (the commission has it from before); forwarded records came from elsewhere.
SENT_WITHOUT_POSTING = (RecordSource.EXTERNAL, RecordSource.CORRECTION)


def record_payload(record: TrainingRecord, post_id: str) -> dict[str, Any]:
    """What a new record is sent as (a posting's record and any other alike)."""
    return {
        "post_id": post_id, "course_number": record.course_number, "title": record.title,
        "hours": str(record.hours), "categories": record.categories, "satisfies": record.satisfies,
        "completed_on": record.completed_on.isoformat(), "source": record.source.value,
        "cpt_credited": record.cpt_credited,
    }


def withdrawal_payload(record: TrainingRecord, creation_key: str) -> dict[str, Any]:
    assert record.withdrawn_at is not None
    return {"operation": "withdraw", "record_key": creation_key, "reason": record.withdrawn_reason or "",
            "withdrawn_at": record.withdrawn_at.isoformat()}


def derive(session: Session, *, now: datetime, limit: int = 1000) -> int:
    """Read the change log on from the poster's cursor and queue what the receiver must hear of; returns how
    many changes were read (``limit`` means: call again). Posters take turns (the cursor row is locked)."""
    cursor = session.get(ForwardCursor, 1, with_for_update=True)  # the migration's one row
    found, cursor.after = changes.feed(session, agency_id=None, after=cursor.after, limit=limit)
    # Creations first, from the record as it stands: also for a record whose withdrawal comes first in the log
    # (on PostgreSQL an older transaction may withdraw a record created by a younger one).
    _insert(session, [_row(c.record, ForwardOperation.CREATE, uuid.uuid4().hex, record_payload(c.record, c.post_id),
                           now) for c in {c.record.id: c for c in found}.values()
                      if c.record.posting_id is None and c.record.source in SENT_WITHOUT_POSTING])
    withdrawn = [c.record for c in found if c.operation is ChangeOperation.WITHDRAWN]
    if withdrawn:
        ids = [r.id for r in withdrawn]
        keys = creation_keys(session, ids)  # as queued or posted now (another poster's rows included)
        never_sent = set(session.scalars(select(TrainingRecord.id).join(  # posted before forwarding was set up,
            CreditPosting, CreditPosting.id == TrainingRecord.posting_id).where(  # and not resent since
            TrainingRecord.id.in_(ids), CreditPosting.status == PostingStatus.POSTED,
            CreditPosting.forwarded_at.is_(None), ~_creation_row())))
        _insert(session, [_row(r, ForwardOperation.WITHDRAW, uuid.uuid4().hex, withdrawal_payload(r, keys[r.id]),
                               now) for r in withdrawn if r.id in keys and r.id not in never_sent])
    return len(found)


def _creation_row(*status: OutboxStatus) -> Any:
    where = [RecordForward.record_id == TrainingRecord.id, RecordForward.operation == ForwardOperation.CREATE]
    return exists().where(*where, RecordForward.status.in_(status)) if status else exists().where(*where)


def _acknowledged() -> Any:
    """The receiver has the record: its creation row was sent, or (no creation row: not resent) its posting was
    forwarded."""
    forwarded = exists().where(CreditPosting.id == TrainingRecord.posting_id, CreditPosting.forwarded_at.is_not(None))
    return or_(_creation_row(OutboxStatus.SENT), and_(forwarded, ~_creation_row()))


def creation_keys(session: Session, record_ids: list[int]) -> dict[int, str]:
    """The Idempotency-Key each record was (or will be) created under at the receiver."""
    keys = dict(session.execute(select(TrainingRecord.id, CreditPosting.idempotency_key)
                                .join(CreditPosting, CreditPosting.id == TrainingRecord.posting_id)
                                .where(TrainingRecord.id.in_(record_ids))).all())
    keys.update({record_id: key for record_id, key in session.execute(
        select(RecordForward.record_id, RecordForward.idempotency_key).where(
            RecordForward.record_id.in_(record_ids), RecordForward.operation == ForwardOperation.CREATE))
        if record_id not in keys})
    return keys


def _row(record: TrainingRecord, operation: ForwardOperation, key: str, payload: dict[str, Any],
         now: datetime) -> dict[str, Any]:
    return {"record_id": record.id, "operation": operation, "idempotency_key": key, "payload": payload,
            "status": OutboxStatus.PENDING, "attempts": 0, "next_attempt_at": now, "created_at": now}


def _insert(session: Session, rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(RecordForward).values(rows).on_conflict_do_nothing(index_elements=["record_id", "operation"])
    return len(session.execute(statement.returning(RecordForward.id)).all())


def send(rows: list[RecordForward], forwarder: RecordForwarder) -> list[tuple[int, Exception | None]]:
    """Send leased rows (outside any transaction); each outcome for ``outbox.finish``."""
    outcomes: list[tuple[int, Exception | None]] = []
    for row_id, key, payload in [(r.id, r.idempotency_key, r.payload) for r in rows]:
        try:
            forwarder.forward(idempotency_key=key, payload=payload)
            outcomes.append((row_id, None))
        except ForwardError as exc:
            outcomes.append((row_id, exc))
        except Exception as exc:  # noqa: BLE001 - a bug in one send must not lose the outcomes of the others
            outcomes.append((row_id, ForwardError(f"{type(exc).__name__}: {exc}")))
    return outcomes


def resend(session: Session, record: TrainingRecord, person: Person, *, now: datetime) -> None:
    """Queue the record again as it stands here (its creation, and its withdrawal if it is withdrawn), under the
    keys it was first sent with: the receiver records what it lacks and answers the rest as replays."""
    keys = creation_keys(session, [record.id])
    key = keys.get(record.id) or uuid.uuid4().hex
    wanted = [(ForwardOperation.CREATE, key, record_payload(record, person.post_id))]
    if record.withdrawn_at is not None:
        existing = session.scalar(select(RecordForward.idempotency_key).where(
            RecordForward.record_id == record.id, RecordForward.operation == ForwardOperation.WITHDRAW))
        wanted.append((ForwardOperation.WITHDRAW, existing or uuid.uuid4().hex, withdrawal_payload(record, key)))
    for operation, op_key, payload in wanted:
        row = session.scalar(select(RecordForward).where(RecordForward.record_id == record.id,
                                                         RecordForward.operation == operation))
        if row is None:
            session.add(RecordForward(**_row(record, operation, op_key, payload, now)))
        else:
            row.status, row.attempts, row.next_attempt_at, row.last_error = OutboxStatus.PENDING, 0, now, None
    session.flush()


def resend_records(session: Session, *, agency_id: int, record_ids: set[int], now: datetime) -> list[int]:
    """Resend those of the records that belong to the agency's people; returns their ids."""
    rows = session.execute(select(TrainingRecord, Person).join(Person, Person.id == TrainingRecord.person_id)
                           .where(TrainingRecord.id.in_(record_ids), Person.agency_id == agency_id,
                                  or_(TrainingRecord.posting_id.is_not(None),  # what the receiver is sent
                                      TrainingRecord.source.in_(SENT_WITHOUT_POSTING)))
                           .order_by(TrainingRecord.id)).all()
    for record, person in rows:
        resend(session, record, person, now=now)
    return [record.id for record, _ in rows]


POLICY = outbox.Policy()


def claim(session: Session, *, now: datetime, policy: outbox.Policy = POLICY) -> list[RecordForward]:
    """Lease due rows. A withdrawal waits until the receiver has acknowledged the record it withdraws (its
    posting forwarded, or its creation sent), so it never arrives first."""
    rows = outbox.claim_due(session, RecordForward, now=now, policy=policy)
    withdrawals = [r.record_id for r in rows if r.operation is ForwardOperation.WITHDRAW]
    acknowledged = set(session.scalars(select(TrainingRecord.id).where(
        TrainingRecord.id.in_(withdrawals), _acknowledged()))) if withdrawals else set()
    held = [r for r in rows if r.operation is ForwardOperation.WITHDRAW and r.record_id not in acknowledged]
    for row in held:
        row.next_attempt_at = now + policy.retry_base
    return [r for r in rows if r not in held]
