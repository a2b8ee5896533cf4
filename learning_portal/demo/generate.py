"""A statewide data set for benchmarks and capacity checks: N people in M agencies with K training records each.

Agencies differ widely in size: the largest holds a tenth of everyone, the rest follow a long tail (at least 5
each). People have every role, rank and assignment in realistic shares; their records spread over the last four
years (two CPT cycles and more); a tenth have a course in progress, and a few have just finished one whose credit
is still to be posted. Names and POST IDs are fictitious and say so.

PostgreSQL is loaded with COPY (100,000 people with 50 records each in about a minute); SQLite with batched
inserts. Everything is written with explicit ids after the existing ones, so it can be added to a database that
already holds content and demo data. Deterministic for a given seed.
"""

from __future__ import annotations

import json
import random
import secrets
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, selectinload

from learning_portal.accounts.localdate import today_in
from learning_portal.accounts.models import Agency, Person
from learning_portal.catalog.models import CourseVersion, CreditMode
from learning_portal.catalog.queries import current_versions
from learning_portal.clock import utcnow
from learning_portal.learning.models import Completion, Enrollment, ItemProgress
from learning_portal.records import changes
from learning_portal.records.models import TrainingRecord

ROLES = ["officer"] * 85 + ["dispatcher"] * 10 + ["instructor"] * 3 + ["training_manager"] * 2
RANKS = ["line"] * 75 + ["supervisor"] * 17 + ["middle_management"] * 6 + ["executive"] * 2
ASSIGNMENTS = (["patrol"] * 45 + ["traffic"] * 8 + ["investigations"] * 15 + ["custody"] * 12
               + ["field_training"] * 5 + ["administration"] * 8 + ["training"] * 3 + ["other"] * 4)
IN_PROGRESS = 0.10  # people with an open enrollment
JUST_FINISHED = 0.01  # people with a completion whose credit the poster has still to post
Progress = Callable[[str, int], None]  # (stage, rows written since the last call)


@dataclass(frozen=True)
class Sizes:
    people: int
    agencies: int
    records_per_person: int


def agency_sizes(people: int, agencies: int) -> list[int]:
    """The largest agency a tenth of everyone; the others a long tail (each at least 5)."""
    if agencies == 1:
        return [people]
    largest = people // 10
    weights = [1 / (i + 1) ** 0.9 for i in range(agencies - 1)]
    rest = people - largest
    sizes = [max(5, int(rest * w / sum(weights))) for w in weights]
    sizes[0] += rest - sum(sizes)  # rounding goes to the second largest
    return [largest, *sizes]


@dataclass(frozen=True)
class _Course:
    course_id: int
    version_id: int
    number: str
    title: str
    hours: str
    categories: dict[str, str]
    satisfies: list[str]
    first_item: int | None


def _courses(session: Session) -> list[_Course]:
    versions = list(session.scalars(current_versions().options(selectinload(CourseVersion.requirements))
                                    .where(CourseVersion.credit_mode != CreditMode.NONE)))
    if not versions:
        raise ValueError("No courses with credit in the catalogue: run `flask content import` first.")
    return [_Course(v.course_id, v.id, v.course.course_number, v.title, str(v.cpt_hours),
                    {k: str(h) for k, h in v.hours.items()}, sorted(r.id for r in v.requirements),
                    v.items[0].id if v.items else None) for v in versions]  # items come in position order


