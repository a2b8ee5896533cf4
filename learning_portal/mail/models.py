"""The mail outbox: one row per message, written with the event it tells of, sent later, never lost."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from learning_portal.db import Base
from learning_portal.outbox import OutboxRow


class OutgoingMail(OutboxRow, Base):
    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # One message per event: a repeated run or a second worker finds the key taken and sends nothing more.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))  # invitation, password_reset, ...
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(200))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    # Set when queued, so a message sent again after a crash is recognisably the same one.
    message_id: Mapped[str] = mapped_column(String(200), unique=True)


class MailBounce(Base):
    """An address the receiving server refused outright (a 5xx to the recipient): nothing more is sent to it
    until the person's address changes. Stored lower-case."""

    __tablename__ = "mail_bounces"

    address: Mapped[str] = mapped_column(String(320), primary_key=True)
    bounced_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text)
