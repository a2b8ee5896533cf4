"""``flask mail send|status|retry-dead``."""

from __future__ import annotations

import threading

import click
from flask import current_app
from flask.cli import AppGroup

from learning_portal import outbox
from learning_portal.clock import utcnow
from learning_portal.db import session_factory
from learning_portal.mail import worker
from learning_portal.mail.models import OutgoingMail

cli = AppGroup("mail", help="The portal's e-mail.")


@cli.command("send")
@click.option("--once", is_flag=True, help="Send what is due, then exit.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between passes.")
def send_command(once: bool, interval: float) -> None:
    """Run the sender (the same loop as portal-mail-worker)."""
    total = worker.loop(current_app._get_current_object(), interval=interval, once=once, stop=threading.Event())
    click.echo(f"Sent {total} message(s).")


@cli.command("status")
def status_command() -> None:
    """Count messages by status; exits 1 when any is dead."""
    with session_factory()() as session:
        counts = outbox.status_counts(session, OutgoingMail)
    for status, count in counts.items():
        click.echo(f"{status:>8}: {count}")
    if counts["dead"]:
        raise SystemExit(1)


@cli.command("retry-dead")
def retry_dead_command() -> None:
    """Make every dead message due again."""
    with session_factory()() as session:
        count = outbox.retry_dead(session, OutgoingMail, now=utcnow())
        session.commit()
    click.echo(f"{count} dead message(s) queued again.")
