"""``flask accounts create-admin``: the first administrator of a production portal."""

import click
from flask.cli import AppGroup

from learning_portal.accounts import services
from learning_portal.accounts.models import Assignment
from learning_portal.clock import utcnow
from learning_portal.db import session_factory
from learning_portal.errors import DomainError

cli = AppGroup("accounts", help="Accounts and agencies.")


@cli.command("create-admin")
@click.option("--username", required=True)
@click.option("--post-id", required=True, help="The administrator's POST ID (or staff number).")
@click.option("--first-name", required=True)
@click.option("--last-name", required=True)
@click.option("--email", default="")
@click.password_option(help="At least 12 characters (prompted when not given).")
def create_admin(username: str, post_id: str, first_name: str, last_name: str, email: str, password: str) -> None:
    """Create an administrator account (no agency)."""
    data = services.PersonInput(post_id=post_id, first_name=first_name, last_name=last_name, role="",
                                email=email, username=username, assignment=Assignment.ADMINISTRATION.value)
    with session_factory()() as session:
        try:
            person = services.create_administrator(session, data=data, now=utcnow(), password=password)
        except DomainError as exc:
            details = exc.details if isinstance(exc.details, dict) else {}
            raise click.ClickException(" ".join([exc.message, *(f"{k}: {v}" for k, v in details.items())])) from None
        session.commit()
    click.echo(f"Administrator {person.username} created.")
