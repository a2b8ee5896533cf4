"""Compliance: evaluating people against their jurisdiction's requirements, keeping the stored evaluation
fresh, exemptions, and assigning courses to people who need them."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import and_, delete, exists, false, or_, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from learning_portal import refdata
from learning_portal.accounts import localdate
from learning_portal.accounts.models import Agency, Jurisdiction, Person, Role
from learning_portal.accounts.permissions import can_manage_person, can_view_agency, can_view_person
from learning_portal.audit import services as audit
from learning_portal.catalog.models import PUBLISHED, Course, Requirement
from learning_portal.catalog.queries import category_titles
from learning_portal.catalog.rules import Rule
from learning_portal.compliance.engine import (
    ExemptionFact,
    Finding,
    PersonFacts,
    RecordFact,
    RequirementDef,
    applies,
    evaluate_all,
    reason,
    reason_text,
)
from learning_portal.compliance.models import AgencyStatusVersion, Exemption, PersonEvaluation, RequirementStatus
from learning_portal.compliance.status import person_counts, rank
from learning_portal.errors import NotFoundError, PermissionDeniedError, ValidationError
from learning_portal.learning import services as learning
from learning_portal.learning.models import AssignmentReason
from learning_portal.records.models import TrainingRecord

T = TypeVar("T")
BATCH = 500  # people evaluated per round trip when refreshing stored statuses
ENGINE_VERSION = 2  # raised when the engine judges differently: every stored evaluation is then redone


@dataclass(frozen=True)
class Definitions:
    jurisdiction: Jurisdiction
    requirements: tuple[RequirementDef, ...]
    titles: dict[str, Requirement]
    category_titles: dict[str, str]  # hour category id -> title, for reasons
    fingerprint: str  # changes whenever a rule, a title, a ground or the jurisdiction's cycle changes

    @property
    def grounds(self) -> dict[str, dict]:
        """The grounds an exemption may be recorded on, by id (see Jurisdiction.exemption_grounds)."""
        return {g["id"]: g for g in self.jurisdiction.exemption_grounds}

    def grounds_covering(self, requirement_id: str) -> list[dict]:
        return [g for g in self.grounds.values() if not g["requirements"] or requirement_id in g["requirements"]]

    def describe_exemption(self, kind: str, reason: str) -> str:
        """What an exemption says on a page: its ground, then the detail given."""
        ground = self.grounds.get(kind)
        return f"{ground['title']}; {reason}" if ground else reason

    def today(self, now: datetime) -> date:
        return self.jurisdiction.local_date(now)

    def records_start(self, agency_records_start: date | None) -> date | None:
        """Where an agency's records start in the portal: its own day, or the jurisdiction's."""
        return agency_records_start or self.jurisdiction.judged_from


def definitions(session: Session, jurisdiction: str) -> Definitions:
    """The jurisdiction's rules, read once per catalogue version (the rows are detached copies: read them only)."""
    return refdata.cached(session, ("compliance_definitions", jurisdiction),
                          lambda: _load_definitions(session, jurisdiction))


def _load_definitions(session: Session, jurisdiction: str) -> Definitions:
    # Read from the database, not from rows this session loaded before the catalogue's token was read.
    j = session.get(Jurisdiction, jurisdiction, populate_existing=True)
    if j is None:
        raise NotFoundError(f"Unknown jurisdiction {jurisdiction}.")
    rows = list(session.scalars(select(Requirement).where(Requirement.jurisdiction == jurisdiction,
                                                          Requirement.rule.is_not(None)).order_by(Requirement.id)
                                .execution_options(populate_existing=True)))
    reqs = tuple(RequirementDef(r.id, r.title, Rule.from_dict(r.rule), j.cycle_months, j.cycle_anchor) for r in rows)
    categories = category_titles(session)
    facts = [ENGINE_VERSION, [[r.id, r.title, r.rule] for r in rows], j.cycle_months, j.cycle_anchor, j.judged_from,
             categories, j.exemption_grounds]
    payload = json.dumps(facts, sort_keys=True, default=str)
    j, rows = _copy(j), [_copy(r) for r in rows]
    return Definitions(j, reqs, {r.id: r for r in rows}, categories, hashlib.sha256(payload.encode()).hexdigest())


