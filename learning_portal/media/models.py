"""A training video: its ingest job's status and progress, the stored renditions, captions."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from learning_portal.db import Base, enum_column


class AssetStatus(enum.StrEnum):
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class MediaAsset(Base):
    __tablename__ = "media_assets"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    # How course content refers to the video (content/<course>/course.toml: media = "<slug>").
    slug: Mapped[str | None] = mapped_column(String(80), unique=True)
    original_filename: Mapped[str] = mapped_column(String(255))
    status: Mapped[AssetStatus] = mapped_column(enum_column(AssetStatus), default=AssetStatus.PROCESSING)
    progress: Mapped[int] = mapped_column(default=0)  # percent of the transcode done
    error: Mapped[str | None] = mapped_column(Text)
    duration_s: Mapped[float | None]
    width: Mapped[int | None]
    height: Mapped[int | None]
    renditions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    storage_prefix: Mapped[str] = mapped_column(String(100))  # e.g. "videos/12"
    captions_key: Mapped[str | None] = mapped_column(String(200))
    transcript: Mapped[str | None] = mapped_column(Text)
    is_published: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    def key(self, relative: str) -> str:
        return f"{self.storage_prefix}/{relative}"
