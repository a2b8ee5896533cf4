"""``flask demo load``: demo agencies and accounts, only when PORTAL_DEMO is on."""

import click
from flask import current_app
from flask.cli import AppGroup

from learning_portal.clock import utcnow
from learning_portal.db import session_factory
from learning_portal.demo import services

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
