"""``flask demo load``: demo agencies and accounts, only when PORTAL_DEMO is on."""

import tempfile
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from learning_portal.clock import utcnow
from learning_portal.db import session_factory
from learning_portal.demo import generate, services, videos
from learning_portal.media import jobs
from learning_portal.media import services as media_services
from learning_portal.media.models import AssetStatus, MediaAsset
from learning_portal.media.storage import app_storage

cli = AppGroup("demo", help="Demo data (PORTAL_DEMO=1 only).")


@cli.command("load")
def load_command() -> None:
    """Create the demo agencies and accounts (idempotent)."""
    if not current_app.config["DEMO"]:
        raise click.ClickException("Demo data is loaded only when PORTAL_DEMO is on.")
    with session_factory()() as session:
        agencies, people = services.load_demo(session, now=utcnow())
        session.commit()
    click.echo(f"Demo data ready ({agencies} agencies and {people} people added). "
               f"Sign in as officer, dispatcher, instructor, manager or admin with '{services.DEMO_PASSWORD}'.")


@cli.command("videos")
@click.option("--slug", "slugs", multiple=True, help="Only these clips (default: all).")
def videos_command(slugs: tuple[str, ...]) -> None:
    """Make, ingest, caption and publish the demo "Did You Know?" clips (idempotent)."""
    if not current_app.config["DEMO"]:
        raise click.ClickException("Demo videos are made only when PORTAL_DEMO is on.")
    app = current_app._get_current_object()
    factory, storage = session_factory(app), app_storage(app)
    for clip in videos.CLIPS:
        if slugs and clip.slug not in slugs:
            continue
        with factory() as session:
            if session.scalar(select(MediaAsset.id).where(MediaAsset.slug == clip.slug)) is not None:
                click.echo(f"{clip.slug}: already there")
                continue
        with tempfile.TemporaryDirectory(prefix="portal-demo-video-") as tmp:
            path, captions = videos.make_clip(clip, Path(tmp))
            info = media_services.check_upload(path, max_bytes=app.config["MEDIA_MAX_UPLOAD_BYTES"])
            with factory() as session:
                asset = media_services.create_asset(session, title=clip.title, filename=path.name, now=utcnow(),
                                                    slug=clip.slug)
                session.commit()
                asset_id = asset.id
            if jobs.run_ingest(factory, storage, asset_id=asset_id, source=path, info=info,
                               now=utcnow) is not AssetStatus.READY:
                raise click.ClickException(f"{clip.slug}: transcoding failed")
        with factory() as session:
            asset = session.get(MediaAsset, asset_id)
            media_services.attach_captions(session, storage, asset=asset, data=captions, now=utcnow())
            media_services.publish(session, asset=asset, now=utcnow())
            session.commit()
        click.echo(f"{clip.slug}: {info.duration_s:.0f} s, captioned and published")


@cli.command("generate")
@click.option("--people", type=click.IntRange(1, 2_000_000), default=10_000, show_default=True)
@click.option("--agencies", type=click.IntRange(1, 10_000), default=60, show_default=True)
@click.option("--records-per-person", type=click.IntRange(0, 500), default=20, show_default=True)
@click.option("--jurisdiction", default="CA-POST", show_default=True)
@click.option("--seed", type=int, default=7, show_default=True)
def generate_command(people: int, agencies: int, records_per_person: int, jurisdiction: str, seed: int) -> None:
    """Add a statewide data set of fictitious people, records and courses in progress (for load tests)."""
    if not current_app.config["DEMO"]:
        raise click.ClickException("Generated data is added only when PORTAL_DEMO is on.")
    if people < agencies * 5:
        raise click.ClickException("Give at least 5 people per agency.")
    sizes = generate.Sizes(people, agencies, records_per_person)
    total = people * (1 + records_per_person) + agencies
    engine = current_app.extensions["db_engine"]
    with click.progressbar(length=total, label="Generating", show_pos=True) as bar:
        try:
            ids = generate.generate(engine, sizes, jurisdiction=jurisdiction, seed=seed, now=utcnow(),
                                    progress=lambda stage, n: bar.update(n) if stage in ("agencies", "people",
                                                                                           "records") else None)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"Added {people} people in {agencies} agencies (the largest, id {ids[0]}, has "
               f"{generate.agency_sizes(people, agencies)[0]}) with {records_per_person} records each. "
               "Run `flask compliance refresh` to evaluate them ahead of the first dashboard.")
