"""Read-only queries over training records."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from learning_portal.accounts.models import Person
from learning_portal.records.models import TrainingRecord


def record_with_person(session: Session, where: Any) -> tuple[TrainingRecord, Person] | None:
    """The first record matching ``where``, with its owner."""
    row = session.execute(
        select(TrainingRecord, Person).join(Person, Person.id == TrainingRecord.person_id).where(where)).first()
    return (row[0], row[1]) if row is not None else None
