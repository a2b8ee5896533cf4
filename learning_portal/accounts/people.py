"""Changing a person over their working life: their details, promotions, new roles and assignments, and
transfers to another agency. Administrators, and training managers for their own agency's people, never for
themselves (``permissions.can_manage_person``). Every change is audited and kept in the history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from learning_portal.accounts import history
from learning_portal.accounts.localdate import today_for
from learning_portal.accounts.models import Agency, Assignment, Person, RankTier, Role
from learning_portal.accounts.permissions import can_manage_person
from learning_portal.accounts.services import EMAIL_RE
from learning_portal.audit import services as audit
from learning_portal.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from learning_portal.formatting import human_date

# Roles an edit can give; administrators are commission staff without an agency, made as such.
AGENCY_ROLES = (Role.OFFICER, Role.DISPATCHER, Role.INSTRUCTOR, Role.TRAINING_MANAGER)


@dataclass
class PersonEdit:
    """A person's details as edited (form or API); fields left None keep their value."""

    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    role: str | None = None  # the main role
    other_roles: Sequence[str] | None = None
    rank_tier: str | None = None
    assignment: str | None = None  # the main assignment
    other_assignments: Sequence[str] | None = None
    is_reserve: bool | None = None
    is_clerical: bool | None = None
    hire_date: date | None = None
    effective_on: date | None = None  # when a new role, assignment or rank begins (None: today)


def edit_person(session: Session, *, actor: Person, person: Person, edit: PersonEdit, now: datetime) -> dict:
    """Apply ``edit``; returns what changed (empty when nothing did). All or nothing: any bad field refuses
    the whole edit with one message per field."""
    if not can_manage_person(actor, person):
        raise PermissionDeniedError("Only an administrator or the person's training manager edits a person, and "
                                    "never their own record: ask another manager or an administrator.")
    if person.has_role(Role.ADMINISTRATOR):
        raise ConflictError("Commission staff accounts are not edited here.")
    if person.left_on is not None:
        raise ConflictError(f"{person.full_name} left on {human_date(person.left_on)}; reopen the account first.")
    today = today_for(session, person, now)
    problems: dict[str, str] = {}
    details: dict[str, object] = {}
    names = {}
    for name in ("first_name", "last_name"):
        value = getattr(edit, name)
        if value is None:
            continue
        value = " ".join(value.split())
        if not value or len(value) > 100:
            problems[name] = "Required, at most 100 characters."
        names[name] = value
    email = None if edit.email is None else (edit.email.strip() or "")
    if email and (len(email) > 254 or not EMAIL_RE.match(email)):
        problems["email"] = "Not a valid email address."
    held = _held(person, edit, problems)
    on = edit.effective_on or today
    if on > today:
        problems["effective_on"] = "Today or earlier: record a change once it has happened."
    hire = edit.hire_date if edit.hire_date is not None else person.hire_date
    if edit.hire_date is not None and edit.hire_date > today:
        problems["hire_date"] = "Today or earlier."
    if hire is not None and on < hire:
        problems["effective_on"] = f"On or after the hire date ({human_date(hire)})."
    if problems:
        raise ValidationError("The changes were not saved.", details=problems)

    for name, value in names.items():
        if value != getattr(person, name):
            details[name] = [getattr(person, name), value]
            setattr(person, name, value)
    if email is not None and (email or None) != person.email:
        details["email"] = [person.email, email or None]
        person.email = email or None
    for name in ("is_reserve", "is_clerical"):
        value = getattr(edit, name)
        if value is not None and value != getattr(person, name):
            details[name] = [getattr(person, name), value]
            setattr(person, name, value)
    if edit.hire_date is not None and edit.hire_date != person.hire_date:
        details["hire_date"] = [_iso(person.hire_date), edit.hire_date.isoformat()]
        person.hire_date = edit.hire_date
    main_before = (person.role, person.assignment)
    terms = history.change(session, person, held, on=on, actor=actor, now=now)
    if terms or main_before != (person.role, person.assignment):
        details.update(terms, effective_on=on.isoformat(), role=person.role.value,
                       assignment=person.assignment.value)
    if details:
        audit.record(session, "person.updated", actor_id=actor.id, subject_id=person.id, now=now, details=details)
        session.flush()
    return details


def _held(person: Person, edit: PersonEdit, problems: dict[str, str]) -> history.Held:
    def pick(name, enum_cls, current, allowed=None):
        raw = getattr(edit, name)
        if raw is None:
            return current
        try:
            value = enum_cls(str(raw).strip().lower().replace(" ", "_"))
        except ValueError:
            value = None
        if value is None or (allowed is not None and value not in allowed):
            problems[name] = f"Must be one of: {', '.join(m.value for m in (allowed or enum_cls))}."
            return current
        return value

    def pick_all(name, enum_cls, current, allowed=None):
        raw = getattr(edit, name)
        if raw is None:
            return current
        values = set()
        for item in raw:
            try:
                value = enum_cls(str(item).strip().lower().replace(" ", "_"))
            except ValueError:
                value = None
            if value is None or (allowed is not None and value not in allowed):
                problems[name] = f"Each must be one of: {', '.join(m.value for m in (allowed or enum_cls))}."
                return current
            values.add(value)
        return frozenset(values)

    role = pick("role", Role, person.role, AGENCY_ROLES)
    assignment = pick("assignment", Assignment, person.assignment)
    return history.Held(
        role=role, other_roles=pick_all("other_roles", Role, person.roles, AGENCY_ROLES) - {role},
        assignment=assignment,
        other_assignments=pick_all("other_assignments", Assignment, person.assignments) - {assignment},
        rank_tier=pick("rank_tier", RankTier, person.rank_tier))


def transfer_person(session: Session, *, actor: Person, person: Person, agency_id: int, on: date | None,
                    now: datetime) -> Agency:
    """Move ``person`` to another agency from ``on`` (today if None). The POST ID, the account and every
    training record go with them; their former agency keeps reading what was done while they were there."""
    if not can_manage_person(actor, person):
        raise PermissionDeniedError("Only an administrator or the person's training manager transfers a person, "
                                    "and never themselves.")
    if person.agency_id is None:
        raise ConflictError("Commission staff belong to no agency.")
    if person.left_on is not None:
        raise ConflictError(f"{person.full_name} left on {human_date(person.left_on)}; reopen the account first.")
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise NotFoundError("No such agency.")
    if agency.id == person.agency_id:
        raise ValidationError("The person is already with this agency.", details={"agency_id": "Another agency."})
    today = today_for(session, person, now)
    on = on or today
    joined = history.joined_on(session, person)
    if on > today:
        raise ValidationError("The transfer date is in the future.", details={"on": "Today or earlier."})
    if joined is not None and on < joined:
        raise ValidationError("The transfer date is before the person joined their agency.",
                              details={"on": f"On or after {human_date(joined)}."})
    former = person.agency_id
    history.move(session, person, agency, on=on, now=now)
    audit.record(session, "person.transferred", actor_id=actor.id, subject_id=person.id, now=now,
                 details={"from_agency_id": former, "to_agency_id": agency.id, "on": on.isoformat()})
    session.flush()
    return agency


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
