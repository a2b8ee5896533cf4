"""An agency's assignment rules: "assign course X to everyone due on requirement R within N days", "... to
everyone who joins the agency", "... to everyone who takes up a role", run by the nightly run and on demand.

A rule acts once per person and occasion (the requirement's due date, the day they joined or took up the role):
``RuleHit`` is written first with "on conflict do nothing", so only the run that wrote it assigns, and a rule
run again, or after the assignment was done or cancelled, assigns nothing twice. Joining and taking up a role
count from the day the rule was made: the people already there are not swept in.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from learning_portal.accounts import localdate
from learning_portal.accounts.models import Agency, AgencyMembership, Person, Role
from learning_portal.accounts.permissions import can_view_agency
from learning_portal.accounts.queries import holds_role
from learning_portal.audit import services as audit
from learning_portal.catalog.models import PUBLISHED, Course, Requirement
from learning_portal.compliance.models import RequirementStatus as RS
from learning_portal.compliance.status import TRACKED
from learning_portal.errors import ConflictError, NotFoundError, ValidationError
from learning_portal.learning import services as learning
from learning_portal.learning.models import AssignmentReason, AssignmentRule, RuleHit, RuleTrigger

MAX_DAYS = 366


@dataclass(frozen=True)
class Hit:
    person_id: int
    occasion: str
    due_on: date


def create(session: Session, *, actor: Person, agency: Agency, course_slug: str, trigger: str,
           requirement_id: str | None, role: str | None, days: int | None, now: datetime) -> AssignmentRule:
    if not can_view_agency(actor, agency.id):
        raise NotFoundError("No such agency.")
    problems: dict[str, str] = {}
    course = session.scalar(select(Course).where(Course.slug == (course_slug or ""), PUBLISHED))
    if course is None:
        problems["course"] = "Choose a course from the catalogue."
    if trigger not in {t.value for t in RuleTrigger}:
        problems["trigger"] = "Choose when the rule assigns."
    if days is None or not 0 <= days <= MAX_DAYS:
        problems["days"] = f"A number of days from 0 to {MAX_DAYS}."
    if trigger == RuleTrigger.DUE:
        req = session.get(Requirement, requirement_id or "")
        if req is None or req.jurisdiction != agency.jurisdiction:
            problems["requirement"] = "Choose one of the agency's requirements."
        role = None
    elif trigger == RuleTrigger.ROLE:
        if role not in {r.value for r in Role} or role == Role.ADMINISTRATOR:
            problems["role"] = "Choose a role."
        requirement_id = None
    else:
        requirement_id = role = None
    if problems:
        raise ValidationError("The rule is not complete.", details=problems)
    rule = AssignmentRule(agency_id=agency.id, course_id=course.id, trigger=RuleTrigger(trigger),
                          requirement_id=requirement_id, role=role, days=days, created_by_id=actor.id, created_at=now)
    session.add(rule)
    session.flush()
    audit.record(session, "assignment_rule.created", actor_id=actor.id, target=f"assignment_rule:{rule.id}", now=now,
                 details={"agency": agency.id, "course": course.course_number, "rule": describe(rule)})
    return rule


def end(session: Session, *, actor: Person, rule_id: int, now: datetime) -> AssignmentRule:
    rule = session.get(AssignmentRule, rule_id)
    if rule is None or not can_view_agency(actor, rule.agency_id):
        raise NotFoundError("No such rule.")
    if rule.ended_at is not None:
        raise ConflictError("This rule is already turned off.")
    rule.ended_at = now
    audit.record(session, "assignment_rule.ended", actor_id=actor.id, target=f"assignment_rule:{rule.id}", now=now)
    return rule


def of_agency(session: Session, agency_id: int) -> list[AssignmentRule]:
    return list(session.scalars(select(AssignmentRule).where(AssignmentRule.agency_id == agency_id)
                                .order_by(AssignmentRule.ended_at.is_not(None), AssignmentRule.id)))


def describe(rule: AssignmentRule) -> str:
    if rule.trigger is RuleTrigger.DUE:
        return f"everyone due on {rule.requirement_id} within {rule.days} days, due when the requirement is"
    who = "everyone who joins the agency" if rule.trigger is RuleTrigger.JOINS else \
        f"everyone who takes up the {Role(rule.role).label.lower()} role"
    return f"{who}, due {rule.days} days after"


def hits(session: Session, rule: AssignmentRule, *, today: date) -> list[Hit]:
    """Whom the rule selects today, each with the occasion and the due date of their assignment."""
    since = localdate.today_for(session, session.get(Agency, rule.agency_id), rule.created_at)
    if rule.trigger is RuleTrigger.DUE:
        rows = session.execute(select(RS.person_id, RS.due_on).join(Person, Person.id == RS.person_id).where(
            RS.agency_id == rule.agency_id, RS.requirement_id == rule.requirement_id, RS.state == TRACKED,
            RS.done.is_(False), RS.due_on.is_not(None), RS.due_on <= today + timedelta(days=rule.days),
            Person.is_enabled))
        return [Hit(pid, f"due:{due}", max(due, today)) for pid, due in rows]
    if rule.trigger is RuleTrigger.JOINS:
        rows = session.execute(select(AgencyMembership.person_id, AgencyMembership.starts_on)
                               .join(Person, Person.id == AgencyMembership.person_id).where(
            AgencyMembership.agency_id == rule.agency_id, AgencyMembership.ends_on.is_(None),
            AgencyMembership.starts_on >= since, Person.agency_id == rule.agency_id, Person.is_enabled))
        return [Hit(pid, f"joined:{start}", max(start + timedelta(days=rule.days), today)) for pid, start in rows]
    out = []
    for person in session.scalars(select(Person).where(Person.agency_id == rule.agency_id, Person.is_enabled,
                                                       holds_role(Role(rule.role)))):
        held = (person.roles_held or {}).get(rule.role)
        start = date.fromisoformat(held) if held else None
        if start is not None and start >= since:
            out.append(Hit(person.id, f"role:{start}", max(start + timedelta(days=rule.days), today)))
    return out


def run_rule(session: Session, rule: AssignmentRule, *, today: date, now: datetime) -> int:
    """Assign what the rule selects and has not acted on before; returns how many assignments were made."""
    found = hits(session, rule, today=today)
    rule.last_run_at = now
    if not found:
        return 0
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    won: set[tuple[int, str]] = set()
    for start in range(0, len(found), 500):
        won.update(tuple(row) for row in session.execute(
            insert(RuleHit).values([{"rule_id": rule.id, "person_id": h.person_id, "occasion": h.occasion, "at": now}
                                    for h in found[start:start + 500]])
            .on_conflict_do_nothing().returning(RuleHit.person_id, RuleHit.occasion)))
    by_due: dict[date, list[int]] = defaultdict(list)
    for h in found:
        if (h.person_id, h.occasion) in won:
            by_due[h.due_on].append(h.person_id)
    made = 0
    for due_on, people in sorted(by_due.items()):
        outcome = learning.assign_course(session, person_ids=people, course=rule.course, due_on=due_on,
                                         reason=AssignmentReason.RULE, note=f"By rule: {describe(rule)}"[:200],
                                         assigned_by=None, now=now, today=today)
        made += len(outcome.assigned)
        ids = {a.person_id: a.id for a in outcome.assigned}
        for hit in session.scalars(select(RuleHit).where(RuleHit.rule_id == rule.id, RuleHit.person_id.in_(ids))):
            if (hit.person_id, hit.occasion) in won:
                hit.assignment_id = ids[hit.person_id]
    if made:
        audit.record(session, "assignment_rule.ran", actor_id=None, target=f"assignment_rule:{rule.id}", now=now,
                     details={"assigned": made})
    session.flush()
    return made


def run_agency(session: Session, agency_id: int, *, today: date, now: datetime) -> int:
    return sum(run_rule(session, rule, today=today, now=now) for rule in session.scalars(
        select(AssignmentRule).where(AssignmentRule.agency_id == agency_id, AssignmentRule.ended_at.is_(None))
        .order_by(AssignmentRule.id)))
