"""``flask privacy purge``: the retention purge of people who left long ago."""

import click
from flask import current_app
from flask.cli import AppGroup

from learning_portal.clock import utcnow
from learning_portal.db import session_factory
from learning_portal.media.storage import app_storage
from learning_portal.privacy import retention

cli = AppGroup("privacy", help="Personal data: the retention purge.")


@cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Only say how many people are due.")
def purge_command(dry_run: bool) -> None:
    """Remove the personal data of people who left more than RETENTION_YEARS_AFTER_LEAVING years ago."""
    years = int(current_app.config["RETENTION_YEARS_AFTER_LEAVING"])
    factory = session_factory()
    with factory() as session:
        ids = retention.due(session, years=years, now=utcnow())
    click.echo(f"{len(ids)} people left more than {years} years ago and still have personal data.")
    if dry_run or not ids:
        return
    with click.progressbar(length=len(ids), label="Purging") as bar:
        done = retention.run(factory, app_storage(current_app), years=years, now=utcnow(),
                             progress=lambda n: bar.update(1))
    click.echo(f"Purged {done}. Their training records remain, anonymous.")
