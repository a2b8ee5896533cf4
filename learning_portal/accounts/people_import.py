"""The people CSV import: creates and updates by POST ID, says per row what it will do (the preview), and
writes nothing unless every row is valid.

Administrators import anyone; a training manager imports their own agency's people. A POST ID is one person
statewide: a row for someone now with another agency is a transfer (administrators only; a manager is told
to ask). For people already on file, a column left out or a cell left empty keeps what is there; ``role`` and
``assignment`` may list several ("officer; instructor"), the first being the main one, and replace what the
person holds. A new rank starts on ``promotion_date``, a new assignment on ``assigned_on`` (today if empty).
"""

from __future__ import annotations

import enum
import secrets
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from learning_portal.accounts import people
from learning_portal.accounts.localdate import today_for
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
from learning_portal.accounts.services import PersonInput
from learning_portal.audit import services as audit
from learning_portal.csvfile import CsvImportError, RowError, read_rows
from learning_portal.errors import DomainError, PermissionDeniedError

COLUMNS = (
    "post_id", "first_name", "last_name", "email", "role", "rank_tier", "assignment",
    "is_reserve", "is_clerical", "hire_date", "promotion_date", "assigned_on", "jurisdiction", "agency_number",
    "username",
)
REQUIRED = ("post_id", "first_name", "last_name", "role", "jurisdiction", "agency_number")
BATCH = 1000


