"""The nightly run (``flask notify run``) for a state, on PostgreSQL: N people in M agencies, a share of them
with an open assignment due within two weeks, and the state's real requirements (December: many owe CPT
hours by the cycle's end).

Measured in one run on one server, side by side:
- the first run (reminders, overdue notices, escalations and digests written) and the same run repeated
  (nothing new to tell: what every later run of the day costs);
- the repeated run again after adding as many people again with nothing due (a quiet jurisdiction): its
  ratio to the first repeat says how the cost grows with head count;
- and after doubling the people with an assignment due: how it grows with the people who have something due.
Bounded: fixed sizes, one run of each. Loopback only.

    .venv/bin/python -m bench.notify [--people N] [--agencies M] [--due-share F] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import platform
import random
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from learning_portal import migrate
from learning_portal.accounts.models import Agency, Jurisdiction, Person
from learning_portal.catalog.models import Course
from learning_portal.compliance import services
from learning_portal.db import make_engine
from learning_portal.demo import generate as demo
from learning_portal.learning.models import AssignmentReason, CourseAssignment
from learning_portal.notices.models import Notification
from learning_portal.reminders import nightly
from tests import pg
from tests.factories import REAL_CONTENT, load_content

NOW = datetime(2026, 12, 7, 18, tzinfo=UTC)  # 10:00 on a Monday in California: the digest goes too


def add_assignments(engine, person_ids: list[int], today: date, seed: int, at: datetime) -> int:
    rng = random.Random(seed)
    with Session(engine) as db:
        course_ids = list(db.scalars(select(Course.id)))
        taken = set(db.scalars(select(CourseAssignment.person_id)))
        rows = [{"person_id": pid, "course_id": rng.choice(course_ids),
                 "due_on": today + timedelta(days=rng.randint(1, 13)), "reason": AssignmentReason.ASSIGNED,
                 "note": "", "assigned_at": at,
                 "changes": []} for pid in person_ids if pid not in taken]
        for start in range(0, len(rows), 5000):
            db.execute(insert(CourseAssignment), rows[start:start + 5000])
        db.commit()
    return len(rows)


def timed_run(factory: sessionmaker, plan: nightly.Schedule, at: datetime = NOW) -> tuple[float, nightly.Report]:
    t0 = time.perf_counter()
    report = nightly.run(factory, now=at, plan=plan)
    return time.perf_counter() - t0, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--agencies", type=int, default=600)
    parser.add_argument("--due-share", type=float, default=0.05)
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args()
    plan = nightly.Schedule()
    with pg.postgres_server() as server:
        url = pg.create_database(server, prefix="bench_notify")
        engine = make_engine(url)
        migrate.upgrade(engine)
        with Session(engine) as db:
            load_content(db, REAL_CONTENT, slugs=None)
            db.add(Jurisdiction(code="ZZ-QUIET", name="A jurisdiction with nothing mandated", cycle_months=24,
                                cycle_anchor=date(2025, 1, 1), timezone="America/Los_Angeles", updated_at=NOW))
            db.commit()
        t0 = time.perf_counter()
        demo.generate(engine, demo.Sizes(args.people, args.agencies, 10), now=NOW)
        with Session(engine) as db:
            defs = services.definitions(db, "CA-POST")
            services.ensure_fresh(db, agency_ids=list(db.scalars(select(Agency.id))), defs=defs, now=NOW)
            db.commit()
            people = list(db.scalars(select(Person.id).order_by(Person.id)))
            today = defs.today(NOW)
        setup_s = time.perf_counter() - t0
        rng = random.Random(3)
        rng.shuffle(people)
        first_due = people[:int(len(people) * args.due_share)]
        assigned = add_assignments(engine, first_due, today, seed=1, at=NOW - timedelta(days=20))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        factory = sessionmaker(engine, expire_on_commit=False)
        first = timed_run(factory, plan)
        repeat = timed_run(factory, plan)

        demo.generate(engine, demo.Sizes(args.people, args.agencies, 0), jurisdiction="ZZ-QUIET", now=NOW)
        nightly.run(factory, now=NOW, plan=plan)  # their first evaluation (once per person, not nightly)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        doubled = timed_run(factory, plan)

        # assigned during the day, after the runs so far; the next run tells them
        more = add_assignments(engine, people[len(first_due):2 * len(first_due)], today, seed=2,
                               at=NOW + timedelta(minutes=30))
        later = NOW + timedelta(hours=1)
        more_first = timed_run(factory, plan, later)
        more_repeat = timed_run(factory, plan, later + timedelta(minutes=5))
        with Session(engine) as db:
            total_notices = db.scalar(select(func.count()).select_from(Notification))
        engine.dispose()

    def kinds(report: nightly.Report) -> str:
        return ", ".join(f"{n} {k}" for k, n in sorted(report.notices.items()))

    def line(name: str, took: tuple[float, nightly.Report]) -> str:
        seconds, rep = took
        notices_s = seconds - rep.refresh_seconds
        return (f"| {name} | {seconds:.1f} | {seconds / repeat[0]:.2f} | {rep.refresh_seconds:.1f} | {notices_s:.1f} | "
                f"{notices_s / (repeat[0] - repeat[1].refresh_seconds):.2f} |")

    lines = [
        "| run | seconds | ratio to the repeated run | of which the freshness check (compliance) | the rest "
        "(rules, notices) | its ratio |", "|---|---:|---:|---:|---:|---:|",
        line(f"first run: {args.people} people, {assigned} with an assignment due", first),
        line("the same run repeated (nothing new to tell)", repeat),
        line(f"repeated with {args.people} more people, nothing due", doubled),
        line(f"first run after {more} more assignments due", more_first),
        line("that run repeated", more_repeat),
    ]
    report = (f"The nightly run on PostgreSQL on loopback ({platform.machine()}, {platform.python_implementation()} "
              f"{platform.python_version()}): {args.people} people in {args.agencies} agencies of CA-POST (real "
              f"requirements, 10 records each), as of {NOW:%Y-%m-%d %H:%M} UTC. Setup (COPY and the first "
              f"evaluation of everyone, not part of the nightly cost): {setup_s:.0f} s.\n\n"
              + "\n".join(lines)
              + f"\n\nThe first run wrote {kinds(first[1])}; after more assignments, {kinds(more_first[1])}. "
                f"{total_notices} notices in all.\n")
    print(report)
    if args.markdown:
        args.markdown.write_text(report)


if __name__ == "__main__":
    main()
