"""Audit entries and the chain's head.

Entries name people by id only (no names, no foreign keys), so an entry outlives the person it mentions and
holds no more personal data than needed. Each entry carries the hash of the one before; the database refuses
UPDATE and DELETE on the table (triggers in the migration).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from learning_portal.db import Base


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_subject_id_seq", "subject_id", "seq"),
                      Index("ix_audit_entries_actor_id_seq", "actor_id", "seq"),
                      Index("ix_audit_entries_address_at", "address", "at"))  # sign-in throttling by address

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)  # 1, 2, ... in chain order
    at: Mapped[datetime] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    actor_id: Mapped[int | None]  # who did it (None: someone not signed in, or the system)
    subject_id: Mapped[int | None]  # whose personal data was seen or changed
    target: Mapped[str] = mapped_column(String(200), default="")  # what, e.g. "training_record:42"
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    address: Mapped[str | None] = mapped_column(String(64))  # the client's IP address, for web requests
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """One row: the last entry's position and hash. Appending updates it first, which serialises appends."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # always 1
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
