"""``flask compliance refresh``: bring the stored evaluation up to date ahead of the dashboards;
``flask compliance evaluate FILE``: ask the engine about one case."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup
from sqlalchemy import select

from learning_portal import jsoninput
from learning_portal.accounts.models import Agency, Jurisdiction
from learning_portal.clock import utcnow
from learning_portal.compliance import inquiry, services
from learning_portal.db import session_factory
from learning_portal.errors import ValidationError

cli = AppGroup("compliance", help="Compliance with mandated training.")


@cli.command("refresh")
@click.option("--jurisdiction", help="Only this jurisdiction (e.g. CA-POST); default: all.")
def refresh_command(jurisdiction: str | None) -> None:
    """Re-evaluate everyone whose stored compliance is stale, agency by agency (run nightly)."""
    now = utcnow()
    with session_factory()() as session:
        codes = [jurisdiction] if jurisdiction else list(session.scalars(select(Jurisdiction.code)))
        for code in codes:
            defs = services.definitions(session, code)
            agencies = list(session.scalars(select(Agency.id).where(Agency.jurisdiction == code)))
            total = 0
            with click.progressbar(agencies, label=f"{code}: {len(agencies)} agencies") as bar:
                for agency_id in bar:
                    total += services.ensure_fresh(session, agency_ids=[agency_id], defs=defs, now=now)
                    session.commit()
            click.echo(f"{code}: {total} people re-evaluated.")


@cli.command("evaluate")
@click.argument("case_file", type=click.File("rb"))
def evaluate_command(case_file) -> None:
    """Print how the engine judges the case in CASE_FILE (JSON; - for standard input), per requirement."""
    try:
        case = jsoninput.loads(case_file.read())
    except jsoninput.MalformedJsonError as exc:
        raise click.ClickException(f"Not JSON: {exc.message}") from exc
    with session_factory()() as session:
        try:
            results = inquiry.evaluate_case(session, case)
        except ValidationError as exc:
            problems = "\n".join(f"  {field}: {message}" for field, message in (exc.details or {}).items())
            raise click.ClickException(f"{exc.message}\n{problems}") from exc
    click.echo(json.dumps(results, indent=2))
