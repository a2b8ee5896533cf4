"""``flask credits work|status|retry-dead``."""

from __future__ import annotations

import threading

import click
from flask import current_app
from flask.cli import AppGroup

from learning_portal.clock import utcnow
from learning_portal.credits import queries, services, worker
from learning_portal.db import session_factory

cli = AppGroup("credits", help="CPT credit posting.")


@cli.command("work")
@click.option("--once", is_flag=True, help="Drain what is due, then exit.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between passes.")
def work_command(once: bool, interval: float) -> None:
    """Run the credit poster (the same loop as portal-credits-worker)."""
    total = worker.loop(current_app._get_current_object(), interval=interval, once=once, stop=threading.Event())
    click.echo(f"Processed {total} posting(s).")


@cli.command("status")
def status_command() -> None:
    """Count postings by status; exits 1 when some are late (for monitoring)."""
    with session_factory()() as session:
        for status, count in queries.status_counts(session).items():
            click.echo(f"{status:>13}: {count}")
        late = queries.late_postings(session, now=utcnow(), older_than=worker.alert_after(current_app.config))
    if late.count:
        click.echo(f"LATE: {late.count} posting(s) not done after {current_app.config['CREDIT_ALERT_AFTER_MINUTES']}"
                   f" minutes, the oldest since {late.oldest:%Y-%m-%d %H:%M} UTC"
                   + (f"; last error: {late.last_error}" if late.last_error else ""), err=True)
        raise SystemExit(1)


@cli.command("retry-dead")
def retry_dead_command() -> None:
    """Make every dead posting due again."""
    with session_factory()() as session:
        count = services.retry_all_dead(session, now=utcnow())
        session.commit()
    click.echo(f"{count} dead posting(s) queued again.")
