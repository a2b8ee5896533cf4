"""Single-use sign-in links. Only a SHA-256 of the link's token is stored, as for API tokens."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from learning_portal.db import Base, enum_column


class LinkPurpose(enum.StrEnum):
    INVITATION = "invitation"  # set a first password
    PASSWORD_RESET = "password_reset"  # noqa: S105 (a purpose, not a password): choose a new one


class SignInLink(Base):
    __tablename__ = "sign_in_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[LinkPurpose] = mapped_column(enum_column(LinkPurpose))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]  # used, or void because another link of the person was used
