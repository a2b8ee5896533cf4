"""``flask notify run [--dry-run]``: the nightly run. Cron, in the portal's environment::

    15 2 * * *  cd /srv/learning-portal && .venv/bin/flask --app wsgi notify run

It is safe to run more often, to repeat, to kill and to run on two machines at once: every notice is sent once.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from learning_portal.clock import utcnow
from learning_portal.db import session_factory
from learning_portal.reminders import nightly

cli = AppGroup("notify", help="Reminders, overdue notices, digests and alerts.")


@cli.command("run")
@click.option("--dry-run", is_flag=True, help="Count what would be sent and assigned; change nothing.")
def run_command(dry_run: bool) -> None:
    """Run the assignment rules, then send what is due today in each jurisdiction."""
    with click.progressbar(length=1, label="Agencies") as bar:
        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        report = nightly.run(session_factory(), now=utcnow(), plan=nightly.schedule(current_app.config),
                             dry_run=dry_run, progress=progress)
    for line in report.lines():
        click.echo(line)
    if report.failed:
        raise SystemExit(1)