def _copy(row: T) -> T:
    """A copy of ``row`` that belongs to no session (shared by every request of the process)."""
    return type(row)(**{c.key: getattr(row, c.key) for c in sa_inspect(type(row)).column_attrs})


def person_facts(person: Person) -> PersonFacts:
    """The person as the rules see them: every role and assignment held, each from the day it began (the main
    role, when no start is on record, from hire), the rank from the last promotion."""
    role_dates = {r: date.fromisoformat(d) for r, d in (person.roles_held or {}).items() if d}
    if person.role.value not in role_dates and person.hire_date:
        role_dates[person.role.value] = person.hire_date
    assignment_dates = {a: date.fromisoformat(d) for a, d in (person.assignments_held or {}).items() if d}
    if person.assignment.value not in assignment_dates and person.assigned_on:
        assignment_dates[person.assignment.value] = person.assigned_on
    return PersonFacts(roles=frozenset(r.value for r in person.roles), rank_tier=person.rank_tier.value,
                       assignments=frozenset(a.value for a in person.assignments), is_reserve=person.is_reserve,
                       is_clerical=person.is_clerical, hire_date=person.hire_date,
                       promotion_date=person.promotion_date, assignment_dates=assignment_dates,
                       role_dates=role_dates)


_RECORD_COLUMNS = (TrainingRecord.id, TrainingRecord.person_id, TrainingRecord.completed_on, TrainingRecord.hours,
                   TrainingRecord.categories, TrainingRecord.satisfies, TrainingRecord.withdrawn_at,
                   TrainingRecord.course_number, TrainingRecord.cpt_credited)


def _record_fact(row) -> RecordFact:
    """A RecordFact from a row of ``_RECORD_COLUMNS``."""
    return RecordFact(row.completed_on, Decimal(row.hours), {c: Decimal(h) for c, h in row.categories.items()},
                      frozenset(row.satisfies), course_number=row.course_number, cpt=row.cpt_credited)


def _exemption_fact(e: Exemption, defs: Definitions) -> ExemptionFact:
    return ExemptionFact(e.requirement_id, defs.describe_exemption(e.kind, e.reason), e.starts_on, e.ends_on,
                         agency_wide=e.agency_id is not None, kind=e.kind)


def _records_starts(session: Session, defs: Definitions, agency_ids: Iterable[int]) -> dict[int, date | None]:
    rows = session.execute(select(Agency.id, Agency.records_start).where(Agency.id.in_(set(agency_ids))))
    return {agency_id: defs.records_start(start) for agency_id, start in rows}


def _exemptions_for(session: Session, people: Sequence[Person], defs: Definitions) -> dict[int, list[ExemptionFact]]:
    """Exemptions in force or to come, per person (an agency's count for everyone in it)."""
    ids = [p.id for p in people]
    agencies = {p.agency_id for p in people if p.agency_id is not None}
    rows = session.scalars(select(Exemption).where(
        Exemption.revoked_at.is_(None),
        or_(Exemption.person_id.in_(ids), Exemption.agency_id.in_(agencies) if agencies else false())))
    by_person: dict[int, list[ExemptionFact]] = defaultdict(list)
    by_agency: dict[int, list[ExemptionFact]] = defaultdict(list)
    for e in rows:
        (by_person[e.person_id] if e.person_id is not None else by_agency[e.agency_id]).append(_exemption_fact(e, defs))
    return {p.id: by_person[p.id] + by_agency.get(p.agency_id, []) for p in people}


# --- one person, live -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    requirement: Requirement
    finding: Finding
    status: str
    reason: str  # in plain words, as of the day evaluated


