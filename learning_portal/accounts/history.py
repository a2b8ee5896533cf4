"""A person's history: the roles, assignments and rank held and since when, and the agencies served.

Only the functions here write ``person_terms`` and ``agency_memberships``, and they keep the current facts on
the person's row (``role``/``roles_held``, ``assignment``/``assignments_held``/``assigned_on``, ``rank_tier``/
``promotion_date``, ``agency_id``) equal to the open terms, so that the requirements and permissions, which read
the row, and the history never disagree. Changing the row bumps its revision, which makes the stored compliance
evaluation stale.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from learning_portal.accounts.models import (
    Agency,
    AgencyMembership,
    Assignment,
    Person,
    PersonTerm,
    RankTier,
    Role,
    TermKind,
)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def begin(session: Session, person: Person, *, actor: Person | None, now: datetime) -> None:
    """The first terms of a new person: the role from hire, the assignment from ``assigned_on``, the rank from
    the last promotion (or hire), and the agency from hire."""
    person.roles_held = {**(person.roles_held or {}), person.role.value: _iso(person.hire_date)}
    person.assignments_held = {**(person.assignments_held or {}), person.assignment.value: _iso(person.assigned_on)}
    recorder = actor.id if actor else None
    terms = [PersonTerm(person_id=person.id, kind=TermKind.ROLE, value=role, starts_on=_day(since),
                        recorded_at=now, recorded_by_id=recorder) for role, since in person.roles_held.items()]
    terms += [PersonTerm(person_id=person.id, kind=TermKind.ASSIGNMENT, value=a, starts_on=_day(since),
                         recorded_at=now, recorded_by_id=recorder) for a, since in person.assignments_held.items()]
    terms.append(PersonTerm(person_id=person.id, kind=TermKind.RANK, value=person.rank_tier.value,
                            starts_on=person.promotion_date or person.hire_date, recorded_at=now,
                            recorded_by_id=recorder))
    session.add_all(terms)
    if person.agency_id is not None:
        session.add(AgencyMembership(person_id=person.id, agency_id=person.agency_id, starts_on=person.hire_date,
                                     created_at=now))


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


@dataclass(frozen=True)
class Held:
    """What a person holds after a change: the main role and assignment, everything else held, and the rank."""

    role: Role
    other_roles: frozenset[Role]
    assignment: Assignment
    other_assignments: frozenset[Assignment]
    rank_tier: RankTier


def change(session: Session, person: Person, held: Held, *, on: date, actor: Person, now: datetime) -> dict:
    """End the terms no longer held and begin the new ones on ``on``; returns what changed
    ({"roles": {"added": [...], "ended": [...]}, ...}) for the audit log."""
    changed: dict = {}
    roles = {held.role, *held.other_roles}
    assignments = {held.assignment, *held.other_assignments}
    for kind, before, after in ((TermKind.ROLE, set(person.roles), roles),
                                (TermKind.ASSIGNMENT, set(person.assignments), assignments),
                                (TermKind.RANK, {person.rank_tier}, {held.rank_tier})):
        added, ended = sorted(v.value for v in after - before), sorted(v.value for v in before - after)
        if not (added or ended):
            continue
        changed[kind.value] = {"added": added, "ended": ended}
        if ended:
            session.execute(update(PersonTerm).where(
                PersonTerm.person_id == person.id, PersonTerm.kind == kind, PersonTerm.value.in_(ended),
                PersonTerm.ends_on.is_(None)).values(ends_on=on))
        session.add_all(PersonTerm(person_id=person.id, kind=kind, value=v, starts_on=on, recorded_at=now,
                                   recorded_by_id=actor.id) for v in added)

    since = _since(person.roles_held, person.role, person.hire_date)
    person.roles_held = {r.value: since.get(r.value, _iso(on)) for r in sorted(roles)}
    since = _since(person.assignments_held, person.assignment, person.assigned_on)
    person.assignments_held = {a.value: since.get(a.value, _iso(on)) for a in sorted(assignments)}
    person.role, person.assignment = held.role, held.assignment
    person.assigned_on = _day(person.assignments_held[held.assignment.value])
    if held.rank_tier is not person.rank_tier:
        person.rank_tier, person.promotion_date = held.rank_tier, on
    return changed


def _since(held: dict | None, main: StrEnum, main_since: date | None) -> dict[str, str | None]:
    """Start dates of what is held (a row made before history was kept has only the main value)."""
    return {main.value: _iso(main_since), **(held or {})}


def move(session: Session, person: Person, agency: Agency, *, on: date, now: datetime) -> None:
    """End the person's membership of their agency on ``on`` and begin one with ``agency``."""
    session.execute(update(AgencyMembership).where(AgencyMembership.person_id == person.id,
                                                   AgencyMembership.ends_on.is_(None)).values(ends_on=on))
    session.add(AgencyMembership(person_id=person.id, agency_id=agency.id, starts_on=on, created_at=now))
    person.agency = agency


def joined_on(session: Session, person: Person) -> date | None:
    """When the person joined their current agency (None: not known, or no agency)."""
    return session.scalar(select(AgencyMembership.starts_on).where(
        AgencyMembership.person_id == person.id, AgencyMembership.agency_id == person.agency_id,
        AgencyMembership.ends_on.is_(None)).order_by(AgencyMembership.id.desc()).limit(1))


def terms_of(session: Session, person: Person) -> list[PersonTerm]:
    """The person's whole history, latest first within each kind."""
    return list(session.scalars(select(PersonTerm).where(PersonTerm.person_id == person.id).order_by(
        PersonTerm.kind, PersonTerm.ends_on.is_not(None), PersonTerm.starts_on.desc(), PersonTerm.id.desc())))


def memberships_of(session: Session, person_ids: Iterable[int]) -> list[AgencyMembership]:
    return list(session.scalars(select(AgencyMembership).where(AgencyMembership.person_id.in_(list(person_ids)))
                                .order_by(AgencyMembership.person_id, AgencyMembership.id)))
