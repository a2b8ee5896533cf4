"""The posting outbox. Every completion gets exactly one posting (unique on the completion): the
poster derives it from the completion row, so nothing depends on a message that could be lost."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from learning_portal.db import Base, enum_column
from learning_portal.outbox import OutboxRow


class PostingStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for the poster
    FAILED = "failed"  # an attempt failed; retried at next_attempt_at
    POSTED = "posted"  # the record is on the profile (and forwarded, where configured)
    DEAD = "dead"  # refused, or gave up after the attempt limit; an administrator can retry it
    NOT_ELIGIBLE = "not_eligible"  # no credit, with the reason shown to the officer

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


DUE_STATUSES = (PostingStatus.PENDING, PostingStatus.FAILED)


class CreditPosting(Base):
    __tablename__ = "credit_postings"
    __table_args__ = (Index("ix_credit_postings_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    completion_id: Mapped[int] = mapped_column(ForeignKey("completions.id"), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    status: Mapped[PostingStatus] = mapped_column(enum_column(PostingStatus), default=PostingStatus.PENDING)
    reason: Mapped[str] = mapped_column(String(400), default="")  # why not eligible
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    # Sent as Idempotency-Key when forwarding: the receiver records each key once.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    record_written_at: Mapped[datetime | None]
    forwarded_at: Mapped[datetime | None]
    external_ref: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(Text)
    posted_at: Mapped[datetime | None]
    alerted_at: Mapped[datetime | None]  # when it was reported as late (CREDIT_ALERT_AFTER_MINUTES)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class InboundReceipt(Base):
    """One per Idempotency-Key accepted by POST /api/v1/records: a replay gets the original answer."""

    __tablename__ = "inbound_receipts"

    idempotency_key: Mapped[str] = mapped_column(String(120), primary_key=True)
    body_sha256: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int]
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime]


class ForwardOperation(enum.StrEnum):
    CREATE = "create"  # a record not made by a posting (training taken elsewhere, a dispute's correction)
    WITHDRAW = "withdraw"  # a record withdrawn here after the receiver had it

    @property
    def label(self) -> str:
        return {"create": "New record", "withdraw": "Withdrawal"}[self.value]


class RecordForward(OutboxRow, Base):
    """A change sent to the receiving portal beside the postings: one per record and operation, derived from
    the records change log by the credit poster (so nothing depends on a message that could be lost)."""

    __tablename__ = "record_forwards"
    __table_args__ = (UniqueConstraint("record_id", "operation"),
                      Index("ix_record_forwards_status_next_attempt_at", "status", "next_attempt_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("training_records.id", ondelete="CASCADE"))
    operation: Mapped[ForwardOperation] = mapped_column(enum_column(ForwardOperation))
    # Sent as Idempotency-Key; a record's creation reuses its posting's key when it has one.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


class ForwardCursor(Base):
    """How far the poster has read the records change log for ``record_forwards`` (one row)."""

    __tablename__ = "record_forward_cursor"

    id: Mapped[int] = mapped_column(primary_key=True)
    after: Mapped[str] = mapped_column(String(40))  # a records change-feed cursor
