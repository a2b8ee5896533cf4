"""In-portal notices: one row per event told to one person, unique by the event's key, with how its e-mail
went. People may turn optional kinds off."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from learning_portal.db import Base, enum_column


class EmailState(enum.StrEnum):
    PENDING = "pending"  # the mail worker turns it into a message
    QUEUED = "queued"  # in the mail outbox (key notice:<id>)
    NO_ADDRESS = "no_address"  # no e-mail address on file: in-portal only
    BOUNCED = "bounced"  # the address was refused before: in-portal only
    CLOSED = "closed"  # the account is closed: in-portal only

    @property
    def label(self) -> str:
        return {"pending": "Waiting to be sent", "queued": "E-mailed", "no_address": "No e-mail on file",
                "bounced": "Address refused", "closed": "Account closed"}[self.value]


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_person_id_id", "person_id", "id"),
        Index("ix_notifications_person_unread", "person_id", sqlite_where=text("read_at IS NULL"),
              postgresql_where=text("read_at IS NULL")),
        Index("ix_notifications_pending", "id", sqlite_where=text("email_state = 'pending'"),
              postgresql_where=text("email_state = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    # The agency the notice is about (the person's at the time), for its managers' list of what was sent.
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # notices.kinds.KINDS
    # The event: a repeated nightly run or a second worker finds the key taken and tells nobody twice.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(300), default="")  # a path in the portal, or ""
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]
    email_state: Mapped[EmailState] = mapped_column(enum_column(EmailState), default=EmailState.PENDING)
    email_to: Mapped[str | None] = mapped_column(String(320))  # the address it was e-mailed to


class NoticeOptOut(Base):
    """A kind of notice the person turned off (optional kinds only)."""

    __tablename__ = "notice_opt_outs"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)


class NoticeCursor(Base):
    """Where the nightly run got to for an agency: its local day and when. The next run reads only what crossed
    a reminder's or a due date's boundary since then (and what changed since), so repeating a run costs little;
    the notices' keys still make every event told once whatever the cursor says."""

    __tablename__ = "notice_cursors"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date]
    ran_at: Mapped[datetime]
