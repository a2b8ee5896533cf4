"""The statement outbox: a statement is written in the transaction of the event it tells, and sent later."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from learning_portal.db import Base
from learning_portal.outbox import OutboxRow
from learning_portal.outbox import OutboxStatus as StatementStatus

__all__ = ["StatementStatus", "XapiStatement"]


class XapiStatement(OutboxRow, Base):
    __tablename__ = "xapi_statements"
    __table_args__ = (Index("ix_xapi_statements_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The statement's own id: the LRS stores each id once, so sending again after a crash adds nothing.
    statement_id: Mapped[str] = mapped_column(String(36), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    verb: Mapped[str] = mapped_column(String(20))
    statement: Mapped[dict[str, Any]] = mapped_column(JSON)
