"""``flask audit verify``: check the audit log's hash chain."""

import click
from flask.cli import AppGroup

from learning_portal.audit import services
from learning_portal.db import session_factory

cli = AppGroup("audit", help="The audit log.")


@cli.command("verify")
def verify_command() -> None:
    """Check every link of the audit log's hash chain; report the first broken one."""
    with session_factory()() as session:
        result = services.verify(session)
    if not result.ok:
        raise click.ClickException(f"Audit log broken at entry {result.broken_at}: {result.problem} "
                                   f"{result.checked} entries before it are intact.")
    click.echo(f"Audit log intact: {result.checked} entries. Head hash {result.head_hash}; keep a copy elsewhere "
               "to detect a rewrite of the whole log.")
