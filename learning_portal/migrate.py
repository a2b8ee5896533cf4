"""Schema migrations through Alembic's API: ``flask db upgrade|downgrade|revision|check|current``."""

from __future__ import annotations

from pathlib import Path

import click
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from flask.cli import AppGroup
from sqlalchemy import Connection, Engine

from learning_portal.config import ROOT
from learning_portal.db import get_engine
from learning_portal.models import metadata

MIGRATIONS = ROOT / "migrations"


def alembic_config(connection: Connection | None = None) -> AlembicConfig:
    cfg = AlembicConfig(str(MIGRATIONS / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["skip_logging"] = True
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def schema_drift(engine: Engine) -> list:
    """Differences between the models and the migrated database; empty when they agree."""
    with engine.connect() as connection:
        ctx = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(ctx, metadata)


cli = AppGroup("db", help="Database schema migrations.")


@cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade_command(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    engine = get_engine()
    if engine.url.get_backend_name() == "sqlite" and engine.url.database:
        Path(engine.url.database).parent.mkdir(parents=True, exist_ok=True)
    upgrade(engine, revision)
    click.echo(f"Database at {engine.url.render_as_string(hide_password=True)} is at {revision}.")


@cli.command("downgrade")
@click.argument("revision")
def downgrade_command(revision: str) -> None:
    """Revert migrations down to REVISION."""
    with get_engine().begin() as connection:
        command.downgrade(alembic_config(connection), revision)


@cli.command("revision")
@click.option("-m", "--message", required=True)
def revision_command(message: str) -> None:
    """Autogenerate a migration from the models (review it before committing)."""
    with get_engine().begin() as connection:
        command.revision(alembic_config(connection), message=message, autogenerate=True)


@cli.command("check")
def check_command() -> None:
    """Fail when the models and the migrated database differ."""
    diff = schema_drift(get_engine())
    if diff:
        for item in diff:
            click.echo(f"drift: {item}", err=True)
        raise SystemExit(1)
    click.echo("Models and migrations agree.")