def evaluate_person(session: Session, person: Person, *, now: datetime) -> tuple[list[Standing], Definitions]:
    """Every requirement of the person's jurisdiction, evaluated now from their records (worst first)."""
    if person.agency is None:
        raise NotFoundError("Commission staff have no agency, so no training requirements.")
    defs = definitions(session, person.agency.jurisdiction)
    today = defs.today(now)
    records = [_record_fact(r) for r in session.execute(
        select(*_RECORD_COLUMNS).where(TrainingRecord.person_id == person.id)) if r.withdrawn_at is None]
    exemptions = _exemptions_for(session, [person], defs)[person.id]
    facts = person_facts(person)
    start = defs.records_start(person.agency.records_start)
    standings = []
    for req, finding in zip(defs.requirements, evaluate_all(defs.requirements, facts, records, exemptions, today,
                                                            records_start=start), strict=True):
        status = finding.status(today, defs.jurisdiction.due_soon_days)
        standings.append(Standing(defs.titles[req.id], finding, status,
                                  reason(finding, status, defs.category_titles)))
    standings.sort(key=lambda s: (rank(s.status), s.requirement.id))
    return standings, defs


# --- stored evaluation ----------------------------------------------------------------------------


def stale_people(session: Session, *, agency_ids: Iterable[int], defs: Definitions, today: date) -> list[int]:
    """People of these agencies whose stored evaluation is missing or out of date."""
    ev, ids = PersonEvaluation, list(agency_ids)
    newer_record = exists().where(TrainingRecord.person_id == Person.id, TrainingRecord.id > ev.last_record_id)
    # Evaluations are joined by agency too, so only these agencies' are read; someone who moved agency finds
    # none, which makes them stale as it should.
    return list(session.scalars(
        select(Person.id).outerjoin(ev, and_(ev.person_id == Person.id, ev.agency_id.in_(ids)))
        .where(Person.agency_id.in_(ids),
               or_(ev.person_id.is_(None), ev.stale, ev.valid_until < today, ev.definitions != defs.fingerprint,
                   ev.person_revision != Person.revision, ev.agency_id != Person.agency_id, newer_record))))


def refresh(session: Session, person_ids: Sequence[int], *, defs: Definitions, now: datetime) -> int:
    """Re-evaluate and store these people (all of ``defs``' jurisdiction). Returns how many were stored."""
    today = defs.today(now)
    stored, changed = 0, set()
    for start in range(0, len(person_ids), BATCH):
        chunk = list(person_ids[start:start + BATCH])
        people = list(session.scalars(select(Person).where(Person.id.in_(chunk)).order_by(Person.id)))
        records: dict[int, list[RecordFact]] = defaultdict(list)
        last_id: dict[int, int] = defaultdict(int)
        for row in session.execute(select(*_RECORD_COLUMNS).where(TrainingRecord.person_id.in_(chunk))):
            if row.withdrawn_at is None:  # a withdrawn record no longer counts, but it was seen
                records[row.person_id].append(_record_fact(row))
            last_id[row.person_id] = max(last_id[row.person_id], row.id)
        exemptions = _exemptions_for(session, people, defs)
        starts = _records_starts(session, defs, (p.agency_id for p in people if p.agency_id is not None))
        status_rows, person_rows = [], []
        for person in people:
            if person.agency_id is None:
                continue
            facts = person_facts(person)
            findings = evaluate_all(defs.requirements, facts, records[person.id], exemptions[person.id], today,
                                    records_start=starts[person.agency_id])
            # Rows for the requirements whose audience includes the person (the others concern them not at all).
            if person.is_enabled:
                status_rows += [dict(person_id=person.id, requirement_id=f.requirement_id,
                                     agency_id=person.agency_id, state=f.state, done=f.done, due_on=f.due_on,
                                     gap=f.gap, owed=f.owed, hours_done=f.hours_done, hours_needed=f.hours_needed,
                                     reason=reason_text(f, defs.category_titles), finding=f.to_json())
                                for req, f in zip(defs.requirements, findings, strict=True)
                                if applies(req.rule.audience, facts)]
            limits = [f.valid_until for f in findings if f.valid_until is not None]
            person_rows.append(dict(
                person_id=person.id, agency_id=person.agency_id, definitions=defs.fingerprint,
                person_revision=person.revision, active=person.is_enabled, last_record_id=last_id[person.id],
                valid_until=min(limits) if limits else None, stale=False, evaluated_at=now, **person_counts(findings)))
        ids = [row["person_id"] for row in person_rows]
        try:
            with session.begin_nested():
                session.execute(delete(RequirementStatus).where(RequirementStatus.person_id.in_(ids)))
                left = session.scalars(delete(PersonEvaluation).where(PersonEvaluation.person_id.in_(ids))
                                       .returning(PersonEvaluation.agency_id))
                changed.update(left)
                changed.update(row["agency_id"] for row in person_rows)
                if status_rows:
                    session.execute(RequirementStatus.__table__.insert(), status_rows)
                if person_rows:
                    session.execute(PersonEvaluation.__table__.insert(), person_rows)
        except (IntegrityError, OperationalError) as exc:
            if isinstance(exc, OperationalError) and getattr(exc.orig, "sqlstate", None) != "40P01":
                raise
            continue  # another request stored these people at the same moment (or deadlocked with us)
        stored += len(person_rows)
    _bump(session, changed)
    return stored


