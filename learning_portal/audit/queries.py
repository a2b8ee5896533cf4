"""Searching the audit log, newest first, a page at a time (keyset on the chain position)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from learning_portal.audit.models import AuditEntry


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None
    actor_id: int | None = None
    subject_id: int | None = None  # entries about this person (their data seen or changed)
    since: datetime | None = None
    until: datetime | None = None  # exclusive


def search(session: Session, f: AuditFilter, *, before: int | None = None, limit: int = 50) -> list[AuditEntry]:
    """Up to ``limit`` entries matching ``f`` older than position ``before``, newest first."""
    query = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
    if before is not None:
        query = query.where(AuditEntry.seq < before)
    if f.action:
        query = query.where(AuditEntry.action == f.action)
    if f.actor_id is not None:
        query = query.where(AuditEntry.actor_id == f.actor_id)
    if f.subject_id is not None:
        query = query.where(AuditEntry.subject_id == f.subject_id)
    if f.since is not None:
        query = query.where(AuditEntry.at >= f.since)
    if f.until is not None:
        query = query.where(AuditEntry.at < f.until)
    return list(session.scalars(query))
