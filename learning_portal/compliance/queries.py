"""Reports over the stored evaluation: an agency's summary and people table, its export, the statewide summary.

Statuses are computed in SQL from the stored facts for the day asked about (``compliance.status``), so
filters, sorting and counts run in the database, whatever the agency's size.
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, String, and_, case, func, literal, or_, select, type_coerce
from sqlalchemy.orm import Session

from learning_portal.accounts.models import Agency, Assignment, Person, RankTier
from learning_portal.catalog.models import Course, CourseVersion, CourseVersionRequirement
from learning_portal.catalog.queries import current_versions
from learning_portal.compliance import status as status_rules
from learning_portal.compliance.engine import worded
from learning_portal.compliance.models import AgencyStatusVersion, PersonEvaluation, RequirementStatus
from learning_portal.compliance.services import Definitions
from learning_portal.compliance.status import STATUSES
from learning_portal.csvfile import write_rows
from learning_portal.formatting import hours as format_hours

PE, RS, ASV = PersonEvaluation, RequirementStatus, AgencyStatusVersion
T = TypeVar("T")
SORTS = ("status", "name", "due")


def requirement_status(today: date, due_soon_days: int) -> ColumnElement[str]:
    return status_rules.requirement_status_sql(RS, today, due_soon_days)


def overall_status(today: date, due_soon_days: int) -> ColumnElement[str]:
    return status_rules.overall_status_sql(PE, today, due_soon_days)


def _rank(status: ColumnElement[str]) -> ColumnElement[int]:
    return case(*[(status == s, i) for i, s in enumerate(STATUSES)], else_=len(STATUSES))


@dataclass(frozen=True)
class PeopleFilter:
    requirement: str | None = None
    status: str | None = None
    assignment: str | None = None
    rank: str | None = None
    q: str = ""
    sort: str = "status"

    @classmethod
    def from_args(cls, args: Any, defs: Definitions) -> PeopleFilter:
        """Unknown values are dropped, not errors: a stale bookmark still opens the page."""
        def pick(name: str, allowed: Any) -> str | None:
            value = (args.get(name) or "").strip()
            return value if value in allowed else None
        return cls(requirement=pick("requirement", defs.titles), status=pick("status", STATUSES),
                   assignment=pick("assignment", {a.value for a in Assignment}),
                   rank=pick("rank", {r.value for r in RankTier}), q=(args.get("q") or "").strip()[:100],
                   sort=pick("sort", SORTS) or "status")

    def args(self) -> dict[str, str]:
        values = {"requirement": self.requirement, "status": self.status, "assignment": self.assignment,
                  "rank": self.rank, "q": self.q or None, "sort": self.sort if self.sort != "status" else None}
        return {k: v for k, v in values.items() if v}


def people_query(agency_id: int, f: PeopleFilter, *, today: date, due_soon_days: int):
    """People of the agency with their status (for one requirement, or overall) and due date. Statuses are
    joined by agency too (the same once fresh), so only this agency's are read, not the whole state's."""
    if f.requirement:
        status = requirement_status(today, due_soon_days)
        query = (select(Person, status.label("status"), RS.due_on.label("due_on"), RS.reason.label("reason"))
                 .join(RS, and_(RS.person_id == Person.id, RS.requirement_id == f.requirement,
                                RS.agency_id == agency_id)))
        due = RS.due_on
    else:
        status = overall_status(today, due_soon_days)
        query = (select(Person, status.label("status"), PE.worst_due_on.label("due_on"), literal("").label("reason"))
                 .join(PE, and_(PE.person_id == Person.id, PE.agency_id == agency_id)))
        due = PE.worst_due_on
    query = query.where(Person.agency_id == agency_id, Person.is_enabled)
    if f.status:
        query = query.where(status == f.status)
    if f.assignment:
        query = query.where(Person.assignment == Assignment(f.assignment))
    if f.rank:
        query = query.where(Person.rank_tier == RankTier(f.rank))
    if f.q:
        like = f"%{f.q.lower()}%"
        query = query.where(or_(func.lower(Person.last_name).like(like), func.lower(Person.first_name).like(like),
                                func.lower(Person.post_id).like(like)))
    name = (Person.last_name, Person.first_name, Person.id)
    order = {"name": name, "due": (due.is_(None), due, *name), "status": (_rank(status), due.is_(None), due, *name)}
    return query.order_by(*order[f.sort])


@dataclass(frozen=True)
class Row:
    person: Person
    status: str
    due_on: date | None
    reason: str = ""
    issues: tuple[tuple[str, str], ...] = ()  # (requirement id, status) needing attention, overall view


def people_page(session: Session, agency_id: int, f: PeopleFilter, *, defs: Definitions, today: date, page: int,
                per_page: int, summary: Summary | None = None) -> tuple[list[Row], int]:
    """A page of the agency's people, and how many match. With the agency's ``summary`` (after
    ``services.ensure_fresh``), a filter by requirement and status alone is counted from it, not again."""
    query = people_query(agency_id, f, today=today, due_soon_days=defs.jurisdiction.due_soon_days)
    total = summary_count(summary, f) if summary is not None else None
    if total is None:
        total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    results = session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    issues: dict[int, list[tuple[str, str]]] = defaultdict(list)
    if not f.requirement and results:
        status = requirement_status(today, defs.jurisdiction.due_soon_days)
        for pid, rid, st in session.execute(
                select(RS.person_id, RS.requirement_id, status)
                .where(RS.person_id.in_([r.Person.id for r in results]), status.in_(("overdue", "due_soon")))
                .order_by(RS.requirement_id)):
            issues[pid].append((rid, st))
    return [Row(r.Person, r.status, r.due_on, worded(r.reason, r.status),
                tuple(sorted(issues[r.Person.id], key=lambda i: STATUSES.index(i[1])))) for r in results], total


@dataclass
class Summary:
    by_requirement: dict[str, Counter[str]] = field(default_factory=dict)
    overall: Counter[str] = field(default_factory=Counter)


def summary_count(summary: Summary, f: PeopleFilter) -> int | None:
    """How many people ``people_query`` finds, read from the summary; None when the filter needs a count.
    They agree once the evaluation is fresh: statuses are stored for enabled people only, by agency."""
    if f.assignment or f.rank or f.q:
        return None
    counts = summary.by_requirement.get(f.requirement, Counter()) if f.requirement else summary.overall
    return counts[f.status] if f.status else sum(counts.values())


class _Kept:
    """Counts over agencies (summaries, the statewide lines), kept in this process under the agencies' status
    versions, the day and the definitions. Any change to the stored statuses sets a new version in its
    transaction, so an entry is either right or never asked for again. The dashboard of a 10,000-person agency
    counted about 130,000 rows on every view."""

    SIZE = 256

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session: Session, kind: str, agency_ids: Iterable[int], *, defs: Definitions, today: date,
            count: Callable[[], T]) -> T:
        ids = tuple(sorted(agency_ids))
        versions = dict(session.execute(select(ASV.agency_id, ASV.version).where(ASV.agency_id.in_(ids))).all())
        key = (kind, ids, tuple(versions.get(i) for i in ids), today, defs.fingerprint,
               defs.jurisdiction.due_soon_days)
        with self._lock:
            if (found := self._entries.get(key)) is not None:
                self._entries.move_to_end(key)
                return found
        value = count()
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self.SIZE:
                self._entries.popitem(last=False)
        return value


_kept = _Kept()


def agency_summary(session: Session, agency_ids: list[int], *, defs: Definitions, today: date) -> Summary:
    """Counts per requirement and status, and people per overall status, over these agencies (after
    ``services.ensure_fresh``). Shared between requests: read it, never change it."""
    return _kept.get(session, "summary", agency_ids, defs=defs, today=today,
                     count=lambda: count_summary(session, agency_ids, defs=defs, today=today))


def count_summary(session: Session, agency_ids: list[int], *, defs: Definitions, today: date) -> Summary:
    """``agency_summary`` counted afresh: what a view pays after the statuses changed."""
    window = defs.jurisdiction.due_soon_days
    summary = Summary({rid: Counter() for rid in defs.titles})
    status = requirement_status(today, window)
    for rid, st, n in session.execute(
            select(RS.requirement_id, status, func.count())
            .where(RS.agency_id.in_(agency_ids)).group_by(RS.requirement_id, status)):
        summary.by_requirement.setdefault(rid, Counter())[st] += n
    overall = overall_status(today, window)
    for st, n in session.execute(
            select(overall, func.count()).where(PE.agency_id.in_(agency_ids), PE.active).group_by(overall)):
        summary.overall[st] += n
    return summary


@dataclass(frozen=True)
class AgencyLine:
    agency: Agency
    counts: Counter[str]

    @property
    def people(self) -> int:
        return sum(self.counts.values())

    @property
    def overdue_share(self) -> float:
        return self.counts["overdue"] / self.people if self.people else 0.0


def agencies_overview(session: Session, jurisdiction: str, *, defs: Definitions, today: date) -> list[AgencyLine]:
    """Every agency of the jurisdiction with its people per overall status, most overdue first (after
    ``services.ensure_fresh`` of them all)."""
    agencies = list(session.scalars(select(Agency).where(Agency.jurisdiction == jurisdiction)))

    def count() -> dict[int, Counter[str]]:
        overall = overall_status(today, defs.jurisdiction.due_soon_days)
        counts: dict[int, Counter[str]] = defaultdict(Counter)
        for agency_id, st, n in session.execute(
                select(PE.agency_id, overall, func.count()).join(Agency, Agency.id == PE.agency_id)
                .where(Agency.jurisdiction == jurisdiction, PE.active).group_by(PE.agency_id, overall)):
            counts[agency_id][st] += n
        return dict(counts)

    counts = _kept.get(session, "overview", [a.id for a in agencies], defs=defs, today=today, count=count)
    lines = [AgencyLine(a, counts.get(a.id, Counter())) for a in agencies]
    lines.sort(key=lambda line: (-line.overdue_share, -line.counts["overdue"], line.agency.name))
    return lines


EXPORT_COLUMNS = ("post_id", "last_name", "first_name", "rank_tier", "assignment", "requirement", "title", "status",
                  "hours_done", "hours_needed", "due_on", "reason")


def export_rows(session: Session, agency_id: int, f: PeopleFilter, *, defs: Definitions,
                today: date) -> Iterator[tuple[str, ...]]:
    """One row per person and requirement that concerns them, streamed from the database in batches."""
    status = requirement_status(today, defs.jurisdiction.due_soon_days)
    people = people_query(agency_id, f, today=today, due_soon_days=defs.jurisdiction.due_soon_days)
    ids = people.with_only_columns(Person.id).order_by(None).subquery()
    query = (select(Person.post_id, Person.last_name, Person.first_name, type_coerce(Person.rank_tier, String),
                    type_coerce(Person.assignment, String), RS.requirement_id, status, RS.hours_done,
                    RS.hours_needed, RS.due_on, RS.reason)
             .join(RS, RS.person_id == Person.id).where(Person.id.in_(select(ids.c.id))))
    if f.requirement:
        query = query.where(RS.requirement_id == f.requirement)
    query = query.order_by(Person.last_name, Person.first_name, Person.id, RS.requirement_id)
    titles = {rid: r.title for rid, r in defs.titles.items()}
    # About 120,000 rows for a large agency: unpacked by position, enums read as their stored values.
    for post_id, last, first, rank, assignment, rid, st, done, needed, due_on, reason in session.execute(
            query.execution_options(yield_per=2000)):
        yield (post_id, last, first, rank, assignment, rid, titles[rid], st, _hours(done),
               _hours(needed), due_on.isoformat() if due_on else "", worded(reason, st))


def export_csv(session: Session, agency_id: int, f: PeopleFilter, *, defs: Definitions,
               today: date) -> Iterator[str]:
    """The export as CSV text in chunks, header first."""
    return write_rows(itertools.chain([EXPORT_COLUMNS], export_rows(session, agency_id, f, defs=defs, today=today)))


def _hours(value: Any) -> str:
    return "" if value is None else format_hours(value)


@dataclass(frozen=True)
class CourseLink:
    slug: str
    number: str
    title: str
    cpt_hours: Any


def satisfying_courses(session: Session, defs: Definitions) -> dict[str, list[CourseLink]]:
    """Per requirement, the courses in the catalogue (current versions) that count toward it."""
    versions = session.execute(current_versions().with_only_columns(  # no objects: items and texts are not needed
        CourseVersion.id, Course.slug, Course.presenter, Course.number, CourseVersion.title, CourseVersion.cpt_hours,
        CourseVersion.hours, CourseVersion.credit_mode).order_by(CourseVersion.title)).all()
    satisfies: dict[int, set[str]] = defaultdict(set)
    for version_id, rid in session.execute(select(CourseVersionRequirement.course_version_id,
                                                  CourseVersionRequirement.requirement_id)):
        satisfies[version_id].add(rid)
    by_req: dict[str, list[CourseLink]] = {}
    for req in defs.requirements:
        rule = req.rule
        links = []
        for version in versions:
            if rule.kind == "category_hours":
                counts = any(Decimal(version.hours.get(c, "0")) > 0 for c in rule.categories)
            elif rule.kind == "cycle_hours" and rule.counts == "all":
                counts = version.cpt_hours > 0 and version.credit_mode.value != "none"
            else:
                counts = req.id in satisfies[version.id]
            if counts:
                links.append(CourseLink(version.slug, f"{version.presenter}-{version.number}", version.title,
                                        version.cpt_hours))
        by_req[req.id] = links
    return by_req
