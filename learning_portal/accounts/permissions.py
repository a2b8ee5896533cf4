"""Who may see whom. Every list, report and detail page that shows people goes through here."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, true

from learning_portal.accounts.models import Person, Role


def visible_people_clause(actor: Person) -> ColumnElement[bool]:
    """A WHERE clause limiting ``Person`` rows to those ``actor`` may see."""
    if actor.role is Role.ADMINISTRATOR:
        return true()
    if actor.role is Role.TRAINING_MANAGER:
        if actor.agency_id is None:
            return false()
        return Person.agency_id == actor.agency_id
    return Person.id == actor.id


def can_view_person(actor: Person, person: Person) -> bool:
    if actor.id == person.id or actor.role is Role.ADMINISTRATOR:
        return True
    return actor.role is Role.TRAINING_MANAGER and actor.agency_id is not None and (
        actor.agency_id == person.agency_id
    )


def can_view_agency(actor: Person, agency_id: int) -> bool:
    """An agency's pages and imports: its training managers and administrators."""
    return actor.role is Role.ADMINISTRATOR or (actor.role is Role.TRAINING_MANAGER and actor.agency_id == agency_id)


def can_manage_person(actor: Person, person: Person) -> bool:
    """May ``actor`` act on ``person``'s account or record (invite, exempt, allow a new start, resolve a
    dispute)? Administrators for anyone, a training manager for the people of their agency; nobody for
    themselves: another manager or an administrator must."""
    if actor.id == person.id:
        return False
    if actor.role is Role.ADMINISTRATOR:
        return True
    return actor.role is Role.TRAINING_MANAGER and actor.agency_id is not None and actor.agency_id == person.agency_id


def managed_people_clause(actor: Person) -> ColumnElement[bool]:
    """A WHERE clause limiting ``Person`` rows to those ``actor`` may manage (``can_manage_person``)."""
    if actor.role is Role.ADMINISTRATOR:
        return Person.id != actor.id
    if actor.role is Role.TRAINING_MANAGER and actor.agency_id is not None:
        return (Person.agency_id == actor.agency_id) & (Person.id != actor.id)
    return false()
