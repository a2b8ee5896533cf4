"""Training from before the portal: an agency's history imported from CSV (the columns of a commission's
training-profile export), previewed row by row, all or nothing, and idempotent.

Each row becomes a record with source ``imported`` that counts for compliance at once. Its origin key is the
person, the course number and the date, so importing the same file again (or an overlapping export) adds
only what is new. A file with any problem writes nothing and names every problem with its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from learning_portal.accounts.localdate import today_for
from learning_portal.accounts.models import Agency, Person
from learning_portal.accounts.permissions import can_view_agency
from learning_portal.audit import services as audit
from learning_portal.catalog.models import Course, CourseVersion, HourCategory, Requirement
from learning_portal.csvfile import CsvImportError, RowError, read_rows
from learning_portal.errors import PermissionDeniedError
from learning_portal.records import changes
from learning_portal.records.models import RecordSource, TrainingRecord
from learning_portal.records.services import RecordInput, record_values

COLUMNS = ("post_id", "course_number", "title", "completed_on", "hours", "categories", "requirements", "cpt")
REQUIRED = ("post_id", "course_number", "title", "completed_on", "hours")
COURSE_NUMBER = re.compile(r"^\d{4}-\d{5}$")
OLDEST_YEARS = 60
BATCH = 1000


@dataclass(frozen=True)
class PlannedRow:
    line: int
    post_id: str
    name: str
    course_number: str
    title: str
    completed_on: date
    hours: Decimal
    new: bool  # False: already on file from an earlier import


@dataclass(frozen=True)
class HistoryImport:
    rows: list[PlannedRow]
    written: bool

    @property
    def added(self) -> int:
        return sum(r.new for r in self.rows)

    @property
    def already(self) -> int:
        return len(self.rows) - self.added


def origin_key(person_id: int, course_number: str, completed_on: date) -> str:
    return f"import:{person_id}:{course_number}:{completed_on.isoformat()}"


def _day(value: str) -> date | None:
    for pattern in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None


def _pairs(value: str) -> dict[str, Decimal] | None:
    """"firearms: 2; general: 2" -> {"firearms": Decimal(2), "general": Decimal(2)}; None when malformed."""
    out: dict[str, Decimal] = {}
    for part in filter(None, (p.strip() for p in value.split(";"))):
        name, _, hours = part.partition(":")
        try:
            out[name.strip().lower()] = Decimal(hours.strip())
        except InvalidOperation:
            return None
    return out


def import_history(session: Session, *, actor: Person, agency: Agency, data: bytes, now: datetime,
                   max_hours: Decimal, dry_run: bool = False) -> HistoryImport:
    """Check every row; with ``dry_run`` (the preview) or any problem, write nothing. CsvImportError lists the
    problems."""
    if not can_view_agency(actor, agency.id):
        raise PermissionDeniedError("Only the agency's training manager or an administrator imports its history.")
    parsed, errors = read_rows(data, allowed=COLUMNS, required=REQUIRED, what="training records")
    people = _people(session, agency, {row["post_id"].upper() for _, row in parsed})
    categories = set(session.scalars(select(HourCategory.id)))
    requirements = set(session.scalars(select(Requirement.id).where(Requirement.jurisdiction == agency.jurisdiction)))
    certified = _certified_hours(session, {row["course_number"] for _, row in parsed})
    today = today_for(session, agency, now)
    oldest = today.replace(year=today.year - OLDEST_YEARS, day=1)
    planned: list[tuple[PlannedRow, RecordInput]] = []
    seen: dict[str, int] = {}
    for line, row in parsed:
        problems: list[RowError] = []

        def problem(column: str, message: str, line: int = line, problems: list[RowError] = problems) -> None:
            problems.append(RowError(line, column, message))

        person = people.get(row["post_id"].upper())
        if person is None:
            problem("post_id", f"No one with POST ID {row['post_id'] or '(empty)'} in {agency.name}: add or "
                               "import them first.")
        number = row["course_number"]
        if not COURSE_NUMBER.match(number):
            problem("course_number", "A course number looks like 1234-56789 (presenter, course).")
        title = " ".join(row["title"].split())
        if not 1 <= len(title) <= 200:
            problem("title", "Give the course title (at most 200 characters).")
        day = _day(row["completed_on"])
        if day is None:
            problem("completed_on", "Give the date as 2024-03-31 or 03/31/2024.")
        elif day > today:
            problem("completed_on", "The date is in the future.")
        elif day < oldest:
            problem("completed_on", f"More than {OLDEST_YEARS} years ago.")
        try:
            hours = Decimal(row["hours"])
            limit = certified.get(number, max_hours)
            if not Decimal(0) < hours <= limit or hours != hours.quantize(Decimal("0.01")):
                problem("hours", f"Hours above 0 and at most {limit} (two decimals at most)"
                                 + (" — the course's certified hours." if number in certified else "."))
        except InvalidOperation:
            hours = Decimal(0)
            problem("hours", "Hours must be a number, such as 4 or 1.5.")
        split = _pairs(row.get("categories", ""))
        if split is None:
            problem("categories", "Write categories as firearms: 2; general: 2.")
            split = {}
        for name in sorted(set(split) - categories):
            problem("categories", f"Unknown hour category {name!r}.")
        if split and sum(split.values()) > hours:
            problem("categories", "The categories' hours add up to more than the record's hours.")
        satisfies = [r.strip().upper() for r in row.get("requirements", "").split(";") if r.strip()]
        for rid in sorted(set(satisfies) - requirements):
            problem("requirements", f"{rid} is not a requirement of {agency.jurisdiction}.")
        cpt = row.get("cpt", "").strip().lower()
        if cpt not in ("", "yes", "no", "true", "false", "1", "0"):
            problem("cpt", "Write yes or no (whether the hours earned CPT).")
        if person is not None and day is not None:
            key = origin_key(person.id, number, day)
            if key in seen:
                problem("", f"The same training as line {seen[key]} (POST ID, course number and date).")
            seen.setdefault(key, line)
        if problems:
            errors.extend(problems)
            continue
        planned.append((PlannedRow(line, person.post_id, person.full_name, number, title, day, hours, True),
                        RecordInput(person_id=person.id, course_number=number, title=title, hours=hours,
                                    categories=split, satisfies=satisfies, completed_on=day,
                                    source=RecordSource.IMPORTED, cpt_credited=cpt not in ("no", "false", "0"))))
    if errors:
        raise CsvImportError(sorted(errors, key=lambda e: e.line))
    keys = [origin_key(i.person_id, i.course_number, i.completed_on) for _, i in planned]
    existing = set()
    for start in range(0, len(keys), BATCH):
        existing |= set(session.scalars(select(TrainingRecord.inbound_key).where(
            TrainingRecord.inbound_key.in_(keys[start:start + BATCH]))))
    rows = [replace(p, new=key not in existing) for (p, _), key in zip(planned, keys, strict=True)]
    if dry_run:
        return HistoryImport(rows, written=False)
    fresh = [record_values(i, inbound_key=key, now=now) for (_, i), key in zip(planned, keys, strict=True)
             if key not in existing]
    for start in range(0, len(fresh), BATCH):  # Core executemany: prepared and pipelined, no ORM objects
        session.execute(TrainingRecord.__table__.insert(), fresh[start:start + BATCH])
    changes.log_created(session, [row["inbound_key"] for row in fresh])
    audit.record(session, "records.imported", actor_id=actor.id, now=now, target=f"agency:{agency.id}",
                 details={"added": len(fresh), "already": len(rows) - len(fresh)})
    return HistoryImport(rows, written=True)


def _people(session: Session, agency: Agency, post_ids: set[str]) -> dict[str, Person]:
    found: dict[str, Person] = {}
    ids = sorted(post_ids)
    for start in range(0, len(ids), BATCH):
        for person in session.scalars(select(Person).where(Person.agency_id == agency.id,
                                                           func.upper(Person.post_id).in_(ids[start:start + BATCH]))):
            found[person.post_id.upper()] = person
    return found


def _certified_hours(session: Session, numbers: set[str]) -> dict[str, Decimal]:
    """The most hours each course of this catalogue is certified for, by course number."""
    wanted = sorted(n for n in numbers if COURSE_NUMBER.match(n))
    out: dict[str, Decimal] = {}
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start:start + BATCH]
        for presenter, number, hours in session.execute(
                select(Course.presenter, Course.number, func.max(CourseVersion.cpt_hours)).join(CourseVersion)
                .where((Course.presenter + "-" + Course.number).in_(chunk)).group_by(Course.presenter, Course.number)):
            out[f"{presenter}-{number}"] = Decimal(hours)
    return out
