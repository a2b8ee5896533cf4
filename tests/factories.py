"""Builders: create rows, flush, never commit."""

from __future__ import annotations

import itertools
import secrets
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

from sqlalchemy.orm import Session

from learning_portal.accounts import history, passwords
from learning_portal.accounts.models import Agency, Assignment, Jurisdiction, Person, RankTier, Role

NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
PASSWORD = "correct horse battery"
_seq = itertools.count(1)


@cache
def _hash(password: str) -> str:
    return passwords.hash_password(password)


def make_jurisdiction(session: Session, code: str = "CA-POST", *, months: int = 24) -> Jurisdiction:
    jurisdiction = session.get(Jurisdiction, code) or Jurisdiction(
        code=code, name=f"{code} commission", cycle_months=months, cycle_anchor=date(2025, 1, 1),
        repeat_credit_in_cycle=False, timezone="America/Los_Angeles", updated_at=NOW)
    session.add(jurisdiction)
    session.flush()
    return jurisdiction


def make_agency(session: Session, *, jurisdiction: str = "CA-POST", name: str | None = None,
                number: str | None = None) -> Agency:
    n = next(_seq)
    agency = Agency(jurisdiction=jurisdiction, number=number or f"T{n:05d}", name=name or f"Test Agency {n}",
                    created_at=NOW)
    session.add(agency)
    session.flush()
    return agency


def make_person(session: Session, *, role: Role = Role.OFFICER, agency: Agency | None = None,
                password: str | None = PASSWORD, **kwargs) -> Person:
    n = next(_seq)
    if agency is None and role is not Role.ADMINISTRATOR:
        agency = make_agency(session)
    values = dict(
        post_id=f"T{n:06d}", username=f"user{n}", first_name="Pat", last_name=f"Tester{n}",
        email=f"user{n}@example.org", role=role, rank_tier=RankTier.LINE, assignment=Assignment.PATROL,
        hire_date=date(2020, 1, 6), agency_id=agency.id if agency else None,
        password_hash=_hash(password) if password else None, login_nonce=secrets.token_hex(8), created_at=NOW,
    )
    values.update(kwargs)
    person = Person(**values)
    session.add(person)
    session.flush()
    history.begin(session, person, actor=None, now=NOW)
    return person


# --- content -------------------------------------------------------------------------------------

TEST_CONTENT = Path(__file__).parent / "data" / "content"
REAL_CONTENT = Path(__file__).resolve().parent.parent / "content"


def load_content(session: Session, root: Path = TEST_CONTENT, slugs: tuple[str, ...] | None = None):
    """Parse and import content packages into the test transaction; returns the import report."""
    from learning_portal.content_import.importer import import_tree
    from learning_portal.content_import.parser import load_tree

    tree = load_tree(root, only=[root / s for s in slugs] if slugs is not None else None)
    assert tree.ok, [str(p) for p in tree.problems]
    return import_tree(session, tree, now=NOW)


def make_clip(path: Path, *, seconds: int, frequency: int = 440, size: str = "640x360") -> Path:
    """A real H.264/AAC test card with a tone, made by ffmpeg."""
    import subprocess

    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc=size={size}:rate=24", "-f", "lavfi",
                    "-i", f"sine=frequency={frequency}", "-t", str(seconds), "-c:v", "libx264", "-preset",
                    "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path)],
                   check=True, timeout=120)
    return path
