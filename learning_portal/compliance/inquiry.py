"""Asking the engine about one case, given as JSON (``flask compliance evaluate``): for operators checking a
verdict and for tests. The jurisdiction's requirements come from the database, the person and records from
the case; nothing is stored.

A case: ``{"jurisdiction", "today", "person": {"roles", "assignments", "rank", "hire_date", "promotion_date",
"assignment_dates", "role_dates", "reserve", "clerical"}, "agency_records_start", "exemptions": [{"kind",
"start", "end", "requirement"}], "records": [{"course_number", "completed_on", "hours", "categories",
"requirements", "cpt_credited"}]}``. Unknown fields and bad values are refused, naming the field.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from learning_portal.accounts.models import Assignment, RankTier, Role
from learning_portal.compliance.engine import ExemptionFact, PersonFacts, RecordFact, evaluate_all, reason
from learning_portal.compliance.services import Definitions, definitions
from learning_portal.errors import NotFoundError, ValidationError

CASE_KEYS = {"jurisdiction", "today", "person", "agency_records_start", "exemptions", "records"}
PERSON_KEYS = {"roles", "assignments", "rank", "hire_date", "promotion_date", "assignment_dates", "role_dates",
               "reserve", "clerical"}
EXEMPTION_KEYS = {"kind", "start", "end", "requirement"}
RECORD_KEYS = {"course_number", "completed_on", "hours", "categories", "requirements", "cpt_credited"}


class _Reader:
    def __init__(self) -> None:
        self.problems: dict[str, str] = {}

    def keys(self, where: str, value: Any, allowed: set[str], required: set[str] = frozenset()) -> dict:
        if not isinstance(value, dict):
            self.problems[where or "case"] = "must be a JSON object"
            return {}
        for key in sorted(set(value) - allowed):
            self.problems[_path(where, key)] = "unknown field"
        for key in sorted(required - set(value)):
            self.problems[_path(where, key)] = "required"
        return value

    def day(self, where: str, value: Any, *, optional: bool = True) -> date | None:
        if value is None and optional:
            return None
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            self.problems[where] = "must be a date such as 2026-12-06"
            return None

    def choices(self, where: str, value: Any, allowed: set[str]) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) and v in allowed for v in value):
            self.problems[where] = "must be a list of: " + ", ".join(sorted(allowed))
            return []
        return value

    def flag(self, where: str, value: Any) -> bool:
        if not isinstance(value, bool):
            self.problems[where] = "must be true or false"
            return False
        return value

    def hours(self, where: str, value: Any) -> Decimal:
        try:
            if isinstance(value, bool):
                raise InvalidOperation
            hours = Decimal(str(value))
            if not hours.is_finite() or hours < 0 or hours > 1000:
                raise InvalidOperation
            return hours
        except (InvalidOperation, ValueError):
            self.problems[where] = "must be a number of hours from 0 to 1000"
            return Decimal(0)

    def dates_by(self, where: str, value: Any, allowed: set[str]) -> dict[str, date]:
        if not isinstance(value, dict):
            self.problems[where] = "must be an object of name: date"
            return {}
        out = {}
        for key, day in value.items():
            if key not in allowed:
                self.problems[_path(where, key)] = "unknown name (use " + ", ".join(sorted(allowed)) + ")"
            elif (parsed := self.day(_path(where, key), day, optional=False)) is not None:
                out[key] = parsed
        return out


def _path(where: str, key: str | int) -> str:
    return f"{where}[{key}]" if isinstance(key, int) else (f"{where}.{key}" if where else key)


def evaluate_case(session: Session, case: Any) -> list[dict[str, Any]]:
    """Every requirement of the case's jurisdiction, as the engine judges the case on its ``today``."""
    r = _Reader()
    case = r.keys("", case, CASE_KEYS, {"jurisdiction", "today", "person"})
    today = r.day("today", case.get("today"), optional=False)
    code = case.get("jurisdiction")
    if "jurisdiction" in case and not isinstance(code, str):
        r.problems["jurisdiction"] = "must be a jurisdiction code such as CA-POST"
    person = _person(r, case.get("person", {}))
    start = r.day("agency_records_start", case.get("agency_records_start"))
    exemptions = case.get("exemptions", [])
    records = case.get("records", [])
    for name, value in (("exemptions", exemptions), ("records", records)):
        if not isinstance(value, list):
            r.problems[name] = "must be a list"
    if r.problems:
        raise ValidationError("The case is not valid.", details=r.problems)
    try:
        defs = definitions(session, code)
    except NotFoundError as exc:
        raise ValidationError("The case is not valid.", details={"jurisdiction": exc.message}) from exc
    known = {req.id for req in defs.requirements}
    facts = [_record(r, f"records[{i}]", raw, known) for i, raw in enumerate(records)]
    excused = [e for i, raw in enumerate(exemptions) for e in _exemptions(r, f"exemptions[{i}]", raw, defs)]
    if r.problems:
        raise ValidationError("The case is not valid.", details=r.problems)
    assert today is not None and person is not None
    results = []
    findings = evaluate_all(defs.requirements, person, facts, excused, today, records_start=start)
    for req, finding in zip(defs.requirements, findings, strict=True):
        status = finding.status(today, defs.jurisdiction.due_soon_days)
        results.append({"id": req.id, "status": status, "due": finding.due_on.isoformat() if finding.due_on else None,
                        "reason": reason(finding, status, defs.category_titles),
                        "hours_done": _num(finding.hours_done), "hours_required": _num(finding.hours_needed)})
    return results


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _person(r: _Reader, raw: Any) -> PersonFacts | None:
    raw = r.keys("person", raw, PERSON_KEYS, {"roles"})
    roles = r.choices("person.roles", raw.get("roles", []), {x.value for x in Role})
    if "roles" in raw and not roles and "person.roles" not in r.problems:
        r.problems["person.roles"] = "name at least one role"
    assignments = r.choices("person.assignments", raw.get("assignments", []), {x.value for x in Assignment})
    rank = raw.get("rank", RankTier.LINE.value)
    if rank not in {x.value for x in RankTier}:
        r.problems["person.rank"] = "must be one of: " + ", ".join(x.value for x in RankTier)
    return PersonFacts(
        roles=frozenset(roles), rank_tier=str(rank), assignments=frozenset(assignments),
        is_reserve=r.flag("person.reserve", raw.get("reserve", False)),
        is_clerical=r.flag("person.clerical", raw.get("clerical", False)),
        hire_date=r.day("person.hire_date", raw.get("hire_date")),
        promotion_date=r.day("person.promotion_date", raw.get("promotion_date")),
        assignment_dates=r.dates_by("person.assignment_dates", raw.get("assignment_dates", {}),
                                    {x.value for x in Assignment}),
        role_dates=r.dates_by("person.role_dates", raw.get("role_dates", {}), {x.value for x in Role}))


