"""The shape of a requirement's rule: what it asks, of whom, by when. Pure data, no database.

Content files (``content/requirements/*.toml``) are checked with :func:`parse_rule`; the catalogue stores the
normalised dict (:meth:`Rule.to_dict`) and compliance reads it back with :meth:`Rule.from_dict`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from learning_portal.accounts.models import Assignment, RankTier, Role

KINDS = {
    "cycle_hours": "hours in each fixed cycle",
    "category_hours": "hours in given categories in each fixed cycle",
    "rolling": "a refresher every N months since the last completion",
    "one_time": "once, within N months (or days) of a trigger (hire, appointment, promotion, assignment)",
}
COUNTS = ("all", "satisfying")  # cycle_hours: every CPT hour, or only courses that list the requirement
NEW_HIRE = ("next_cycle", "prorate", "full")
# hire: joining the agency; appointment: taking up the audience's role (appointment, promotion, reclassification
# or transfer into it); promotion: to the current rank; assignment: to the audience's assignment.
TRIGGERS = ("hire", "appointment", "promotion", "assignment")
RULE_KEYS = {"kind", "hours", "counts", "categories", "each_at_least", "topics", "cycle_months", "every_months",
             "trigger", "within_months", "within_days", "effective", "new_hire", "audience"}
AUDIENCE_KEYS = {"roles", "rank_tiers", "assignments", "not_assignments", "reserve", "clerical"}


@dataclass(frozen=True)
class Audience:
    """Who a requirement applies to. An empty list or ``None`` means "anyone" for that attribute."""

    roles: tuple[str, ...] = ()
    rank_tiers: tuple[str, ...] = ()
    assignments: tuple[str, ...] = ()
    not_assignments: tuple[str, ...] = ()
    reserve: bool | None = None  # True: reserves only; False: not reserves
    clerical: bool | None = None  # True: clerical only; False: not clerical (>= 90 % clerical work)

    def describe(self) -> str:
        """Plain words, e.g. "officers; line or supervisor rank; not reserves"."""
        parts = []
        if self.roles:
            parts.append(_words(self.roles, plural=True))
        if self.rank_tiers:
            parts.append(f"{_words(self.rank_tiers)} rank")
        if self.assignments:
            parts.append(f"assigned to {_words(self.assignments)}")
        if self.not_assignments:
            parts.append(f"not assigned to {_words(self.not_assignments)}")
        if self.reserve is not None:
            parts.append("reserves only" if self.reserve else "not reserves")
        if self.clerical is not None:
            parts.append("clerical positions only" if self.clerical else "not in primarily clerical positions")
        return "; ".join(parts) or "everyone in the jurisdiction"


def _words(values: tuple[str, ...], plural: bool = False) -> str:
    names = [v.replace("_", " ") + ("s" if plural else "") for v in values]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


@dataclass(frozen=True)
class Rule:
    kind: str
    audience: Audience = field(default_factory=Audience)
    # Hours to reach: in each cycle (cycle kinds), or in all the qualifying records that make up one completion
    # (rolling, one_time: the 80-hour Supervisory Course is not met by a 1-hour record).
    hours: Decimal | None = None
    counts: str = "all"
    categories: tuple[str, ...] = ()
    each_at_least: Decimal | None = None  # category_hours: a minimum in every listed category
    topics: tuple[tuple[str, Decimal], ...] = ()  # rolling, one_time: (hour category, minimum hours) to cover
    cycle_months: int | None = None  # cycle kinds: overrides the jurisdiction's CPT cycle length
    every_months: int | None = None  # rolling
    trigger: str | None = None  # one_time
    within_months: int | None = None  # one_time: the window, in months ...
    within_days: int | None = None  # ... or in days ("within 180 days" is not six months)
    effective: date | None = None  # the mandate is in force from this day (nothing was due under it before)
    new_hire: str = "next_cycle"  # cycle kinds: someone hired during a cycle

    @property
    def is_cycle(self) -> bool:
        return self.kind in ("cycle_hours", "category_hours")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("hours", "each_at_least"):
            data[key] = None if data[key] is None else str(data[key])
        data["topics"] = [[c, str(h)] for c, h in self.topics]
        data["effective"] = None if self.effective is None else self.effective.isoformat()
        return json.loads(json.dumps(data))  # lists, as stored: an unchanged rule compares equal

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Rule:
        audience = Audience(**{k: tuple(v) if isinstance(v, list) else v for k, v in data["audience"].items()})
        return cls(
            kind=data["kind"], audience=audience, counts=data["counts"], categories=tuple(data["categories"]),
            hours=None if data["hours"] is None else Decimal(data["hours"]),
            each_at_least=None if data["each_at_least"] is None else Decimal(data["each_at_least"]),
            topics=tuple((c, Decimal(h)) for c, h in data.get("topics", [])),
            cycle_months=data["cycle_months"], every_months=data["every_months"], trigger=data["trigger"],
            within_months=data["within_months"], within_days=data.get("within_days"),
            effective=_iso_day(data.get("effective", data.get("since"))), new_hire=data["new_hire"])


def _iso_day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def parse_rule(raw: dict[str, Any], categories: set[str]) -> tuple[Rule | None, list[tuple[str, str]]]:
    """Check one ``[[requirements]]`` table's rule keys. Returns (rule or None, [(key, message)])."""
    errors: list[tuple[str, str]] = []

    def err(key: str, message: str) -> None:
        errors.append((key, message))

    kind = raw.get("kind")
    if kind not in KINDS:
        err("kind", "kind must be one of: " + ", ".join(f"{k} ({v})" for k, v in KINDS.items()))
        return None, errors
    hours = _hours(raw, "hours", err, required=kind in ("cycle_hours", "category_hours"))
    each = _hours(raw, "each_at_least", err, required=False)
    counts = raw.get("counts", "all")
    if counts not in COUNTS:
        err("counts", "counts must be 'all' (every CPT hour) or 'satisfying' (courses that list this requirement)")
    cats = raw.get("categories", [])
    if not isinstance(cats, list) or not all(isinstance(c, str) for c in cats):
        err("categories", "categories must be a list of hour category ids")
        cats = []
    for c in cats:
        if c not in categories:
            err("categories", f"unknown hour category '{c}'")
    new_hire = raw.get("new_hire", "next_cycle")
    if new_hire not in NEW_HIRE:
        err("new_hire", "new_hire must be next_cycle, prorate or full")
    topics = _topics(raw.get("topics"), categories, err)
    cycle_months = _months(raw, "cycle_months", err, required=False)
    every = _months(raw, "every_months", err, required=kind == "rolling")
    within = _months(raw, "within_months", err, required=False)
    within_days = _days(raw, "within_days", err)
    if within is not None and within_days is not None:
        err("within_months", "give the window as within_months or within_days, not both (neither: no deadline)")
    trigger = raw.get("trigger")
    effective = raw.get("effective")
    if kind == "one_time" and trigger not in TRIGGERS:
        err("trigger", "trigger must be one of: " + ", ".join(TRIGGERS))
    if effective is not None and (not isinstance(effective, date) or isinstance(effective, datetime)):
        err("effective", "effective must be a date such as 2017-01-01")
        effective = None
    if topics and hours is not None and hours < sum(h for _, h in topics):
        err("hours", "hours is less than the topics' minimums add up to")
    if kind == "category_hours" and not cats:
        err("categories", "a category_hours requirement lists the categories it counts")
    if kind != "category_hours" and (cats or each is not None):
        err("categories", "categories and each_at_least belong to category_hours requirements")
    if topics and kind not in ("rolling", "one_time"):
        err("topics", "topics belong to rolling and one_time requirements (category_hours counts categories)")
    if kind != "cycle_hours" and "counts" in raw:
        err("counts", "counts belongs to cycle_hours requirements")
    misplaced = {"rolling": ("trigger", "within_months", "within_days", "cycle_months", "new_hire"),
                 "one_time": ("every_months", "cycle_months", "new_hire"),
                 "cycle_hours": ("every_months", "trigger", "within_months", "within_days"),
                 "category_hours": ("every_months", "trigger", "within_months", "within_days")}[kind]
    for key in misplaced:
        if key in raw:
            err(key, f"{key} does not apply to a {kind} requirement")
    audience = _audience(raw.get("audience", {}), err)
    if errors:
        return None, errors
    return Rule(kind=kind, audience=audience, hours=hours, counts=counts, categories=tuple(cats),
                each_at_least=each, topics=topics, cycle_months=cycle_months, every_months=every, trigger=trigger,
                within_months=within, within_days=within_days, effective=effective, new_hire=new_hire), []


