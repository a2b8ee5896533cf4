"""The records change feed: what was created and withdrawn, in an order a reader can resume from.

A cursor is ``"<txid>.<id>"``. On PostgreSQL a transaction's changes become readable only once every
transaction older than it has ended (``pg_snapshot_xmin``): a change that commits late has a larger
(txid, id) than anything already read, so a reader that keeps its last cursor misses nothing. On SQLite
writers are serialised, txid is 0 and ids are in commit order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, literal_column, or_, select
from sqlalchemy.orm import Session

from learning_portal.accounts.models import Person
from learning_portal.db import ID_MAX
from learning_portal.errors import ValidationError
from learning_portal.records.models import ChangeOperation, RecordChange, TrainingRecord, current_txid

CURSOR = re.compile(r"^(\d{1,19})\.(\d{1,10})$")
TXID_MAX = 2**63 - 1
START = "0.0"


@dataclass(frozen=True)
class Change:
    cursor: str
    operation: ChangeOperation
    record: TrainingRecord
    post_id: str


def parse_cursor(value: str | None) -> tuple[int, int]:
    match = CURSOR.match(value or START)
    if not match or int(match[1]) > TXID_MAX or int(match[2]) > ID_MAX:
        raise ValidationError("after is a cursor from an earlier page, such as 0.0.",
                              details={"after": "Not a cursor."})
    return int(match[1]), int(match[2])


def feed(session: Session, *, agency_id: int | None, after: str | None,
         limit: int = 500) -> tuple[list[Change], str]:
    """The agency's (None: every) record changes after the cursor, oldest first, and the cursor to read on from.

    Records follow their person: a person who moves to the agency brings their changes with them (read from
    the start to have them; a reader that resumes sees only what changes after the move)."""
    txid, last_id = parse_cursor(after)
    query = (select(RecordChange, TrainingRecord, Person.post_id)
             .join(TrainingRecord, TrainingRecord.id == RecordChange.record_id)
             .join(Person, Person.id == RecordChange.person_id)
             .where(or_(RecordChange.txid > txid, and_(RecordChange.txid == txid, RecordChange.id > last_id)))
             .order_by(RecordChange.txid, RecordChange.id).limit(limit))
    if agency_id is not None:
        query = query.where(Person.agency_id == agency_id)
    if session.get_bind().dialect.name == "postgresql":
        oldest_running = literal_column("pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        query = query.where(RecordChange.txid < oldest_running)
    changes = [Change(f"{c.txid}.{c.id}", c.operation, record, post_id)
               for c, record, post_id in session.execute(query)]
    return changes, (changes[-1].cursor if changes else f"{txid}.{last_id}")


def log_created(session: Session, inbound_keys: Sequence[str]) -> None:
    """Log the creation of records written with Core (a bulk import), found by their origin keys."""
    for start in range(0, len(inbound_keys), 1000):
        _log_created_where(session, TrainingRecord.inbound_key.in_(inbound_keys[start:start + 1000]))


def log_created_after(session: Session, record_id: int) -> None:
    """Log the creation of every record with an id above ``record_id`` (the data generator's bulk copy)."""
    _log_created_where(session, TrainingRecord.id > record_id)


def _log_created_where(session: Session, where: ColumnElement[bool]) -> None:
    session.execute(RecordChange.__table__.insert().from_select(
        ["txid", "record_id", "person_id", "operation", "at"],
        select(current_txid(session.get_bind().dialect.name), TrainingRecord.id, TrainingRecord.person_id,
               literal_column(f"'{ChangeOperation.CREATED.value}'"), TrainingRecord.created_at)
        .where(where).order_by(TrainingRecord.id)))
