"""The statement outbox: a statement is written in the transaction of the event it tells, and sent later."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from learning_portal.db import Base, enum_column


class StatementStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for the sender
    FAILED = "failed"  # a send failed; retried at next_attempt_at
    SENT = "sent"  # the LRS has it
    DEAD = "dead"  # the LRS refused it, or the attempt limit was reached; an administrator can retry it

    @property
    def label(self) -> str:
        return self.value.capitalize()


DUE_STATUSES = (StatementStatus.PENDING, StatementStatus.FAILED)


class XapiStatement(Base):
    __tablename__ = "xapi_statements"
    __table_args__ = (Index("ix_xapi_statements_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The statement's own id: the LRS stores each id once, so sending again after a crash adds nothing.
    statement_id: Mapped[str] = mapped_column(String(36), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    verb: Mapped[str] = mapped_column(String(20))
    statement: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[StatementStatus] = mapped_column(enum_column(StatementStatus), default=StatementStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