def _hours(raw: dict, key: str, err, *, required: bool) -> Decimal | None:
    value = raw.get(key)
    if value is None:
        if required:
            err(key, f"{key} is required: the hours to complete")
        return None
    try:
        if isinstance(value, bool):
            raise InvalidOperation
        hours = Decimal(str(value))
    except InvalidOperation:
        err(key, f"{key} must be a number of hours")
        return None
    if not hours.is_finite() or hours <= 0 or hours > 1000 or hours != hours.quantize(Decimal("0.25")):
        err(key, f"{key} must be more than 0 and at most 1000, in quarter hours")
        return None
    return hours


def _months(raw: dict, key: str, err, *, required: bool) -> int | None:
    value = raw.get(key)
    if value is None:
        if required:
            err(key, f"{key} is required")
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 240:
        err(key, f"{key} must be a whole number of months from 1 to 240")
        return None
    return value


def _days(raw: dict, key: str, err) -> int | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 3650:
        err(key, f"{key} must be a whole number of days from 1 to 3650")
        return None
    return value


def _topics(raw: Any, categories: set[str], err) -> tuple[tuple[str, Decimal], ...]:
    """``{ anti_bias = 4, de_escalation = 2 }``: an hour category and its minimum, each."""
    if raw is None:
        return ()
    if not isinstance(raw, dict) or not raw:
        err("topics", "topics must be a table of hour category = minimum hours, e.g. { anti_bias = 4 }")
        return ()
    topics = []
    for category, value in raw.items():
        if category not in categories:
            err("topics", f"unknown hour category '{category}'")
            continue
        hours = _hours({category: value}, category, lambda _k, m: err("topics", m), required=True)
        if hours is not None:
            topics.append((category, hours))
    return tuple(topics)


def _audience(raw: Any, err) -> Audience:
    if not isinstance(raw, dict):
        err("audience", "audience must be a table, e.g. { roles = [\"officer\"] }")
        return Audience()
    for key in sorted(set(raw) - AUDIENCE_KEYS):
        err("audience", f"unknown audience key '{key}' (use {', '.join(sorted(AUDIENCE_KEYS))})")
    lists: dict[str, tuple[str, ...]] = {}
    for key, allowed in (("roles", Role), ("rank_tiers", RankTier), ("assignments", Assignment),
                         ("not_assignments", Assignment)):
        values = raw.get(key, [])
        names = {m.value for m in allowed}
        if not isinstance(values, list) or not all(isinstance(v, str) and v in names for v in values):
            err("audience", f"audience {key} must be a list of: {', '.join(sorted(names))}")
            values = []
        lists[key] = tuple(values)
    flags: dict[str, bool | None] = {}
    for key in ("reserve", "clerical"):
        value = raw.get(key)
        if value is not None and not isinstance(value, bool):
            err("audience", f"audience {key} must be true or false")
            value = None
        flags[key] = value
    return Audience(**lists, **flags)
