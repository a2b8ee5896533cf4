"""``flask certification presenter|grant``: set up presenters and who works on their certification requests."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from learning_portal.accounts.models import Person
from learning_portal.certification import services
from learning_portal.clock import utcnow
from learning_portal.db import session_factory
from learning_portal.errors import DomainError

cli = AppGroup("certification", help="Course certification: presenters, coordinators, consultants.")


@cli.command("presenter")
@click.argument("number")
@click.argument("name")
@click.option("--jurisdiction", default="CA-POST", show_default=True)
def presenter_command(number: str, name: str, jurisdiction: str) -> None:
    """Add a presenter (4-digit presenter number, name)."""
    with session_factory()() as session:
        try:
            presenter = services.add_presenter(session, number=number, name=name, jurisdiction=jurisdiction)
        except DomainError as exc:
            raise click.ClickException(exc.message) from exc
        session.commit()
        click.echo(f"Presenter {presenter.number} ({presenter.name}) added, id {presenter.id}.")


@cli.command("grant")
@click.argument("username")
@click.argument("role", type=click.Choice(["coordinator", "consultant"]))
@click.argument("to")
def grant_command(username: str, role: str, to: str) -> None:
    """Make USERNAME a coordinator of presenter number TO, or a consultant for jurisdiction TO."""
    with session_factory()() as session:
        person = session.scalar(select(Person).where(Person.username == username))
        if person is None:
            raise click.ClickException(f"No account {username!r}.")
        try:
            granted = services.grant(session, person=person, role=role, to=to, now=utcnow())
        except DomainError as exc:
            raise click.ClickException(exc.message) from exc
        session.commit()
        click.echo(f"{username} is now {role} for {to}." if granted else f"{username} already is {role} for {to}.")
