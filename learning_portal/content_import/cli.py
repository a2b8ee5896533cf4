"""``flask content validate|import [PATH...]``: check content packages, then load them atomically."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from learning_portal.clock import utcnow
from learning_portal.config import ROOT
from learning_portal.content_import.importer import import_tree
from learning_portal.content_import.parser import ContentTree, load_tree
from learning_portal.db import session_factory

cli = AppGroup("content", help="Course packages under content/.")
DEFAULT_ROOT = ROOT / "content"


def _load(paths: tuple[Path, ...]) -> ContentTree:
    """All of content/ when no path is given; otherwise those packages (plus content/requirements)."""
    if not paths:
        return load_tree(DEFAULT_ROOT)
    resolved = [p.resolve() for p in paths]
    roots = {p if (p / "requirements").is_dir() else p.parent for p in resolved}
    if len(roots) != 1:
        raise click.ClickException("Give packages from one content folder at a time.")
    root = roots.pop()
    only = None if root in resolved else resolved
    return load_tree(root, only=only)


def _print_problems(tree: ContentTree) -> None:
    for problem in tree.problems:
        click.echo(str(problem), err=True)
    click.echo(f"{len(tree.problems)} problem(s); nothing was imported.", err=True)


@cli.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, file_okay=False, path_type=Path))
def validate_command(paths: tuple[Path, ...]) -> None:
    """Check content packages and report every problem with its file and line."""
    tree = _load(paths)
    if not tree.ok:
        for problem in tree.problems:
            click.echo(str(problem), err=True)
        raise SystemExit(1)
    click.echo(f"OK: {len(tree.courses)} course(s), {len(tree.requirements)} requirement(s), "
               f"{len(tree.categories)} categories.")


@cli.command("import")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, file_okay=False, path_type=Path))
def import_command(paths: tuple[Path, ...]) -> None:
    """Validate, then import; an invalid package leaves the database untouched."""
    tree = _load(paths)
    if not tree.ok:
        _print_problems(tree)
        raise SystemExit(1)
    with session_factory()() as session:
        report = import_tree(session, tree, now=utcnow())
        session.commit()
    for slug, status, version in report.courses:
        click.echo(f"{slug}: {status.replace('_', ' ')} (version {version})")
    click.echo(f"{len(report.courses)} course(s); {report.requirements_changed} requirement(s) and "
               f"{report.categories_changed} categories added or updated.")
