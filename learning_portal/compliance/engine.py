"""Evaluate one person against one requirement. Pure: facts in, a Finding out; no database, no clock.

A Finding holds what was found (hours, dates, shortfalls); the status is derived from it and the day asked
about (``compliance.status``), so a stored Finding stays right as days pass until its ``valid_until``. The
reason is rendered from the same Finding, in plain words.

What is judged, and from when:
- Only records dated on or before the day asked about count, and the same training recorded twice (same
  course number, same day) counts once.
- Every rule is judged from the latest of its trigger (hire, appointment, promotion, assignment), its own
  ``effective`` date, and the day the agency's records start in the portal (``records_start``). Nothing on
  file for a window that began before the records start is a data gap (``no_record``), not "overdue since
  hire": it becomes overdue only once it would be overdue whatever was done before.
- An exemption covers the days it covers: a cycle asks for its hours in proportion to the days not exempted;
  a refresher's or one-time course's due date moves by the days exempted before it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from learning_portal.catalog.rules import Audience, Rule
from learning_portal.compliance import status as statuses
from learning_portal.formatting import hours as fmt_hours
from learning_portal.formatting import human_date
from learning_portal.records.services import Cycle, cycle_for

ZERO = Decimal("0")
TRIGGER_WORDS = {"hire": "hire", "appointment": "appointment to the role", "promotion": "promotion",
                 "assignment": "assignment"}


@dataclass(frozen=True)
class PersonFacts:
    """A person as the rules see them. Several roles and assignments may be held at once (an FTO is still a
    patrol officer; a training manager who is a sworn sergeant still owes CPT)."""

    roles: frozenset[str]
    rank_tier: str
    assignments: frozenset[str] = frozenset()
    is_reserve: bool = False
    is_clerical: bool = False
    hire_date: date | None = None
    promotion_date: date | None = None  # to the current rank
    assignment_dates: Mapping[str, date] = field(default_factory=dict)  # when each assignment held began
    role_dates: Mapping[str, date] = field(default_factory=dict)  # when each role held was taken up

    def trigger_date(self, trigger: str, audience: Audience) -> date | None:
        """The day a one-time requirement counts from; None when it is not on file."""
        if trigger == "hire":
            return self.hire_date
        if trigger == "promotion":
            return self.promotion_date
        if trigger == "assignment":  # the first assignment to any of the duties the rule names
            held = [self.assignment_dates.get(a) for a in (audience.assignments or tuple(self.assignments))
                    if a in self.assignments]
        else:  # appointment: taking up one of the rule's roles
            held = [self.role_dates.get(r) for r in (audience.roles or tuple(self.roles)) if r in self.roles]
        days = [d for d in held if d is not None]
        return min(days) if days else None


@dataclass(frozen=True)
class RecordFact:
    completed_on: date
    hours: Decimal
    categories: Mapping[str, Decimal] = field(default_factory=dict)
    satisfies: frozenset[str] = frozenset()
    course_number: str = ""  # the same course on the same day is the same training, however often recorded
    cpt: bool = True  # counts toward CPT hours (a repeat a jurisdiction does not credit is recorded, not counted)


@dataclass(frozen=True)
class ExemptionFact:
    requirement_id: str
    reason: str
    starts_on: date
    ends_on: date | None  # inclusive; None: open-ended
    agency_wide: bool = False
    kind: str = ""  # the ground, from the jurisdiction's list (e.g. medical_leave)

    def active_on(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)

    def days_within(self, start: date, end: date) -> int:
        """How many days of start..end (inclusive) this exemption covers."""
        first, last = max(start, self.starts_on), min(end, self.ends_on or end)
        return max((last - first).days + 1, 0)


@dataclass(frozen=True)
class RequirementDef:
    id: str
    title: str
    rule: Rule
    cycle_months: int  # the jurisdiction's CPT cycle
    cycle_anchor: date


@dataclass(frozen=True)
class Finding:
    requirement_id: str
    kind: str
    state: str  # see compliance.status.STATES
    done: bool = False  # nothing outstanding for now (a rolling refresher is never "done": it recurs)
    due_on: date | None = None  # when what is outstanding (or the next refresher) is due
    owed: bool = False  # hours or a completion still owed (on track until the due date nears)
    gap: bool = False  # the window began before the records start: what is missing may be off the portal
    note: str = ""  # why exempt, not applicable, no record or missing a date, in plain words
    period: str | None = None  # the cycle counted, e.g. "2025-2026"
    hours_done: Decimal | None = None
    hours_needed: Decimal | None = None
    categories: tuple[str, ...] = ()  # category_hours: the categories counted
    missing: tuple[tuple[str, Decimal], ...] = ()  # (category or topic, hours short)
    last_done: date | None = None
    previous: tuple[str, Decimal, Decimal, date] | None = None  # a cycle that ended short: label, done, needed, end
    trigger: tuple[str, date] | None = None  # ("promotion", date) the due date counts from
    window: str = ""  # one_time: "12 months", "180 days"
    since: date | None = None  # the records start, when it is why something may be missing
    exempt_days: int = 0  # days of the window an exemption covered
    valid_until: date | None = None  # re-evaluate after this day (cycle end, exemption start or end)

    def status(self, today: date, due_soon_days: int) -> str:
        return statuses.requirement_status(state=self.state, done=self.done, due_on=self.due_on, gap=self.gap,
                                           owed=self.owed, today=today, due_soon_days=due_soon_days)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "note": self.note, "period": self.period,
            "hours_done": _num(self.hours_done), "hours_needed": _num(self.hours_needed),
            "categories": list(self.categories), "missing": [[c, str(h)] for c, h in self.missing],
            "last_done": _iso(self.last_done),
            "previous": None if self.previous is None else [self.previous[0], str(self.previous[1]),
                                                            str(self.previous[2]), self.previous[3].isoformat()],
            "trigger": None if self.trigger is None else [self.trigger[0], self.trigger[1].isoformat()],
            "window": self.window, "since": _iso(self.since), "exempt_days": self.exempt_days,
        }


def _num(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


# --- evaluation -----------------------------------------------------------------------------------


def applies(audience: Audience, person: PersonFacts) -> bool:
    """Whether the rule concerns the person: one of its roles, its rank tier, one of its assignments; excluded
    assignments exclude only someone who holds nothing else (a patrol deputy who also works the jail is not a
    jail deputy)."""
    return ((not audience.roles or bool(person.roles & set(audience.roles)))
            and (not audience.rank_tiers or person.rank_tier in audience.rank_tiers)
            and (not audience.assignments or bool(person.assignments & set(audience.assignments)))
            and not (person.assignments and person.assignments <= set(audience.not_assignments))
            and (audience.reserve is None or audience.reserve == person.is_reserve)
            and (audience.clerical is None or audience.clerical == person.is_clerical))


def evaluate(req: RequirementDef, person: PersonFacts, records: Sequence[RecordFact],
             exemptions: Iterable[ExemptionFact], today: date, *, records_start: date | None = None) -> Finding:
    """Where ``person`` stands on ``req`` on ``today`` (a local date in the requirement's jurisdiction).
    ``records_start``: the day the agency's records start in the portal (None: all its history is here)."""
    return _evaluate(req, person, _on_file(records, today), exemptions, today, records_start)


def evaluate_all(reqs: Iterable[RequirementDef], person: PersonFacts, records: Sequence[RecordFact],
                 exemptions: Sequence[ExemptionFact], today: date, *,
                 records_start: date | None = None) -> list[Finding]:
    """``evaluate`` for each requirement, with the records sorted and checked once for them all."""
    on_file = _on_file(records, today)
    return [_evaluate(req, person, on_file, exemptions, today, records_start) for req in reqs]


def _evaluate(req: RequirementDef, person: PersonFacts, on_file: Sequence[RecordFact],
              exemptions: Iterable[ExemptionFact], today: date, records_start: date | None) -> Finding:
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
               "one_time": _one_time}[rule.kind](req, person, on_file, own, today, records_start)
    if upcoming:
        limit = min(upcoming + ([finding.valid_until] if finding.valid_until else []))
        finding = replace(finding, valid_until=limit)
    return finding