def generate(engine: Engine, sizes: Sizes, *, jurisdiction: str = "CA-POST", now: datetime | None = None,
             seed: int = 7, progress: Progress = lambda stage, n: None) -> list[int]:
    """Add the data set; returns the new agencies' ids, largest first."""
    now = now or utcnow()
    rng = random.Random(seed)
    with Session(engine) as session:
        courses = _courses(session)
        today = today_in(session, jurisdiction, now)
        start = {model: (session.scalar(select(func.max(model.id))) or 0) for model in
                 (Agency, Person, TrainingRecord, Enrollment, ItemProgress, Completion)}
    writer = _CopyWriter(engine) if engine.dialect.name == "postgresql" else _InsertWriter(engine)
    counts = agency_sizes(sizes.people, sizes.agencies)
    agency_ids = [start[Agency] + i + 1 for i in range(len(counts))]
    tag = secrets.token_hex(2).upper()  # keeps agency numbers and POST IDs unique across runs
    with writer:
        writer.write("agencies", ("id", "jurisdiction", "number", "name", "created_at"),
                     ((aid, jurisdiction, f"G{tag}{i:04d}", f"Generated Agency {i + 1}", now)
                      for i, aid in enumerate(agency_ids)), progress, "agencies")
        people = list(_people(rng, agency_ids, counts, start[Person], tag, now))
        writer.write("people", PEOPLE_COLUMNS, people, progress, "people")
        person_ids = [row[0] for row in people]
        writer.write("training_records", RECORD_COLUMNS,
                     _records(rng, person_ids, sizes.records_per_person, courses, start[TrainingRecord], tag, now,
                              today),
                     progress, "records")
        enrollments, items, completions = _learning(rng, person_ids, courses, start, now)
        writer.write("enrollments", ENROLLMENT_COLUMNS, enrollments, progress, "enrollments")
        writer.write("item_progress", ITEM_COLUMNS, items, progress, "progress")
        writer.write("completions", COMPLETION_COLUMNS, completions, progress, "completions")
    with Session(engine) as session, session.begin():  # the records feed starts with what was generated
        changes.log_created_after(session, start[TrainingRecord])
    return agency_ids


PEOPLE_COLUMNS = ("id", "post_id", "username", "first_name", "last_name", "role", "rank_tier", "assignment",
                  "is_reserve", "is_clerical", "hire_date", "promotion_date", "assigned_on", "agency_id",
                  "is_enabled", "failed_logins", "login_nonce", "created_at", "revision")
RECORD_COLUMNS = ("id", "person_id", "inbound_key", "course_id", "course_number", "title", "hours", "categories",
                  "satisfies", "completed_on", "source", "verification_code", "created_at")
ENROLLMENT_COLUMNS = ("id", "person_id", "course_id", "course_version_id", "enrolled_at", "last_item_id",
                      "completed_at")
ITEM_COLUMNS = ("id", "enrollment_id", "item_id", "started_at", "watched", "position_s", "session_gained_s")
COMPLETION_COLUMNS = ("id", "enrollment_id", "person_id", "course_id", "course_version_id", "source",
                      "completed_at", "note")


def _people(rng: random.Random, agency_ids: Sequence[int], counts: Sequence[int], first_id: int, tag: str,
            now: datetime) -> Iterator[tuple]:
    pid = first_id
    for agency_id, size in zip(agency_ids, counts, strict=True):
        for _ in range(size):
            pid += 1
            rank = rng.choice(RANKS)
            hire = date(1995, 1, 1) + timedelta(days=rng.randrange(11600))
            yield (pid, f"G{tag}{pid:07d}", f"gen-{tag.lower()}-{pid}", "Generated", f"Person {pid}",
                   rng.choice(ROLES), rank, rng.choice(ASSIGNMENTS), rng.random() < .05, rng.random() < .03, hire,
                   hire + timedelta(days=rng.randrange(3000)) if rank != "line" else None,
                   hire + timedelta(days=rng.randrange(2000)) if rng.random() < .3 else None,
                   agency_id, True, 0, secrets.token_hex(8), now, 0)


