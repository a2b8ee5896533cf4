"""``flask compliance refresh``: bring the stored evaluation up to date ahead of the dashboards."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from learning_portal.accounts.models import Agency, Jurisdiction
from learning_portal.clock import utcnow
from learning_portal.compliance import services
from learning_portal.db import session_factory

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