def _on_file(records: Sequence[RecordFact], today: date) -> list[RecordFact]:
    """Records that count on ``today``, oldest first: none dated later, each training once."""
    seen: set[tuple[str, date]] = set()
    kept = []
    for r in sorted(records, key=lambda r: (r.completed_on, -r.hours, r.course_number)):
        if r.completed_on > today:
            continue
        if r.course_number:
            if (r.course_number, r.completed_on) in seen:
                continue
            seen.add((r.course_number, r.completed_on))
        kept.append(r)
    return kept


def _cycle(req: RequirementDef, person: PersonFacts, records: Sequence[RecordFact],
           exemptions: Sequence[ExemptionFact], today: date, records_start: date | None) -> Finding:
    rule = req.rule
    months = rule.cycle_months or req.cycle_months
    current = cycle_for(today, months=months, anchor=req.cycle_anchor)
    if rule.effective is not None and rule.effective > current.start:
        return Finding(req.id, rule.kind, "not_applicable", period=current.label, valid_until=current.end,
                       note=f"In force from {human_date(rule.effective)}; counted from the first whole cycle after.")
    tally = _tally(rule, req.id, person, records, current, months, exemptions)
    if tally is None:
        return Finding(req.id, rule.kind, "not_applicable", period=current.label, valid_until=current.end,
                       note=(f"Hired {human_date(person.hire_date)}, during the {current.label} cycle: this "
                             f"requirement starts with the next cycle."))
    met = tally.met
    gap = records_start is not None and records_start > current.start and not met
    base = dict(period=current.label, hours_done=tally.done, hours_needed=tally.needed, valid_until=current.end,
                categories=rule.categories, missing=tuple(tally.missing), gap=gap,
                since=records_start if gap else None, exempt_days=tally.exempt_days)
    # A cycle that ended short stays overdue: this cycle's hours do not make it up (Colorado: hours after
    # 1 January do not count for the year before). A waiver or exemption recorded for it clears it.
    previous = cycle_for(current.start - timedelta(days=1), months=months, anchor=req.cycle_anchor)
    judged = (records_start is None or previous.start >= records_start) and (
        rule.effective is None or previous.start >= rule.effective)
    before = _tally(rule, req.id, person, records, previous, months, exemptions) if judged else None
    if before is not None and not before.met:
        return Finding(req.id, rule.kind, "tracked", due_on=previous.end, owed=True,
                       previous=(previous.label, before.done, before.needed, previous.end), **base)
    if met:
        return Finding(req.id, rule.kind, "tracked", done=True, due_on=current.end, **base)
    return Finding(req.id, rule.kind, "tracked", due_on=current.end, owed=True, **base)


