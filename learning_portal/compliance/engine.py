"""Evaluate one person against one requirement. Pure: facts in, a Finding out; no database, no clock.

A Finding holds what was found (hours, dates, shortfalls); the status is derived from it and the day
asked about, so a stored Finding stays right as days pass until its ``valid_until``. The reason is
rendered from the same Finding, in plain words.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from learning_portal.catalog.rules import Audience, Rule
from learning_portal.formatting import hours as fmt_hours
from learning_portal.formatting import human_date
from learning_portal.records.services import Cycle, cycle_for

STATUSES = ("overdue", "due_soon", "compliant", "exempt", "not_applicable")  # worst first
STATUS_LABELS = {"overdue": "Overdue", "due_soon": "Due soon", "compliant": "Compliant", "exempt": "Exempt",
                 "not_applicable": "Not applicable"}
ZERO = Decimal("0")


@dataclass(frozen=True)
class PersonFacts:
    role: str
    rank_tier: str
    assignment: str
    is_reserve: bool = False
    is_clerical: bool = False
    hire_date: date | None = None
    promotion_date: date | None = None
    assigned_on: date | None = None


@dataclass(frozen=True)
class RecordFact:
    completed_on: date
    hours: Decimal
    categories: Mapping[str, Decimal] = field(default_factory=dict)
    satisfies: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ExemptionFact:
    requirement_id: str
    reason: str
    starts_on: date
    ends_on: date | None  # inclusive; None: open-ended
    agency_wide: bool = False

    def active_on(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)

    def overlaps(self, cycle: Cycle) -> bool:
        return self.starts_on <= cycle.end and (self.ends_on is None or self.ends_on >= cycle.start)


@dataclass(frozen=True)
class RequirementDef:
    id: str
    title: str
    rule: Rule
    cycle_months: int  # the jurisdiction's CPT cycle
    cycle_anchor: date
    judged_from: date | None = None  # cycles that ended before this day are not judged (records start here)


@dataclass(frozen=True)
class Finding:
    requirement_id: str
    kind: str
    state: str  # "tracked", "exempt" or "not_applicable"
    done: bool = False  # nothing outstanding for now (a rolling refresher is never "done": it recurs)
    due_on: date | None = None  # when what is outstanding is due; None with state tracked: overdue, no date
    note: str = ""  # why exempt or not applicable, in plain words
    period: str | None = None  # the cycle counted, e.g. "2025-2026"
    hours_done: Decimal | None = None
    hours_needed: Decimal | None = None
    categories: tuple[str, ...] = ()  # category_hours: the categories counted
    missing: tuple[tuple[str, Decimal], ...] = ()  # (category, hours short) per category
    last_done: date | None = None
    previous: tuple[str, Decimal, Decimal, date] | None = None  # a cycle that ended short: label, done, needed, end
    trigger: tuple[str, date] | None = None  # one_time: ("promotion", date)
    valid_until: date | None = None  # re-evaluate after this day (cycle end, exemption start or end)

    def status(self, today: date, due_soon_days: int) -> str:
        if self.state != "tracked":
            return self.state
        if self.done:
            return "compliant"
        if self.due_on is None or self.due_on < today:
            return "overdue"
        return "due_soon" if self.due_on <= today + timedelta(days=due_soon_days) else "compliant"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "note": self.note, "period": self.period,
            "hours_done": _num(self.hours_done), "hours_needed": _num(self.hours_needed),
            "categories": list(self.categories), "missing": [[c, str(h)] for c, h in self.missing],
            "last_done": _iso(self.last_done),
            "previous": None if self.previous is None else [self.previous[0], str(self.previous[1]),
                                                            str(self.previous[2]), self.previous[3].isoformat()],
            "trigger": None if self.trigger is None else [self.trigger[0], self.trigger[1].isoformat()],
        }

    @classmethod
    def from_json(cls, requirement_id: str, state: str, done: bool, due_on: date | None,
                  data: Mapping[str, Any]) -> Finding:
        prev, trig = data.get("previous"), data.get("trigger")
        return cls(
            requirement_id=requirement_id, kind=data["kind"], state=state, done=done, due_on=due_on,
            note=data.get("note", ""), period=data.get("period"),
            hours_done=_dec(data.get("hours_done")), hours_needed=_dec(data.get("hours_needed")),
            categories=tuple(data.get("categories", [])),
            missing=tuple((c, Decimal(h)) for c, h in data.get("missing", [])),
            last_done=_day(data.get("last_done")),
            previous=None if prev is None else (prev[0], Decimal(prev[1]), Decimal(prev[2]),
                                                date.fromisoformat(prev[3])),
            trigger=None if trig is None else (trig[0], date.fromisoformat(trig[1])))


def _num(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


# --- evaluation -----------------------------------------------------------------------------------


def applies(audience: Audience, person: PersonFacts) -> bool:
    return ((not audience.roles or person.role in audience.roles)
            and (not audience.rank_tiers or person.rank_tier in audience.rank_tiers)
            and (not audience.assignments or person.assignment in audience.assignments)
            and person.assignment not in audience.not_assignments
            and (audience.reserve is None or audience.reserve == person.is_reserve)
            and (audience.clerical is None or audience.clerical == person.is_clerical))


def evaluate(req: RequirementDef, person: PersonFacts, records: Sequence[RecordFact],
             exemptions: Iterable[ExemptionFact], today: date) -> Finding:
    """Where ``person`` stands on ``req`` on ``today`` (a local date in the requirement's jurisdiction)."""
    rule = req.rule
    if not applies(rule.audience, person):
        return Finding(req.id, rule.kind, "not_applicable", note=f"Applies to {rule.audience.describe()}.")
    own = [e for e in exemptions if e.requirement_id == req.id]
    for exemption in own:
        if exemption.active_on(today):
            whose = "Agency exemption" if exemption.agency_wide else "Exempt"
            until = f" until {human_date(exemption.ends_on)}" if exemption.ends_on else ""
            return Finding(req.id, rule.kind, "exempt", note=f"{whose}{until}: {exemption.reason}",
                           valid_until=exemption.ends_on)
    upcoming = [e.starts_on - timedelta(days=1) for e in own if e.starts_on > today]
    finding = {"cycle_hours": _cycle, "category_hours": _cycle, "rolling": _rolling,
               "one_time": _one_time}[rule.kind](req, person, records, own, today)
    if upcoming:
        limit = min(upcoming + ([finding.valid_until] if finding.valid_until else []))
        finding = replace(finding, valid_until=limit)
    return finding


def _cycle(req: RequirementDef, person: PersonFacts, records: Sequence[RecordFact],
           exemptions: Sequence[ExemptionFact], today: date) -> Finding:
    rule = req.rule
    months = rule.cycle_months or req.cycle_months
    current = cycle_for(today, months=months, anchor=req.cycle_anchor)
    tally = _tally(rule, req.id, person, records, current, months)
    if tally is None:
        return Finding(req.id, rule.kind, "not_applicable", period=current.label, valid_until=current.end,
                       note=(f"Hired {human_date(person.hire_date)}, during the {current.label} cycle: this "
                             f"requirement starts with the next cycle."))
    done_hours, needed, missing = tally
    met = done_hours >= needed and not missing
    base = dict(period=current.label, hours_done=done_hours, hours_needed=needed, valid_until=current.end,
                categories=rule.categories, missing=tuple(missing))
    if met:
        return Finding(req.id, rule.kind, "tracked", done=True, due_on=current.end, **base)
    previous = cycle_for(current.start - timedelta(days=1), months=months, anchor=req.cycle_anchor)
    judged = req.judged_from is None or previous.start >= req.judged_from
    before = None if not judged or any(e.overlaps(previous) for e in exemptions) else _tally(
        rule, req.id, person, records, previous, months)
    if before is not None and (before[0] < before[1] or before[2]):
        return Finding(req.id, rule.kind, "tracked", due_on=previous.end,
                       previous=(previous.label, before[0], before[1], previous.end), **base)
    return Finding(req.id, rule.kind, "tracked", due_on=current.end, **base)


def _tally(rule: Rule, rid: str, person: PersonFacts, records: Sequence[RecordFact], cycle: Cycle,
           months: int) -> tuple[Decimal, Decimal, list[tuple[str, Decimal]]] | None:
    """(hours done, hours needed, category shortfalls) in ``cycle``; None if the person owes nothing in it."""
    hire = person.hire_date
    fraction = Decimal(1)
    if hire is not None and hire > cycle.start:
        if hire > cycle.end or rule.new_hire == "next_cycle":
            return None
        if rule.new_hire == "prorate":
            left = (cycle.end.year - hire.year) * 12 + cycle.end.month - hire.month + 1
            fraction = Decimal(left) / Decimal(months)
    assert rule.hours is not None
    needed = Decimal(math.ceil(rule.hours * fraction)) if fraction < 1 else rule.hours
    inside = [r for r in records if cycle.start <= r.completed_on <= cycle.end]
    if rule.kind == "cycle_hours":
        counted = inside if rule.counts == "all" else [r for r in inside if rid in r.satisfies]
        return sum((r.hours for r in counted), ZERO), needed, []
    per_category = {c: sum((Decimal(r.categories.get(c, ZERO)) for r in inside), ZERO) for c in rule.categories}
    total = sum(per_category.values(), ZERO)
    if len(rule.categories) == 1:
        return total, needed, []
    floor = min(rule.each_at_least or ZERO, needed)
    missing = [(c, floor - h) for c, h in per_category.items() if h < floor]
    return total, needed, missing


def _rolling(req: RequirementDef, person: PersonFacts, records: Sequence[RecordFact],
             exemptions: Sequence[ExemptionFact], today: date) -> Finding:
    rule = req.rule
    assert rule.every_months is not None
    done = [r.completed_on for r in _qualifying(rule, req.id, records) if r.completed_on <= today]
    if done:
        last = max(done)
        return Finding(req.id, rule.kind, "tracked", due_on=add_months(last, rule.every_months), last_done=last)
    due = add_months(person.hire_date, rule.every_months) if person.hire_date else None
    return Finding(req.id, rule.kind, "tracked", due_on=due,
                   trigger=("hire", person.hire_date) if person.hire_date else None)


def _one_time(req: RequirementDef, person: PersonFacts, records: Sequence[RecordFact],
              exemptions: Sequence[ExemptionFact], today: date) -> Finding:
    rule = req.rule
    assert rule.trigger is not None and rule.within_months is not None
    done = [r.completed_on for r in _qualifying(rule, req.id, records) if r.completed_on <= today]
    if done:
        return Finding(req.id, rule.kind, "tracked", done=True, last_done=max(done))
    when = {"hire": person.hire_date, "promotion": person.promotion_date,
            "assignment": person.assigned_on}[rule.trigger]
    if when is None:
        return Finding(req.id, rule.kind, "not_applicable",
                       note=f"No {rule.trigger} date is on file, so no due date can be set.")
    if rule.since is not None and when < rule.since:
        return Finding(req.id, rule.kind, "not_applicable", trigger=(rule.trigger, when),
                       note=(f"Applies to a {rule.trigger} on or after {human_date(rule.since)}; "
                             f"this one was on {human_date(when)}."))
    return Finding(req.id, rule.kind, "tracked", due_on=add_months(when, rule.within_months),
                   trigger=(rule.trigger, when))


def _qualifying(rule: Rule, rid: str, records: Sequence[RecordFact]) -> list[RecordFact]:
    return [r for r in records if rid in r.satisfies and (rule.hours is None or r.hours >= rule.hours)]


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day (29 Feb 2024 + 12 months = 28 Feb 2025)."""
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    month += 1
    next_first = date(year + (month == 12), month % 12 + 1, 1)
    return date(year, month, min(day.day, (next_first - timedelta(days=1)).day))


# --- reasons --------------------------------------------------------------------------------------


DUE = "{due}"  # in a stored reason, where the due words go: "was due" once the date has passed, else "due"


def reason(f: Finding, status: str, category_titles: Mapping[str, str] | None = None) -> str:
    """The plain-language why, e.g. "18 of 24 hours for 2025-2026; 6 to go; due 31 Dec 2026."."""
    return worded(reason_text(f, category_titles), status)


def worded(text: str, status: str) -> str:
    """A stored reason as read on a given day, when the requirement's status is ``status``."""
    return text.replace(DUE, "was due" if status == "overdue" else "due")


def reason_text(f: Finding, category_titles: Mapping[str, str] | None = None) -> str:
    """The reason with a placeholder for the due words, so it can be stored once and read on any day."""
    titles = category_titles or {}
    if f.state != "tracked":
        return f.note
    due = "overdue" if f.due_on is None else f"{DUE} {human_date(f.due_on)}"
    if f.kind in ("cycle_hours", "category_hours"):
        assert f.hours_done is not None and f.hours_needed is not None
        what = "hour" if f.hours_needed == 1 else "hours"
        if f.categories:
            what += " of " + _list([titles.get(c, c) for c in f.categories])
        text = f"{fmt_hours(f.hours_done)} of {fmt_hours(f.hours_needed)} {what} for {f.period}"
        if f.done:
            text += ": done."
        else:
            parts = []
            short = f.hours_needed - f.hours_done
            if short > 0:
                parts.append(f"{fmt_hours(short)} to go")
            parts += [f"{fmt_hours(h)} of {titles.get(c, c)} missing" for c, h in f.missing]
            text += "; " + "; ".join(parts) + (f"; {due}." if not f.previous else ".")
        if f.previous and not f.done:
            label, got, needed, end = f.previous
            text = (f"Only {fmt_hours(got)} of {fmt_hours(needed)} {'hour' if needed == 1 else 'hours'} in {label}, "
                    f"which ended "
                    f"{human_date(end)}; complete this cycle's hours to clear it. " + text)
        return text
    if f.kind == "rolling":
        if f.last_done:
            return f"Last completed {human_date(f.last_done)}; {due}."
        if f.due_on is None:
            return "No completion on record, and no hire date to count from."
        return f"No completion on record; {due}, {_after_trigger(f)}."
    if f.done:
        return f"Completed {human_date(f.last_done)}."
    return f"Not completed; {due}, {_after_trigger(f)}."


def _after_trigger(f: Finding) -> str:
    """"24 months after hire on 3 Jun 2019"."""
    assert f.trigger is not None and f.due_on is not None
    name, day = f.trigger
    months = (f.due_on.year - day.year) * 12 + f.due_on.month - day.month
    return f"{months} months after {name} on {human_date(day)}"


def _list(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