def _record(r: _Reader, where: str, raw: Any, known: set[str]) -> RecordFact:
    raw = r.keys(where, raw, RECORD_KEYS, {"completed_on", "hours"})
    categories = raw.get("categories", {})
    if not isinstance(categories, dict):
        r.problems[f"{where}.categories"] = "must be an object of category: hours"
        categories = {}
    number = raw.get("course_number", "")
    if not isinstance(number, str):
        r.problems[f"{where}.course_number"] = "must be text, such as 9999-00101"
        number = ""
    return RecordFact(
        completed_on=r.day(f"{where}.completed_on", raw.get("completed_on"), optional=False) or date.min,
        hours=r.hours(f"{where}.hours", raw.get("hours")),
        categories={str(c): r.hours(f"{where}.categories.{c}", h) for c, h in categories.items()},
        satisfies=frozenset(r.choices(f"{where}.requirements", raw.get("requirements", []), known)),
        course_number=number, cpt=r.flag(f"{where}.cpt_credited", raw.get("cpt_credited", True)))


def _exemptions(r: _Reader, where: str, raw: Any, defs: Definitions) -> list[ExemptionFact]:
    """One exemption per requirement it covers (without ``requirement``: every one its ground covers)."""
    raw = r.keys(where, raw, EXEMPTION_KEYS, {"kind", "start"})
    kind = raw.get("kind")
    ground = defs.grounds.get(kind) if isinstance(kind, str) else None
    if ground is None:
        r.problems[f"{where}.kind"] = ("must be one of the jurisdiction's grounds: "
                                       + (", ".join(defs.grounds) or "it lists none"))
    known = {g.id for g in defs.requirements} if ground is None else {
        req.id for req in defs.requirements if not ground["requirements"] or req.id in ground["requirements"]}
    start = r.day(f"{where}.start", raw.get("start"), optional=False)
    end = r.day(f"{where}.end", raw.get("end"))
    if start and end and end < start:
        r.problems[f"{where}.end"] = "is before the start"
    rid = raw.get("requirement")
    if rid is not None and rid not in known:
        r.problems[f"{where}.requirement"] = "not a requirement this ground covers in this jurisdiction"
    if start is None or ground is None:
        return []
    return [ExemptionFact(i, ground["title"], start, end, kind=kind) for i in ([rid] if rid else sorted(known))]