@dataclass(frozen=True)
class _Tally:
    done: Decimal
    needed: Decimal
    missing: list[tuple[str, Decimal]]
    exempt_days: int

    @property
    def met(self) -> bool:
        return self.done >= self.needed and not self.missing


def _tally(rule: Rule, rid: str, person: PersonFacts, records: Sequence[RecordFact], cycle: Cycle, months: int,
           exemptions: Sequence[ExemptionFact]) -> _Tally | None:
    """Hours done and needed in ``cycle``; None if the person owes nothing in it."""
    hire = person.hire_date
    fraction = Decimal(1)
    if hire is not None and hire > cycle.start:
        if hire > cycle.end or rule.new_hire == "next_cycle":
            return None
        if rule.new_hire == "prorate":
            left = (cycle.end.year - hire.year) * 12 + cycle.end.month - hire.month + 1
            fraction = Decimal(left) / Decimal(months)
    length = (cycle.end - cycle.start).days + 1
    exempt_days = min(_covered_days(exemptions, cycle.start, cycle.end), length)
    fraction *= Decimal(length - exempt_days) / Decimal(length)
    assert rule.hours is not None
    needed = Decimal(math.ceil(rule.hours * fraction)) if fraction < 1 else rule.hours
    inside = [r for r in records if cycle.start <= r.completed_on <= cycle.end]
    if rule.kind == "cycle_hours":
        if rule.counts == "all":
            counted = sum((r.hours for r in inside if r.cpt), ZERO)
        else:  # a mandate: the training counts whether or not it earned CPT hours again
            counted = sum((r.hours for r in inside if rid in r.satisfies), ZERO)
        return _Tally(counted, needed, [], exempt_days)
    per_category = {c: sum((Decimal(r.categories.get(c, ZERO)) for r in inside if r.cpt), ZERO)
                    for c in rule.categories}
    total = sum(per_category.values(), ZERO)
    if len(rule.categories) == 1 or needed == 0:
        return _Tally(total, needed, [], exempt_days)
    floor = min(rule.each_at_least or ZERO, needed)
    return _Tally(total, needed, [(c, floor - h) for c, h in per_category.items() if h < floor], exempt_days)


def _covered_days(exemptions: Sequence[ExemptionFact], start: date, end: date) -> int:
    """Days of start..end that any of the exemptions covers (overlapping exemptions counted once)."""
    spans = sorted((max(start, e.starts_on), min(end, e.ends_on or end)) for e in exemptions
                   if e.days_within(start, end))
    covered, reach = 0, start - timedelta(days=1)
    for first, last in spans:
        first = max(first, reach + timedelta(days=1))
        if last >= first:
            covered += (last - first).days + 1
            reach = last
    return covered


