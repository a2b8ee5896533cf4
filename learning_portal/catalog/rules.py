"""The shape of a requirement's rule: what it asks, of whom, by when. Pure data, no database.

Content files (``content/requirements/*.toml``) are checked with :func:`parse_rule`; the catalogue stores the
normalised dict (:meth:`Rule.to_dict`) and compliance reads it back with :meth:`Rule.from_dict`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from learning_portal.accounts.models import Assignment, RankTier, Role

KINDS = {
    "cycle_hours": "hours in each fixed cycle",
    "category_hours": "hours in given categories in each fixed cycle",
    "rolling": "a refresher every N months since the last completion",
    "one_time": "once, within N months of a trigger (hire, promotion, assignment)",
}
COUNTS = ("all", "satisfying")  # cycle_hours: every CPT hour, or only courses that list the requirement
NEW_HIRE = ("next_cycle", "prorate", "full")
TRIGGERS = ("hire", "promotion", "assignment")
RULE_KEYS = {"kind", "hours", "counts", "categories", "each_at_least", "cycle_months", "every_months",
             "trigger", "within_months", "since", "new_hire", "audience"}
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
    hours: Decimal | None = None  # hours to reach (cycle kinds), or the least a completion must carry
    counts: str = "all"
    categories: tuple[str, ...] = ()
    each_at_least: Decimal | None = None  # category_hours: a minimum in every listed category
    cycle_months: int | None = None  # cycle kinds: overrides the jurisdiction's CPT cycle length
    every_months: int | None = None  # rolling
    trigger: str | None = None  # one_time
    within_months: int | None = None  # one_time
    since: date | None = None  # one_time: only triggers on or after this date count
    new_hire: str = "next_cycle"  # cycle kinds: someone hired during a cycle

    @property
    def is_cycle(self) -> bool:
        return self.kind in ("cycle_hours", "category_hours")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("hours", "each_at_least"):
            data[key] = None if data[key] is None else str(data[key])
        data["since"] = None if self.since is None else self.since.isoformat()
        return json.loads(json.dumps(data))  # lists, as stored: an unchanged rule compares equal

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Rule:
        audience = Audience(**{k: tuple(v) if isinstance(v, list) else v for k, v in data["audience"].items()})
        return cls(
            kind=data["kind"], audience=audience, counts=data["counts"], categories=tuple(data["categories"]),
            hours=None if data["hours"] is None else Decimal(data["hours"]),
            each_at_least=None if data["each_at_least"] is None else Decimal(data["each_at_least"]),
            cycle_months=data["cycle_months"], every_months=data["every_months"], trigger=data["trigger"],
            within_months=data["within_months"], since=None if data["since"] is None else date.fromisoformat(
                data["since"]), new_hire=data["new_hire"])


def parse_rule(raw: dict[str, Any], categories: set[str]) -> tuple[Rule | None, list[tuple[str, str]]]:
    """Check one ``[[requirements]]`` table's rule keys. Returns (rule or None, [(key, message)])."""
    errors: list[tuple[str, str]] = []

    def err(key: str, message: str) -> None:
        errors.append((key, message))

    kind = raw.get("kind")
    if kind not in KINDS:
        err("kind", "kind must be one of: " + ", ".join(f"{k} ({v})" for k, v in KINDS.items()))
        return None, errors
    hours = _hours(raw, "hours", err, required=kind != "one_time" and kind != "rolling")
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
    cycle_months = _months(raw, "cycle_months", err, required=False)
    every = _months(raw, "every_months", err, required=kind == "rolling")
    within = _months(raw, "within_months", err, required=kind == "one_time")
    trigger = raw.get("trigger")
    since = raw.get("since")
    if kind == "one_time" and trigger not in TRIGGERS:
        err("trigger", "trigger must be hire, promotion or assignment")
    if since is not None and not isinstance(since, date):
        err("since", "since must be a date such as 2017-01-01")
    if kind == "category_hours" and not cats:
        err("categories", "a category_hours requirement lists the categories it counts")
    if kind != "category_hours" and (cats or each is not None):
        err("categories", "categories and each_at_least belong to category_hours requirements")
    if kind != "cycle_hours" and "counts" in raw:
        err("counts", "counts belongs to cycle_hours requirements")
    misplaced = {"rolling": ("trigger", "within_months", "since", "cycle_months", "new_hire"),
                 "one_time": ("every_months", "cycle_months", "new_hire"),
                 "cycle_hours": ("every_months", "trigger", "within_months", "since"),
                 "category_hours": ("every_months", "trigger", "within_months", "since")}[kind]
    for key in misplaced:
        if key in raw:
            err(key, f"{key} does not apply to a {kind} requirement")
    audience = _audience(raw.get("audience", {}), err)
    if errors:
        return None, errors
    return Rule(kind=kind, audience=audience, hours=hours, counts=counts, categories=tuple(cats),
                each_at_least=each, cycle_months=cycle_months, every_months=every, trigger=trigger,
                within_months=within, since=since, new_hire=new_hire), []


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
