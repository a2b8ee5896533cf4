"""SCORM 1.2 packages in media storage, and each learner's CMI data for the package they run."""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from learning_portal.db import Base


class ScormPackage(Base):
    __tablename__ = "scorm_packages"

    id: Mapped[int] = mapped_column(primary_key=True)
    # How course content refers to the package (content/<course>/course.toml: package = "<slug>").
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    identifier: Mapped[str] = mapped_column(String(200))  # the manifest's own identifier
    launch: Mapped[str] = mapped_column(String(500))  # the SCO's file (and parameters), relative to the root
    mastery_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    file_count: Mapped[int]
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    original_filename: Mapped[str] = mapped_column(String(255))
    # A fresh prefix per upload ("scorm/<random>"), so files of an upload that failed never mix with another's.
    storage_prefix: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]

    def key(self, path: str) -> str:
        """Where a file of the package is stored. Package files may be named anything (spaces, brackets, a
        leading underscore) that storage keys may not, so each is stored under a digest of its path."""
        return f"{self.storage_prefix}/{hashlib.sha256(path.encode()).hexdigest()}"


class ScormState(Base):
    """The CMI data model of one learner's run of a package item, kept between launches (resume)."""

    __tablename__ = "scorm_states"

    id: Mapped[int] = mapped_column(primary_key=True)
    progress_id: Mapped[int] = mapped_column(ForeignKey("item_progress.id", ondelete="CASCADE"), unique=True)
    lesson_status: Mapped[str] = mapped_column(String(16), default="not attempted")
    lesson_location: Mapped[str] = mapped_column(String(255), default="")
    score_raw: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    score_min: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    score_max: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    suspend_data: Mapped[str] = mapped_column(Text, default="")
    exit: Mapped[str] = mapped_column(String(16), default="")  # how the last session ended ("suspend": resume)
    session_time_s: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=0)  # of the session under way
    total_time_s: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=0)  # of the sessions finished
    launches: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime]