@dataclass(frozen=True)
class _Progress:
    """Completions of a rolling or one-time rule: the days each was met, and what is done toward the next."""

    met_on: list[date]
    done: Decimal
    needed: Decimal
    missing: list[tuple[str, Decimal]]


def _progress(rule: Rule, rid: str, records: Sequence[RecordFact]) -> _Progress:
    """Records are added up in date order; the rule is met on the day its hours (and each topic's minimum)
    are reached, and counting starts again after it. Topics count hour categories; otherwise the records
    that list the requirement count, with their hours."""
    topics = dict(rule.topics)
    needed = rule.hours if rule.hours is not None else sum(topics.values(), ZERO)
    met_on: list[date] = []
    done, by_topic = ZERO, dict.fromkeys(topics, ZERO)
    for r in records:
        if topics:
            gained = {t: Decimal(r.categories.get(t, ZERO)) for t in topics}
            if not any(gained.values()):
                continue
            for t, h in gained.items():
                by_topic[t] += h
            done += sum(gained.values(), ZERO)
        elif rid in r.satisfies:
            done += r.hours
        else:
            continue
        if done >= needed and all(by_topic[t] >= m for t, m in topics.items()):
            met_on.append(r.completed_on)
            done, by_topic = ZERO, dict.fromkeys(topics, ZERO)
    return _Progress(met_on, done, needed, [(t, m - by_topic[t]) for t, m in topics.items() if by_topic[t] < m])


def _later(exemptions: Sequence[ExemptionFact], start: date, due: date) -> tuple[date, int]:
    """The due date moved by the days exempted between ``start`` and it."""
    days = _covered_days(exemptions, start, due)
    return due + timedelta(days=days), days


def _rolling(req: RequirementDef, person: PersonFacts, records: Sequence[RecordFact],
             exemptions: Sequence[ExemptionFact], today: date, records_start: date | None) -> Finding:
    rule = req.rule
    assert rule.every_months is not None
    progress = _progress(rule, req.id, records)
    hours = dict(hours_done=progress.done, hours_needed=progress.needed) if progress.needed else {}
    if progress.met_on:
        last = progress.met_on[-1]
        due, moved = _later(exemptions, last, add_months(last, rule.every_months))
        return Finding(req.id, rule.kind, "tracked", due_on=due, last_done=last, exempt_days=moved)
    start = max((d for d in (person.hire_date, rule.effective) if d is not None), default=None)
    gap = records_start is not None and (start is None or start < records_start)
    if gap:
        start = records_start
    if start is None:
        return Finding(req.id, rule.kind, "missing_date",
                       note="No completion on file, and no hire date to count the first one from: add the "
                            "hire date to the person's record.")
    due, moved = _later(exemptions, start, add_months(start, rule.every_months))
    trigger = None if gap else (("hire", start) if start == person.hire_date else ("effective", start))
    return Finding(req.id, rule.kind, "tracked", due_on=due, owed=True, gap=gap, since=records_start if gap else None,
                   trigger=trigger, window=f"{rule.every_months} months", exempt_days=moved,
                   missing=tuple(progress.missing), **hours)


