"""Who may see and manage whom. Every list, report, detail page, API route and service that shows or changes
people asks here. Permissions follow every role a person holds (``Person.has_role``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import Session

from learning_portal.accounts.models import AgencyMembership, Person, Role


def visible_people_clause(actor: Person) -> ColumnElement[bool]:
    """A WHERE clause limiting ``Person`` rows to those ``actor`` may see."""
    if actor.has_role(Role.ADMINISTRATOR):
        return true()
    if actor.has_role(Role.TRAINING_MANAGER):
        if actor.agency_id is None:
            return false()
        return Person.agency_id == actor.agency_id
    return Person.id == actor.id


def can_view_person(actor: Person, person: Person) -> bool:
    if actor.id == person.id or actor.has_role(Role.ADMINISTRATOR):
        return True
    return actor.has_role(Role.TRAINING_MANAGER) and actor.agency_id is not None and (
        actor.agency_id == person.agency_id
    )


def can_view_agency(actor: Person, agency_id: int) -> bool:
    """An agency's pages and imports: its training managers and administrators."""
    return actor.has_role(Role.ADMINISTRATOR) or (
        actor.has_role(Role.TRAINING_MANAGER) and actor.agency_id == agency_id)


def can_manage_person(actor: Person, person: Person) -> bool:
    """May ``actor`` act on ``person``'s account or record (invite, exempt, allow a new start, resolve a
    dispute)? Administrators for anyone, a training manager for the people of their agency; nobody for
    themselves: another manager or an administrator must."""
    if actor.id == person.id:
        return False
    if actor.has_role(Role.ADMINISTRATOR):
        return True
    return actor.has_role(Role.TRAINING_MANAGER) and actor.agency_id is not None and actor.agency_id == person.agency_id


def managed_people_clause(actor: Person) -> ColumnElement[bool]:
    """A WHERE clause limiting ``Person`` rows to those ``actor`` may manage (``can_manage_person``)."""
    if actor.has_role(Role.ADMINISTRATOR):
        return Person.id != actor.id
    if actor.has_role(Role.TRAINING_MANAGER) and actor.agency_id is not None:
        return (Person.agency_id == actor.agency_id) & (Person.id != actor.id)
    return false()


@dataclass(frozen=True)
class RecordsWindow:
    """Which of a person's training records someone may read: those completed from ``since`` to ``until``
    (inclusive; None: no bound)."""

    since: date | None = None
    until: date | None = None

    @property
    def is_all(self) -> bool:
        return self.since is None and self.until is None

    def covers(self, day: date) -> bool:
        return (self.since is None or day >= self.since) and (self.until is None or day <= self.until)


ALL_RECORDS = RecordsWindow()


def records_window(session: Session, actor: Person, person: Person) -> RecordsWindow | None:
    """All of them for whoever may see the person (themselves, administrators, their agency's managers); for
    the managers of an agency the person left by transfer, those completed while the person was theirs;
    otherwise None."""
    if can_view_person(actor, person):
        return ALL_RECORDS
    if not actor.has_role(Role.TRAINING_MANAGER) or actor.agency_id is None:
        return None
    spans = session.execute(select(AgencyMembership.starts_on, AgencyMembership.ends_on).where(
        AgencyMembership.person_id == person.id, AgencyMembership.agency_id == actor.agency_id,
        AgencyMembership.ends_on.is_not(None)).order_by(AgencyMembership.id.desc())).first()
    return RecordsWindow(spans.starts_on, spans.ends_on) if spans else None
