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
import platform
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from learning_portal import migrate
from learning_portal.accounts.models import Agency
from learning_portal.compliance import queries, services
from learning_portal.db import make_engine
from learning_portal.demo import generate as demo
from tests import pg
from tests.factories import REAL_CONTENT, load_content

NOW = datetime.now(UTC)
def generate(url: str, people: int, agencies: int, records: int) -> int:
    """Load the state (`flask demo generate`'s generator, COPY); returns the largest agency's id."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    with Session(engine) as session:
        load_content(session, REAL_CONTENT, slugs=None)
        session.commit()
    ids = demo.generate(engine, demo.Sizes(people, agencies, records), now=NOW)
    engine.dispose()
    return ids[0]


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
                    summary = queries.agency_summary(db, [largest], defs=defs, today=today)
                    queries.people_page(db, largest, f, defs=defs, today=today, page=1, per_page=50, summary=summary)
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
                row("its summary counted afresh (the first view after a change)",
                    timed(lambda: queries.count_summary(db, [largest], defs=defs, today=today), 20), ref),
                row("dashboard, filtered: CA-PSP-AC overdue, patrol, by name",
                    timed(dashboard(queries.PeopleFilter(requirement="CA-PSP-AC", status="overdue",
                                                         assignment="patrol", sort="name")), 20), ref),
                row("CSV export of the largest agency (every requirement row)", timed(export, 3), ref),
                row("statewide summary (every agency)", timed(statewide, 5), ref),
            ]
        engine.dispose()
    largest_n = demo.agency_sizes(args.people, args.agencies)[0]
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