class RowAction(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    TRANSFER = "transfer"
    UNCHANGED = "unchanged"

    @property
    def label(self) -> str:
        return {"create": "Add", "update": "Update", "transfer": "Transfer and update",
                "unchanged": "No change"}[self.value]


@dataclass(frozen=True)
class PlannedPerson:
    line: int
    post_id: str
    name: str
    action: RowAction
    changes: tuple[str, ...] = ()  # "rank tier: line -> supervisor (from 2026-05-04)", ...
    fields: frozenset[str] = frozenset()  # what changes: "email", "roles", "rank_tier", ...


@dataclass(frozen=True)
class PeopleImport:
    rows: list[PlannedPerson]
    written: bool

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(r.action.value for r in self.rows)
        return {a.value: found.get(a.value, 0) for a in RowAction}


def import_people(session: Session, *, actor: Person, data: bytes, now: datetime, dry_run: bool = False,
                  progress: Callable[[int, int], None] = lambda done, total: None) -> PeopleImport:
    """Check every row; with ``dry_run`` (the preview) or any problem, write nothing (CsvImportError lists
    every problem with its line). ``progress(done, total)`` is called as rows are written."""
    is_admin = actor.has_role(Role.ADMINISTRATOR)
    if not is_admin and not (actor.has_role(Role.TRAINING_MANAGER) and actor.agency_id is not None):
        raise PermissionDeniedError("Only administrators and training managers import people.")
    body, errors = read_rows(data, allowed=COLUMNS, required=REQUIRED, what="people")
    agencies = {(a.jurisdiction, a.number): a for a in session.scalars(select(Agency))}
    existing = _by_post_id(session, {row.get("post_id", "").strip().upper() for _, row in body})
    plan: list[tuple[PlannedPerson, dict]] = []
    seen: dict[str, int] = {}
    usernames: dict[str, int] = {}
    todays: dict[int, date] = {}
    for line, row in body:
        problems: list[RowError] = []

        def problem(column: str, message: str, line: int = line, problems: list[RowError] = problems) -> None:
            problems.append(RowError(line, column, message))

        agency = agencies.get((row.get("jurisdiction", "").upper(), row.get("agency_number", "")))
        if agency is None:
            problem("agency_number", f"No agency {row.get('jurisdiction', '').upper()} {row.get('agency_number', '')}"
                                     "; create it first.")
        elif not is_admin and agency.id != actor.agency_id:
            problem("agency_number", f"A row for another agency ({agency.name}): you import the people of "
                                     f"{actor.agency.name} only.")
        roles, role_problem = _listed(row.get("role", ""), Role)
        assignments, assignment_problem = _listed(row.get("assignment", ""), Assignment)
        for column, message in (("role", role_problem), ("assignment", assignment_problem)):
            if message:
                problem(column, message)
        main = {"role": roles[0].value if roles else "", "assignment": (assignments[0].value if assignments
                                                                        else Assignment.OTHER.value)}
        values, field_problems = _input(row, main, agency.id if agency else None).clean()
        for column, message in field_problems.items():
            if not (column == "agency_id" and agency is None) and not any(e.column == column for e in problems):
                problem(column, message)
        if Role.ADMINISTRATOR in roles:
            problem("role", "Commission staff (administrators) are added one by one, not imported.")
        post_id = values["post_id"]
        if post_id in seen:
            problem("post_id", f"{post_id} also appears on line {seen[post_id]}.")
        seen.setdefault(post_id, line)
        person = existing.get(post_id)
        if person is None and not any(e.column == "post_id" for e in problems) and "post_id" not in field_problems:
            username = str(values["username"])
            if username in usernames:
                problem("username", f"{username} also appears on line {usernames[username]}.")
            usernames.setdefault(username, line)
        if problems:
            errors.extend(problems)
            continue
        values["other_roles"], values["other_assignments"] = roles[1:], assignments[1:]
        if person is None:
            plan.append((PlannedPerson(line, post_id, f"{values['first_name']} {values['last_name']}",
                                       RowAction.CREATE), values))
            continue
        if agency.id not in todays:
            todays[agency.id] = today_for(session, agency, now)
        planned = _update_plan(line, row, values, person, agency, actor, problem, today=todays[agency.id])
        errors.extend(problems)
        if not problems:
            plan.append((planned, values))

    taken = _taken_usernames(session, [str(v["username"]) for p, v in plan if p.action is RowAction.CREATE])
    for planned, values in plan:
        if planned.action is RowAction.CREATE and values["username"] in taken:
            errors.append(RowError(planned.line, "username", f"The username {values['username']} is taken; give "
                                                             "this person another in the username column."))
    if errors:
        raise CsvImportError(sorted(errors, key=lambda e: (e.line, e.column)))
    result = PeopleImport([p for p, _ in plan], written=not dry_run)
    if dry_run:
        return result
    _write(session, plan, existing, agencies, actor=actor, now=now, progress=progress)
    audit.record(session, "accounts.imported", actor_id=actor.id, now=now, details=result.counts)
    return result


def _input(row: Mapping[str, str], main: Mapping[str, str], agency_id: int | None) -> PersonInput:
    return PersonInput(
        post_id=row.get("post_id", ""), first_name=row.get("first_name", ""), last_name=row.get("last_name", ""),
        role=main["role"], email=row.get("email", ""), username=row.get("username", ""),
        rank_tier=row.get("rank_tier") or RankTier.LINE.value, assignment=main["assignment"],
        is_reserve=row.get("is_reserve", ""), is_clerical=row.get("is_clerical", ""),
        hire_date=row.get("hire_date") or None, promotion_date=row.get("promotion_date") or None,
        assigned_on=row.get("assigned_on") or None, agency_id=agency_id)


def _listed(cell: str, enum_cls: type[enum.StrEnum]) -> tuple[list, str]:
    """"officer; instructor" as [Role.OFFICER, Role.INSTRUCTOR] (main first), or a message."""
    found = []
    for part in (p.strip().lower().replace(" ", "_") for p in cell.replace(",", ";").split(";")):
        if not part:
            continue
        try:
            value = enum_cls(part)
        except ValueError:
            return [], f"Must be one of: {', '.join(m.value for m in enum_cls)} (several separated by ;)."
        if value not in found:
            found.append(value)
    return found, ""


def _update_plan(line: int, row: Mapping[str, str], values: dict, person: Person, agency: Agency, actor: Person,
                 problem: Callable[[str, str], None], *, today: date) -> PlannedPerson:
    """What a row changes for someone already on file (only the columns given and not empty)."""
    hired = values["hire_date"] or person.hire_date
    for column in ("promotion_date", "assigned_on"):
        day = values[column]
        if day is not None and day > today:
            problem(column, "Today or earlier: a change is recorded once it has happened.")
        elif day is not None and hired is not None and day < hired:
            problem(column, f"On or after the hire date ({hired.isoformat()}).")
    if person.has_role(Role.ADMINISTRATOR):
        problem("post_id", "This POST ID belongs to commission staff; they are not changed by import.")
    if person.left_on is not None:
        problem("post_id", f"{person.full_name} left on {person.left_on.isoformat()}; reopen the account first.")
    moving = person.agency_id != agency.id
    if moving and not actor.has_role(Role.ADMINISTRATOR):
        problem("post_id", f"{person.post_id} is with another agency: that agency or an administrator transfers "
                           "them.")
    changes: list[str] = []
    fields: set[str] = set()
    if moving:
        changes.append(f"agency: {person.agency.name if person.agency else '-'} -> {agency.name}")
    given = {column for column, cell in row.items() if cell}
    for name in ("first_name", "last_name", "email", "is_reserve", "is_clerical", "hire_date"):
        if name in given and values[name] != getattr(person, name):
            changes.append(f"{name.replace('_', ' ')}: {_shown(getattr(person, name))} -> {_shown(values[name])}")
            fields.add(name)
    if "role" in given:
        now_roles = [person.role.value, *sorted(r.value for r in person.roles - {person.role})]
        new_roles = [values["role"].value, *(r.value for r in values["other_roles"])]
        if set(now_roles) != set(new_roles) or now_roles[0] != new_roles[0]:
            changes.append(f"roles: {', '.join(now_roles)} -> {', '.join(new_roles)}")
            fields.add("roles")
    if "assignment" in given:
        now_held = [person.assignment.value, *sorted(a.value for a in person.assignments - {person.assignment})]
        new_held = [values["assignment"].value, *(a.value for a in values["other_assignments"])]
        if set(now_held) != set(new_held) or now_held[0] != new_held[0]:
            since = f" (from {values['assigned_on'].isoformat()})" if values["assigned_on"] else ""
            changes.append(f"assignments: {', '.join(now_held)} -> {', '.join(new_held)}{since}")
            fields.add("assignments")
    if "rank_tier" in given and values["rank_tier"] is not person.rank_tier:
        since = f" (from {values['promotion_date'].isoformat()})" if values["promotion_date"] else ""
        changes.append(f"rank tier: {person.rank_tier.value} -> {values['rank_tier'].value}{since}")
        fields.add("rank_tier")
    if changes and person.id == actor.id:
        problem("post_id", "This is your own record: another manager or an administrator changes it.")
    action = RowAction.TRANSFER if moving else RowAction.UPDATE if changes else RowAction.UNCHANGED
    return PlannedPerson(line, person.post_id, person.full_name, action, tuple(changes), frozenset(fields))


def _shown(value: object) -> str:
    if value is None or value == "":
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value.isoformat() if isinstance(value, date) else str(value)


def _write(session: Session, plan: list[tuple[PlannedPerson, dict]], existing: dict[str, Person],
           agencies: dict, *, actor: Person, now: datetime, progress: Callable[[int, int], None]) -> None:
    creates = [values for planned, values in plan if planned.action is RowAction.CREATE]
    done, total = 0, len(plan)
    for start in range(0, len(creates), BATCH):
        _create_batch(session, creates[start:start + BATCH], actor=actor, now=now)
        done += len(creates[start:start + BATCH])
        progress(done, total)
    by_id = {a.id: a for a in agencies.values()}
    for planned, values in plan:
        if planned.action not in (RowAction.UPDATE, RowAction.TRANSFER):
            continue
        person = existing[planned.post_id]
        try:
            _apply(session, person, values, by_id[values["agency_id"]], planned, actor=actor, now=now)
        except DomainError as exc:  # a rule only the write can check (a date before the hire date, say)
            details = exc.details if isinstance(exc.details, dict) else {}
            raise CsvImportError([RowError(planned.line, column, message) for column, message in details.items()]
                                 or [RowError(planned.line, "", exc.message)]) from exc
        done += 1
        if done % BATCH == 0:
            progress(done, total)
    progress(total, total)


def _apply(session: Session, person: Person, values: dict, agency: Agency, planned: PlannedPerson, *,
           actor: Person, now: datetime) -> None:
    if planned.action is RowAction.TRANSFER:
        people.transfer_person(session, actor=actor, person=person, agency_id=agency.id, on=None, now=now)
    given = planned.fields
    today = today_for(session, person, now)
    details = people.PersonEdit(
        first_name=values["first_name"], last_name=values["last_name"],
        **{name: values[name] for name in ("email", "is_reserve", "is_clerical", "hire_date") if name in given})
    if "roles" in given:
        details.role, details.other_roles = values["role"].value, [r.value for r in values["other_roles"]]
    if "rank_tier" in given:
        details.rank_tier, details.effective_on = values["rank_tier"].value, values["promotion_date"] or today
    people.edit_person(session, actor=actor, person=person, edit=details, now=now)
    if "assignments" in given:
        people.edit_person(session, actor=actor, person=person, now=now, edit=people.PersonEdit(
            assignment=values["assignment"].value, other_assignments=[a.value for a in values["other_assignments"]],
            effective_on=values["assigned_on"] or today))


def _create_batch(session: Session, batch: list[dict], *, actor: Person, now: datetime) -> None:
    """New people and their first history in a few statements (an agency's 100,000 rows stay quick)."""
    rows = []
    for v in batch:
        roles = {v["role"].value: _iso(v["hire_date"]), **{r.value: _iso(v["hire_date"]) for r in v["other_roles"]}}
        held = {v["assignment"].value: _iso(v["assigned_on"]),
                **{a.value: _iso(v["assigned_on"]) for a in v["other_assignments"]}}
        rows.append({k: v[k] for k in ("post_id", "username", "first_name", "last_name", "email", "role", "rank_tier",
                                        "assignment", "is_reserve", "is_clerical", "hire_date", "promotion_date",
                                        "assigned_on", "agency_id")}
                    | dict(roles_held=roles, assignments_held=held, created_at=now, login_nonce=secrets.token_hex(8),
                           is_enabled=True, failed_logins=0, revision=0))
    table = Person.__table__  # Core executemany (a prepared statement, pipelined), then the ids in one SELECT
    session.execute(table.insert(), rows)
    ids = dict(session.execute(select(table.c.post_id, table.c.id).where(
        table.c.post_id.in_([v["post_id"] for v in batch]))).all())
    terms, memberships = [], []
    for v, row in zip(batch, rows, strict=True):
        pid = ids[v["post_id"]]
        terms += [dict(person_id=pid, kind=TermKind.ROLE, value=r, starts_on=v["hire_date"]) for r in row["roles_held"]]
        terms += [dict(person_id=pid, kind=TermKind.ASSIGNMENT, value=a, starts_on=v["assigned_on"])
                  for a in row["assignments_held"]]
        terms.append(dict(person_id=pid, kind=TermKind.RANK, value=v["rank_tier"].value,
                          starts_on=v["promotion_date"] or v["hire_date"]))
        memberships.append(dict(person_id=pid, agency_id=v["agency_id"], starts_on=v["hire_date"], created_at=now))
    session.execute(PersonTerm.__table__.insert(), [t | dict(recorded_at=now, recorded_by_id=actor.id) for t in terms])
    session.execute(AgencyMembership.__table__.insert(), memberships)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _by_post_id(session: Session, post_ids: set[str]) -> dict[str, Person]:
    found: dict[str, Person] = {}
    wanted = sorted(p for p in post_ids if p)
    for start in range(0, len(wanted), BATCH):
        found.update((p.post_id, p) for p in session.scalars(
            select(Person).where(Person.post_id.in_(wanted[start:start + BATCH]))))
    return found


def _taken_usernames(session: Session, usernames: list[str]) -> set[str]:
    taken: set[str] = set()
    for start in range(0, len(usernames), BATCH):
        chunk = usernames[start:start + BATCH]
        taken.update(session.scalars(select(Person.username).where(Person.username.in_(chunk))))
    return taken