def _one_time(req: RequirementDef, person: PersonFacts, records: Sequence[RecordFact],
              exemptions: Sequence[ExemptionFact], today: date, records_start: date | None) -> Finding:
    rule = req.rule
    assert rule.trigger is not None
    progress = _progress(rule, req.id, records)
    hours = dict(hours_done=progress.done, hours_needed=progress.needed) if progress.needed else {}
    if progress.met_on:
        return Finding(req.id, rule.kind, "tracked", done=True, last_done=progress.met_on[0],
                       hours_needed=hours.get("hours_needed"))
    words = TRIGGER_WORDS[rule.trigger]
    when = person.trigger_date(rule.trigger, rule.audience)
    if when is None:
        return Finding(req.id, rule.kind, "missing_date",
                       note=f"No date of {words} is on file, so no due date can be set: add it to the person's "
                            "record.")
    if rule.effective is not None and when < rule.effective:
        return Finding(req.id, rule.kind, "not_applicable", trigger=(rule.trigger, when),
                       note=(f"Applies to a {words} on or after {human_date(rule.effective)}; "
                             f"this one was on {human_date(when)}."))
    due: date | None
    if rule.within_days is not None:
        due, window = when + timedelta(days=rule.within_days), f"{rule.within_days} days"
    elif rule.within_months is not None:
        due, window = add_months(when, rule.within_months), f"{rule.within_months} months"
    else:  # the source sets no deadline: owed, never overdue
        due, window = None, ""
    moved = 0
    if due is not None:
        due, moved = _later(exemptions, when, due)
    if records_start is not None and when < records_start:
        return Finding(req.id, rule.kind, "no_record", due_on=due, trigger=(rule.trigger, when), window=window,
                       since=records_start, missing=tuple(progress.missing), **hours,
                       note=(f"No completion on file. The {words} on {human_date(when)} was before this agency's "
                             f"records start in the portal ({human_date(records_start)}), so it may have been "
                             "done earlier: add the past record."))
    return Finding(req.id, rule.kind, "tracked", due_on=due, owed=True, trigger=(rule.trigger, when), window=window,
                   exempt_days=moved, missing=tuple(progress.missing), **hours)


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
    if f.state not in ("tracked", "no_record"):
        return f.note
    if f.state == "no_record":
        return f"{f.note} Otherwise {DUE} {human_date(f.due_on)}." if f.due_on else f.note
    due = f"{DUE} {human_date(f.due_on)}" if f.due_on else ""
    exempted = (f" ({f.exempt_days} day{'s' if f.exempt_days != 1 else ''} exempted)" if f.exempt_days else "")
    if f.kind in ("cycle_hours", "category_hours"):
        assert f.hours_done is not None and f.hours_needed is not None
        what = "hour" if f.hours_needed == 1 else "hours"
        if f.categories:
            what += " of " + _list([titles.get(c, c) for c in f.categories])
        text = f"{fmt_hours(f.hours_done)} of {fmt_hours(f.hours_needed)} {what} for {f.period}{exempted}"
        if f.hours_done >= f.hours_needed and not f.missing:
            text += ": done."
        else:
            parts = []
            short = f.hours_needed - f.hours_done
            if short > 0:
                parts.append(f"{fmt_hours(short)} to go")
            parts += [f"{fmt_hours(h)} of {titles.get(c, c)} missing" for c, h in f.missing]
            text += "; " + "; ".join(parts) + (f"; {due}." if not f.previous else ".")
            if f.gap and f.since:
                text += f" Hours before {human_date(f.since)}, when this agency's records start, are not on file."
        if f.previous:
            label, got, needed, end = f.previous
            text = (f"Only {fmt_hours(got)} of {fmt_hours(needed)} {'hour' if needed == 1 else 'hours'} in {label}, "
                    f"which ended {human_date(end)}: this cycle's hours do not make it up; a waiver or exemption "
                    f"recorded for {label} clears it. " + text)
        return text
    progress = _progress_words(f, titles)
    if f.kind == "rolling":
        if f.last_done:
            return f"Last completed {human_date(f.last_done)}; next {due}{exempted}.{progress}"
        if f.gap and f.since:
            return (f"No completion on file since this agency's records start ({human_date(f.since)}); "
                    f"{due} at the latest{exempted}.{progress}")
        return f"No completion on file; {due}, {_after_trigger(f)}{exempted}.{progress}"
    if f.done:
        return f"Completed {human_date(f.last_done)}."
    if f.due_on is None:
        return f"Not completed; once, no deadline set.{progress}"
    return f"Not completed; {due}, {_after_trigger(f)}{exempted}.{progress}"


def _progress_words(f: Finding, titles: Mapping[str, str]) -> str:
    """" 3 of 14 hours so far; Anti-bias: 4 missing." where hours add up to a completion."""
    if not f.hours_needed or (not f.hours_done and not f.missing):
        return ""
    text = f" {fmt_hours(f.hours_done or ZERO)} of {fmt_hours(f.hours_needed)} hours so far"
    if f.missing:
        text += "; " + "; ".join(f"{titles.get(c, c)}: {fmt_hours(h)} missing" for c, h in f.missing)
    return text + "."


def _after_trigger(f: Finding) -> str:
    """"12 months after promotion on 3 Jun 2019"."""
    assert f.trigger is not None
    name, day = f.trigger
    if name == "effective":
        return f"{f.window} after the mandate took effect on {human_date(day)}"
    return f"{f.window} after {TRIGGER_WORDS.get(name, name)} on {human_date(day)}"


def _list(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
