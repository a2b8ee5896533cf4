"""Video assets: checking an upload, creating the asset, captions, publishing.

A file that is not a playable video is refused before anything is stored. The transcode itself runs as
a job (``media.jobs``) whose status and progress are on the asset row.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from learning_portal.errors import ConflictError, NotFoundError, ValidationError
from learning_portal.media import captions, ingest
from learning_portal.media.models import AssetStatus, MediaAsset
from learning_portal.media.storage import Storage


class NotAVideoError(ValidationError):
    code = "not_a_video"


def check_upload(path: Path, *, max_bytes: int) -> ingest.ProbeResult:
    """Refuse, with the reason, anything that is too large or not a playable video."""
    size = path.stat().st_size
    if size > max_bytes:
        raise ValidationError(f"The file is {size / 1024**2:.0f} MB; the limit is {max_bytes / 1024**2:.0f} MB.")
    if size == 0:
        raise NotAVideoError("The file is empty.")
    try:
        return ingest.probe(path)
    except ingest.NotAVideoError as exc:
        raise NotAVideoError(str(exc)) from exc


def free_slug(session: Session, text: str) -> str:
    """A reference made from a title ("Range Safety!" -> "range-safety"), with -2, -3... when taken."""
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:70].strip("-") or "video"
    taken = set(session.scalars(select(MediaAsset.slug).where(MediaAsset.slug.like(f"{base}%"))))
    return next(c for c in (base, *(f"{base}-{n}" for n in range(2, len(taken) + 3))) if c not in taken)


def create_asset(session: Session, *, title: str, filename: str, now: datetime, slug: str | None = None) -> MediaAsset:
    title = " ".join(title.split())[:200] or Path(filename).stem[:200]
    if slug is not None:
        if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug) or len(slug) > 80:
            raise ValidationError("A video slug is lower-case letters, digits and dashes.")
        if session.scalar(select(MediaAsset.id).where(MediaAsset.slug == slug)) is not None:
            raise ConflictError(f"A video with the slug '{slug}' already exists.")
    asset = MediaAsset(title=title, slug=slug, original_filename=Path(filename).name[:255],
                       status=AssetStatus.PROCESSING, progress=0, storage_prefix="pending", created_at=now,
                       updated_at=now)
    session.add(asset)
    session.flush()
    asset.storage_prefix = f"videos/{asset.id}"
    session.flush()
    return asset


def attach_captions(session: Session, storage: Storage, *, asset: MediaAsset, data: bytes,
                    now: datetime) -> list[captions.Cue]:
    if asset.status is not AssetStatus.READY:
        raise ConflictError("Add captions once the video has finished processing.")
    try:
        cues = captions.parse_webvtt(data, duration_s=asset.duration_s)
    except captions.CaptionError as exc:
        raise ValidationError(str(exc), details={"captions": str(exc)}) from exc
    key = asset.key("captions.vtt")
    storage.put_bytes(key, data)
    asset.captions_key, asset.transcript, asset.updated_at = key, captions.transcript(cues), now
    session.flush()
    return cues


def publish(session: Session, *, asset: MediaAsset, now: datetime) -> None:
    if asset.status is not AssetStatus.READY:
        raise ConflictError("Only a video that has finished processing can be published.")
    if not asset.captions_key:
        raise ConflictError("Add WebVTT captions before publishing: every training video needs them.")
    asset.is_published, asset.updated_at = True, now
    session.flush()


def get_asset(session: Session, asset_id: int) -> MediaAsset:
    asset = session.get(MediaAsset, asset_id)
    if asset is None:
        raise NotFoundError("No such video.")
    return asset