def forget(session: Session, person_id: int) -> None:
    """Delete a person's stored evaluation (their data is being purged)."""
    left = session.scalars(delete(PersonEvaluation).where(PersonEvaluation.person_id == person_id)
                           .returning(PersonEvaluation.agency_id))
    session.execute(delete(RequirementStatus).where(RequirementStatus.person_id == person_id))
    _bump(session, set(left))


def _bump(session: Session, agency_ids: set[int]) -> None:
    """A new status version for these agencies. Done once per refresh, at its end, in agency id order: the
    version rows stay locked until the commit, so taking them last keeps concurrent refreshes from waiting
    on each other for their whole length."""
    if not agency_ids:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table, version = AgencyStatusVersion.__table__, secrets.token_hex(16)
    for agency_id in sorted(agency_ids):
        session.execute(insert(table).values(agency_id=agency_id, version=version).on_conflict_do_update(
            index_elements=[table.c.agency_id], set_={"version": version}))


def ensure_fresh(session: Session, *, agency_ids: Sequence[int], defs: Definitions, now: datetime) -> int:
    """Bring the stored evaluation of these agencies up to date; returns how many people were re-evaluated."""
    # Sorted, so that concurrent refreshes of the same people take their row locks in the same order.
    stale = sorted(stale_people(session, agency_ids=agency_ids, defs=defs, today=defs.today(now)))
    return refresh(session, stale, defs=defs, now=now) if stale else 0


def set_records_start(session: Session, *, actor: Person, agency: Agency, day: date | None, now: datetime) -> None:
    """Where the agency's training records start in the portal (None: the jurisdiction's default). Before it,
    a requirement with nothing on file is a data gap, not overdue. Administrators only; the agency's people are
    evaluated again."""
    if not actor.has_role(Role.ADMINISTRATOR):
        raise PermissionDeniedError("Only administrators set where an agency's records start.")
    if day is not None and day > localdate.today_for(session, agency, now):
        raise ValidationError("The records start date is in the future.",
                              details={"records_start": "Today or earlier."})
    before, agency.records_start = agency.records_start, day
    mark_stale(session, agency_id=agency.id)
    audit.record(session, "agency.records_start", actor_id=actor.id, target=f"agency:{agency.id}", now=now,
                 details={"from": before.isoformat() if before else None, "to": day.isoformat() if day else None})
    session.flush()


