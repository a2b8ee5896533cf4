"""``flask xapi send|status|retry-dead``."""

from __future__ import annotations

import threading

import click
from flask import current_app
from flask.cli import AppGroup

from learning_portal.clock import utcnow
from learning_portal.db import session_factory
from learning_portal.xapi import services, worker

cli = AppGroup("xapi", help="xAPI statements to the LRS.")


@cli.command("send")
@click.option("--once", is_flag=True, help="Send what is due, then exit.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between passes.")
def send_command(once: bool, interval: float) -> None:
    """Run the sender (the same loop as portal-xapi-worker)."""
    total = worker.loop(current_app._get_current_object(), interval=interval, once=once, stop=threading.Event())
    click.echo(f"Sent {total} statement(s).")


@cli.command("status")
def status_command() -> None:
    """Count statements by status."""
    with session_factory()() as session:
        for status, count in services.status_counts(session).items():
            click.echo(f"{status:>8}: {count}")


@cli.command("retry-dead")
def retry_dead_command() -> None:
    """Make every dead statement due again."""
    with session_factory()() as session:
        count = services.retry_dead(session, now=utcnow())
        session.commit()
    click.echo(f"{count} dead statement(s) queued again.")
