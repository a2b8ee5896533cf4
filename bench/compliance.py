"""Compliance at the scale of a state, on PostgreSQL: the stored evaluation, the largest agency's dashboard
(first page, filtered page), its whole CSV export, and the statewide summary.

The data: N people in M agencies (the largest holds a tenth of everyone, the rest a long tail), K training
records each, spread over the last four years. The figures are timings of the services the pages call, in
one process (issue 10's load runs add the web stack). Each is printed next to a reference measured in the
same run on the same server: a single-row SELECT by primary key. Bounded: fixed sizes, a fixed number of
repetitions. Loopback only.

    .venv/bin/python -m bench.compliance [--people N] [--agencies M] [--records-per-person K] [--markdown FILE]

With TEST_DATABASE_URL set (a server URL), the generated database is left on that server; ``--database-url``
measures such a database again without generating it.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import secrets
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from learning_portal import migrate
from learning_portal.accounts.models import Agency
from learning_portal.compliance import queries, services
from learning_portal.db import make_engine
from tests import pg
from tests.factories import REAL_CONTENT, load_content

NOW = datetime.now(UTC)
COURSES = (  # (number, title, hours, categories, satisfies)
    ("9999-00101", "Domestic Violence Response Update", 2, {"general": 2}, ["CA-LM-DV-2Y", "CA-CPT-24"]),
    ("9999-00102", "PSP: Strategic Communications", 4, {"strategic_communications": 4}, ["CA-PSP-SC"]),
    ("9999-00103", "Courtroom Testimony", 4, {"general": 4}, ["CA-CPT-24"]),
    ("9999-00104", "Gun Violence Restraining Orders", 1, {"general": 1}, ["CA-CPT-24"]),
    ("9999-00105", "First Aid/CPR/AED Retraining", 8, {"general": 8}, ["CA-LM-FA-2Y", "CA-CPT-24"]),
    ("9999-00106", "Racial & Identity Profiling Update", 2, {"general": 2}, ["CA-LM-RIPA-5Y", "CA-CPT-24"]),
    ("9999-00107", "Vehicle Pursuit Policy Update", 2, {"general": 2}, ["CA-LM-PURSUIT-1Y", "CA-CPT-24"]),
    ("9999-00108", "Arrest & Control (PSP)", 4, {"arrest_control": 4}, ["CA-PSP-AC"]),
    ("9999-00109", "Tactical Firearms (PSP)", 4, {"firearms": 4}, ["CA-PSP-TF"]),
    ("9999-00110", "Driver Training (PSP)", 4, {"driving": 4}, ["CA-PSP-DT"]),
    ("9999-00111", "Use of Force (PSP)", 4, {"use_of_force": 4}, ["CA-PSP-UOF"]),
    ("9999-00112", "Hate Crimes", 2, {"general": 2}, ["CA-LM-HATE-6Y", "CA-CPT-24"]),
    ("9999-00201", "Callers in Crisis", 4, {"general": 4}, ["CA-PSD-CPT"]),
)
ROLES = ["officer"] * 85 + ["dispatcher"] * 10 + ["instructor"] * 3 + ["training_manager"] * 2
RANKS = ["line"] * 75 + ["supervisor"] * 17 + ["middle_management"] * 6 + ["executive"] * 2
ASSIGNMENTS = ["patrol"] * 45 + ["traffic"] * 8 + ["investigations"] * 15 + ["custody"] * 12 + \
    ["field_training"] * 5 + ["administration"] * 8 + ["training"] * 3 + ["other"] * 4


def agency_sizes(people: int, agencies: int) -> list[int]:
    largest = people // 10
    weights = [1 / (i + 1) ** 0.9 for i in range(agencies - 1)]
    rest = people - largest
    sizes = [max(5, int(rest * w / sum(weights))) for w in weights]
    sizes[0] += rest - sum(sizes)  # rounding goes to the second largest
    return [largest, *sizes]


def generate(url: str, people: int, agencies: int, records: int) -> int:
    """Load the state with COPY; returns the largest agency's id (the first)."""
    rng = random.Random(7)
    engine = make_engine(url)
    migrate.upgrade(engine)
    with Session(engine) as session:
        load_content(session, REAL_CONTENT, slugs=())
        session.commit()
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        sizes = agency_sizes(people, agencies)
        with cur.copy("COPY agencies (id, jurisdiction, number, name, created_at) FROM STDIN") as copy:
            for i in range(len(sizes)):
                copy.write_row((i + 1, "CA-POST", f"{i + 1:05d}", f"Agency {i + 1}", NOW))
        cols = ("id, post_id, username, first_name, last_name, role, rank_tier, assignment, is_reserve, is_clerical, "
                "hire_date, promotion_date, assigned_on, agency_id, is_enabled, failed_logins, login_nonce, "
                "created_at, revision")
        pid = 0
        with cur.copy(f"COPY people ({cols}) FROM STDIN") as copy:
            for agency_id, size in enumerate(sizes, 1):
                for _ in range(size):
                    pid += 1
                    rank = rng.choice(RANKS)
                    hire = date(1995, 1, 1) + timedelta(days=rng.randrange(11600))
                    copy.write_row((pid, f"S{pid:07d}", f"s{pid:07d}", "Pat", f"Officer{pid:07d}", rng.choice(ROLES),
                                    rank, rng.choice(ASSIGNMENTS), rng.random() < .05, rng.random() < .03, hire,
                                    hire + timedelta(days=rng.randrange(3000)) if rank != "line" else None,
                                    hire + timedelta(days=rng.randrange(2000)) if rng.random() < .3 else None,
                                    agency_id, True, 0, secrets.token_hex(8), NOW, 0))
        start = date(2023, 1, 1)
        span = (NOW.date() - start).days
        rid = 0
        cols = ("id, person_id, inbound_key, course_number, title, hours, categories, satisfies, completed_on, "
                "source, verification_code, created_at")
        with cur.copy(f"COPY training_records ({cols}) FROM STDIN") as copy:
            for person in range(1, pid + 1):
                for _ in range(records):
                    rid += 1
                    number, title, hours, cats, sat = COURSES[rng.randrange(len(COURSES))]
                    copy.write_row((rid, person, f"bench-{rid}", number, title, hours, json.dumps(cats),
                                    json.dumps(sat), start + timedelta(days=rng.randrange(span)), "forwarded",
                                    f"B{rid:011d}", NOW))
        for table in ("agencies", "people", "training_records"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")  # noqa: S608
        cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
        engine.dispose()
    return 1


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def row(name: str, samples: list[float], ref: float) -> str:
    p50 = statistics.median(samples)
    p99 = max(samples) if len(samples) < 100 else statistics.quantiles(samples, n=100)[98]
    return f"| {name} | {len(samples)} | {p50 * 1000:.1f} | {p99 * 1000:.1f} | {p50 / ref:.0f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--agencies", type=int, default=600)
    parser.add_argument("--records-per-person", type=int, default=50)
    parser.add_argument("--markdown", type=Path)
    parser.add_argument("--database-url", help="a database generated earlier (the sizes must match)")
    args = parser.parse_args()
    with pg.postgres_server() as server:
        url, largest, load_s = args.database_url, 1, float("nan")
        if url is None:
            url = pg.create_database(server, prefix="bench_compliance")
            print(f"Generating {url}")
            t0 = time.perf_counter()
            largest = generate(url, args.people, args.agencies, args.records_per_person)
            load_s = time.perf_counter() - t0
        engine = make_engine(url)
        with Session(engine) as db:
            ref = statistics.median(timed(lambda: db.execute(text("SELECT * FROM people WHERE id = 1")).one(), 200))
            defs = services.definitions(db, "CA-POST")
            all_ids = list(db.scalars(select(Agency.id)))
            t0 = time.perf_counter()
            evaluated = services.ensure_fresh(db, agency_ids=all_ids, defs=defs, now=NOW)
            db.commit()
            eval_s = time.perf_counter() - t0
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))  # what autovacuum does after a mass refresh
            today = defs.today(NOW)

            def dashboard(f: queries.PeopleFilter) -> Callable[[], object]:
                def run() -> None:
                    services.ensure_fresh(db, agency_ids=[largest], defs=defs, now=NOW)
                    queries.agency_summary(db, [largest], defs=defs, today=today)
                    queries.people_page(db, largest, f, defs=defs, today=today, page=1, per_page=50)
                    db.commit()
                return run

            def export() -> None:
                services.ensure_fresh(db, agency_ids=[largest], defs=defs, now=NOW)
                for _ in queries.export_csv(db, largest, queries.PeopleFilter(), defs=defs, today=today):
                    pass

            def statewide() -> None:
                services.ensure_fresh(db, agency_ids=all_ids, defs=defs, now=NOW)
                queries.agency_summary(db, all_ids, defs=defs, today=today)
                queries.agencies_overview(db, "CA-POST", defs=defs, today=today)
                db.commit()

            lines = [
                "| measurement | runs | p50 ms | p99 ms | p50 / reference |", "|---|---:|---:|---:|---:|",
                row("reference: one row by primary key", [ref], ref),
                row("freshness check, largest agency (nothing stale)",
                    timed(lambda: services.ensure_fresh(db, agency_ids=[largest], defs=defs, now=NOW), 20), ref),
                row("dashboard, largest agency: summary + first page", timed(dashboard(queries.PeopleFilter()), 20),
                    ref),
                row("dashboard, filtered: CA-PSP-AC overdue, patrol, by name",
                    timed(dashboard(queries.PeopleFilter(requirement="CA-PSP-AC", status="overdue",
                                                         assignment="patrol", sort="name")), 20), ref),
                row("CSV export of the largest agency (every requirement row)", timed(export, 3), ref),
                row("statewide summary (every agency)", timed(statewide, 5), ref),
            ]
        engine.dispose()
    largest_n = agency_sizes(args.people, args.agencies)[0]
    report = (f"Compliance at scale, PostgreSQL on loopback ({platform.machine()}, {platform.python_implementation()} "
              f"{platform.python_version()}): {args.people} people in {args.agencies} agencies (largest {largest_n}), "
              f"{args.records_per_person} records each.\n\nLoading with COPY: {load_s:.0f} s. First evaluation of "
              f"everyone: {evaluated} people in {eval_s:.0f} s ({evaluated / eval_s:.0f} people/s).\n\n"
              + "\n".join(lines) + "\n")
    print(report)
    if args.markdown:
        args.markdown.write_text(report)


if __name__ == "__main__":
    main()