def mark_stale(session: Session, *, person_id: int | None = None, agency_id: int | None = None) -> None:
    where = (PersonEvaluation.person_id == person_id if person_id is not None
             else PersonEvaluation.agency_id == agency_id)
    session.execute(update(PersonEvaluation).where(where).values(stale=True))


# --- permissions ----------------------------------------------------------------------------------


def agency_for(session: Session, actor: Person, agency_id: int) -> Agency:
    """The agency, if ``actor`` may see its compliance; otherwise not found (existence is not revealed)."""
    agency = session.get(Agency, agency_id)
    if agency is None or not can_view_agency(actor, agency_id):
        raise NotFoundError("No such agency.")
    return agency


def fresh_agency(session: Session, actor: Person, agency_id: int, *, now: datetime) -> tuple[Agency, Definitions]:
    """The agency (if ``actor`` may see it) and its definitions, with its stored evaluation brought up to date
    and committed (so the work is kept even if what follows fails)."""
    agency = agency_for(session, actor, agency_id)
    defs = definitions(session, agency.jurisdiction)
    ensure_fresh(session, agency_ids=[agency.id], defs=defs, now=now)
    session.commit()
    return agency, defs


def record_export(session: Session, *, actor: Person, agency: Agency, filters: dict[str, str], now: datetime) -> None:
    """An export of an agency's personal data goes in the audit log (the caller commits before streaming)."""
    audit.record(session, "compliance.exported", actor_id=actor.id, target=f"agency:{agency.id}", now=now,
                 details={"filters": filters})


