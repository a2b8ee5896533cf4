"""``flask media ingest FILE [--title] [--captions FILE.vtt] [--publish]`` and ``flask media list``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from learning_portal.clock import utcnow
from learning_portal.db import session_factory
from learning_portal.errors import DomainError
from learning_portal.media import jobs, services
from learning_portal.media.models import AssetStatus, MediaAsset
from learning_portal.media.storage import app_storage

cli = AppGroup("media", help="Training videos.")


@cli.command("ingest")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--title", default="", help="Title shown to learners (default: the file name).")
@click.option("--slug", default=None, help="How course content names this video (media = \"<slug>\").")
@click.option("--captions", "captions_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A WebVTT caption file.")
@click.option("--publish", is_flag=True, help="Publish once transcoded (needs --captions).")
def ingest_command(file: Path, title: str, slug: str | None, captions_file: Path | None, publish: bool) -> None:
    """Probe FILE, transcode it to HLS (360p, 720p), an MP4 fallback and a poster, and store it."""
    app = current_app._get_current_object()
    factory, storage = session_factory(), app_storage(app)
    try:
        info = services.check_upload(file, max_bytes=app.config["MEDIA_MAX_UPLOAD_BYTES"])
    except DomainError as exc:
        raise click.ClickException(f"{file.name}: {exc.message} Nothing was stored.") from None
    with factory() as session:
        try:
            asset = services.create_asset(session, title=title, filename=file.name, now=utcnow(), slug=slug)
        except DomainError as exc:
            raise click.ClickException(exc.message) from None
        session.commit()
        asset_id = asset.id
    click.echo(f"Video {asset_id}: {info.width}x{info.height}, {info.duration_s:.1f} s. Transcoding...")
    with click.progressbar(length=100, label="Transcoding") as bar:
        done = [0]

        def show(percent: int) -> None:
            bar.update(percent - done[0])
            done[0] = percent

        status = jobs.run_ingest(factory, storage, asset_id=asset_id, source=file, info=info, now=utcnow,
                                     on_progress=show)
    with factory() as session:
        asset = session.get(MediaAsset, asset_id)
        if status is AssetStatus.FAILED:
            raise click.ClickException(f"Transcoding failed: {asset.error}")
        try:
            if captions_file:
                services.attach_captions(session, storage, asset=asset, data=captions_file.read_bytes(), now=utcnow())
            if publish:
                services.publish(session, asset=asset, now=utcnow())
        except DomainError as exc:
            raise click.ClickException(exc.message) from None
        session.commit()
        click.echo(f"Video {asset_id} is ready{' and published' if asset.is_published else ''}: "
                   f"{', '.join(r['name'] for r in asset.renditions)}, MP4 and poster under {asset.storage_prefix}/.")


@cli.command("list")
def list_command() -> None:
    """Videos with their status."""
    with session_factory()() as session:
        for asset in session.scalars(select(MediaAsset).order_by(MediaAsset.id)):
            captions = "captions" if asset.captions_key else "no captions"
            published = "published" if asset.is_published else "not published"
            click.echo(f"{asset.id:>4}  {asset.status.value:<10} {asset.progress:>3}%  {asset.title} "
                       f"({captions}, {published})")
