"""The transcoding job: run by the upload view's background thread, the CLI, or a media worker.

It is a unit of work of its own, so it commits: progress as it goes, then ready or failed. A failure
leaves nothing half-stored.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from learning_portal.media import ingest
from learning_portal.media.models import AssetStatus, MediaAsset
from learning_portal.media.storage import Storage


def run_ingest(factory: sessionmaker[Session], storage: Storage, *, asset_id: int, source: Path,
               info: ingest.ProbeResult, now: Callable[[], datetime],
               on_progress: Callable[[int], None] = lambda _: None) -> AssetStatus:
    """Transcode ``source`` and store the results; the asset row shows progress, then ready or failed."""
    last = [-1]

    def report(fraction: float) -> None:
        percent = int(fraction * 100)
        if percent >= last[0] + 5 or percent == 100:  # a write every 5%, not per ffmpeg line
            last[0] = percent
            _update(factory, asset_id, progress=min(percent, 99), updated_at=now())
            on_progress(percent)

    with factory() as session:
        asset = session.get(MediaAsset, asset_id)
        prefix = asset.storage_prefix
    try:
        with tempfile.TemporaryDirectory(prefix="portal-ingest-") as tmp:
            result = ingest.transcode(source, Path(tmp), info, progress=report)
            for path in sorted(Path(tmp).rglob("*")):
                if path.is_file():
                    storage.put_file(f"{prefix}/{path.relative_to(tmp).as_posix()}", path)
    except Exception as exc:  # transcoding or storage failed: record why, keep nothing half-stored
        storage.delete_prefix(prefix)
        _update(factory, asset_id, status=AssetStatus.FAILED, error=str(exc)[:2000], updated_at=now())
        return AssetStatus.FAILED
    _update(factory, asset_id, status=AssetStatus.READY, progress=100, error=None, duration_s=info.duration_s,
            width=info.width, height=info.height, renditions=list(result.renditions), updated_at=now())
    return AssetStatus.READY


def _update(factory: sessionmaker[Session], asset_id: int, **values) -> None:
    with factory() as session:
        asset = session.get(MediaAsset, asset_id)
        for name, value in values.items():
            setattr(asset, name, value)
        session.commit()