def person_for(session: Session, actor: Person, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None or not can_view_person(actor, person) or person.agency_id is None:
        raise NotFoundError("No such person.")
    return person


# --- exemptions -----------------------------------------------------------------------------------


def grant_exemption(session: Session, *, actor: Person, requirement_ids: Sequence[str], kind: str, reason: str,
                    starts_on: date, ends_on: date | None, now: datetime, person: Person | None = None,
                    agency: Agency | None = None) -> list[Exemption]:
    """Exempt a person (their training manager or an administrator) or a whole agency (administrators: an
    agency asks the commission in writing) from requirements of their jurisdiction, on one of the grounds
    the jurisdiction lists (``kind``) and only from the requirements that ground covers."""
    if (person is None) == (agency is None):
        raise ValueError("exempt a person or an agency")
    if agency is not None and not actor.has_role(Role.ADMINISTRATOR):
        raise PermissionDeniedError("Only commission staff grant an agency's exemption.")
    if person is not None and not can_manage_person(actor, person):
        raise PermissionDeniedError("Only the person's training manager or commission staff grant an exemption, "
                                    "and never to themselves.")
    target_agency = agency or (person.agency if person else None)
    assert target_agency is not None
    reason = " ".join(reason.split())
    errors = {}
    if not 3 <= len(reason) <= 300:
        errors["reason"] = "Say why, in 3 to 300 characters."
    if ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = "The end date is before the start date."
    defs = definitions(session, target_agency.jurisdiction)
    known = {r.id for r in defs.requirements}
    ground = defs.grounds.get(kind)
    if ground is None:
        listed = "; ".join(g["title"] for g in defs.grounds.values())
        errors["kind"] = (f"Choose one of the grounds {target_agency.jurisdiction} allows: {listed}." if listed
                          else f"{target_agency.jurisdiction} lists no ground an exemption may be recorded on.")
    if not requirement_ids:
        errors["requirement_ids"] = "Choose at least one requirement."
    elif not set(requirement_ids) <= known:
        errors["requirement_ids"] = f"Not a requirement of {target_agency.jurisdiction}."
    elif ground is not None and ground["requirements"]:
        outside = [rid for rid in dict.fromkeys(requirement_ids) if rid not in ground["requirements"]]
        if outside:
            errors["requirement_ids"] = (f"{ground['title']} does not cover {', '.join(outside)}; it covers "
                                         f"{', '.join(ground['requirements'])}.")
    if errors:
        raise ValidationError("The exemption was not recorded.", details=errors)
    made = []
    for rid in dict.fromkeys(requirement_ids):
        exemption = Exemption(requirement_id=rid, person_id=person.id if person else None,
                              agency_id=agency.id if agency else None, kind=kind, reason=reason, starts_on=starts_on,
                              ends_on=ends_on, granted_by_id=actor.id, granted_at=now)
        session.add(exemption)
        made.append(exemption)
    session.flush()
    for exemption in made:
        audit.record(session, "exemption.granted", actor_id=actor.id, subject_id=exemption.person_id, now=now,
                     target=f"exemption:{exemption.id}",
                     details={"requirement": exemption.requirement_id, "agency_id": exemption.agency_id,
                              "kind": kind})
    mark_stale(session, person_id=person.id if person else None, agency_id=agency.id if agency else None)
    return made


def revoke_exemption(session: Session, *, actor: Person, exemption_id: int, now: datetime) -> Exemption:
    exemption = session.get(Exemption, exemption_id)
    if exemption is None or exemption.revoked_at is not None:
        raise NotFoundError("No such exemption in force.")
    if exemption.agency_id is not None:
        allowed = actor.has_role(Role.ADMINISTRATOR)
    else:
        owner = session.get(Person, exemption.person_id)
        allowed = owner is not None and can_manage_person(actor, owner)
    if not allowed:
        raise NotFoundError("No such exemption in force.")
    exemption.revoked_at, exemption.revoked_by_id = now, actor.id
    session.flush()
    audit.record(session, "exemption.revoked", actor_id=actor.id, subject_id=exemption.person_id, now=now,
                 target=f"exemption:{exemption.id}", details={"requirement": exemption.requirement_id})
    mark_stale(session, person_id=exemption.person_id, agency_id=exemption.agency_id)
    return exemption


def exemptions_of(session: Session, *, person: Person | None = None, agency: Agency | None = None,
                  include_revoked: bool = False) -> list[Exemption]:
    where = Exemption.person_id == person.id if person is not None else Exemption.agency_id == agency.id
    query = select(Exemption).where(where).order_by(Exemption.granted_at.desc())
    if not include_revoked:
        query = query.where(Exemption.revoked_at.is_(None))
    return list(session.scalars(query))


# --- assigning courses ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AssignResult:
    assigned: int
    already: int


def assign_course(session: Session, *, actor: Person, agency: Agency, person_ids: Sequence[int], course_slug: str,
                  due_on: date, note: str, now: datetime) -> AssignResult:
    """Assign a course with a due date to the people selected, all of ``agency`` (checked here)."""
    if not can_view_agency(actor, agency.id):
        raise NotFoundError("No such agency.")
    course = session.scalar(select(Course).where(Course.slug == course_slug, PUBLISHED))
    if course is None:
        raise ValidationError("Choose a course.", details={"course": "Choose a course from the catalogue."})
    ids = list(dict.fromkeys(person_ids))
    if not ids:
        raise ValidationError("Select the people to assign it to.", details={"people": "Select at least one person."})
    people = list(session.scalars(select(Person).where(Person.id.in_(ids), Person.agency_id == agency.id,
                                                       Person.is_enabled)))
    if len(people) != len(ids):
        raise ValidationError("Some of the people selected are not in this agency.",
                              details={"people": "Select people of this agency only."})
    outcome = learning.assign_course(session, person_ids=ids, course=course, due_on=due_on,
                                     reason=AssignmentReason.ASSIGNED, note=note, assigned_by=actor, now=now,
                                     today=localdate.today_for(session, agency, now))
    audit.record(session, "course.assigned", actor_id=actor.id, target=f"course:{course.course_number}", now=now,
                 details={"people": [a.person_id for a in outcome.assigned], "due_on": due_on.isoformat()})
    return AssignResult(len(outcome.assigned), len(outcome.already))