def _records(rng: random.Random, person_ids: Sequence[int], per_person: int, courses: Sequence[_Course],
             first_id: int, tag: str, now: datetime, today: date) -> Iterator[tuple]:
    start = today - timedelta(days=4 * 365)
    span = (today - start).days
    rid = first_id
    for person in person_ids:
        for _ in range(per_person):
            rid += 1
            c = courses[rng.randrange(len(courses))]
            yield (rid, person, f"gen-{tag}-{rid}", c.course_id, c.number, c.title, c.hours, json.dumps(c.categories),
                   json.dumps(c.satisfies), start + timedelta(days=rng.randrange(span)), "forwarded",
                   f"G{tag}{rid:010d}"[:16], now)


def _learning(rng: random.Random, person_ids: Sequence[int], courses: Sequence[_Course], start: dict,
              now: datetime) -> tuple[list[tuple], list[tuple], list[tuple]]:
    enrollments, items, completions = [], [], []
    eid, iid, cid = start[Enrollment], start[ItemProgress], start[Completion]
    for person in person_ids:
        roll = rng.random()
        if roll >= IN_PROGRESS + JUST_FINISHED:
            continue
        c = courses[rng.randrange(len(courses))]
        eid += 1
        began = now - timedelta(days=rng.randrange(1, 60), minutes=rng.randrange(600))
        if roll < JUST_FINISHED:
            finished = now - timedelta(minutes=rng.randrange(1, 120))
            enrollments.append((eid, person, c.course_id, c.version_id, began, c.first_item, finished))
            cid += 1
            completions.append((cid, eid, person, c.course_id, c.version_id, "online", finished, ""))
        else:
            enrollments.append((eid, person, c.course_id, c.version_id, began, c.first_item, None))
            if c.first_item is not None:
                iid += 1
                items.append((iid, eid, c.first_item, began, "[]", 0.0, 0.0))
    return enrollments, items, completions


class _CopyWriter:
    """PostgreSQL: COPY from text the database parses, in one transaction; sequences moved past the new ids."""

    def __init__(self, engine: Engine) -> None:
        self.raw = engine.raw_connection()
        self.tables: list[str] = []

    def __enter__(self) -> _CopyWriter:
        return self

    def write(self, table: str, columns: Sequence[str], rows, progress: Progress, stage: str) -> None:  # noqa: ANN001
        cur = self.raw.cursor()
        with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            n = 0
            for row in rows:
                copy.write_row(row)
                n += 1
                if n % 10_000 == 0:
                    progress(stage, 10_000)
            progress(stage, n % 10_000)
        self.tables.append(table)

    def __exit__(self, exc_type, *_: object) -> None:  # noqa: ANN001
        try:
            if exc_type is None:
                cur = self.raw.cursor()
                for table in self.tables:
                    cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                                f"(SELECT max(id) FROM {table}))")
                self.raw.commit()
                cur.execute("ANALYZE")
                self.raw.commit()
            else:
                self.raw.rollback()
        finally:
            self.raw.close()


class _InsertWriter:
    """SQLite: batched INSERTs in one transaction."""

    def __init__(self, engine: Engine) -> None:
        self.conn = engine.connect()

    def __enter__(self) -> _InsertWriter:
        self.tx = self.conn.begin()
        return self

    def write(self, table: str, columns: Sequence[str], rows, progress: Progress, stage: str) -> None:  # noqa: ANN001
        sql = text(f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - fixed names
                   f"VALUES ({', '.join(':' + c for c in columns)})")
        batch: list[dict] = []
        for row in rows:
            batch.append(dict(zip(columns, [_sqlite(v) for v in row], strict=True)))
            if len(batch) == 5000:
                self.conn.execute(sql, batch)
                progress(stage, len(batch))
                batch = []
        if batch:
            self.conn.execute(sql, batch)
            progress(stage, len(batch))

    def __exit__(self, exc_type, *_: object) -> None:  # noqa: ANN001
        try:
            (self.tx.commit if exc_type is None else self.tx.rollback)()
        finally:
            self.conn.close()


def _sqlite(value: object) -> object:
    """As the portal's column types store them on SQLite (UTC datetimes without offset)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value
