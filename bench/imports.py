"""An agency's first day, on PostgreSQL: its people CSV and its training-history CSV, N rows each, imported
through the services the pages and the API call (preview, then write), with the progress the import reports.

Each figure is printed next to a reference measured in the same run on the same server: inserting the same
rows with one plain multi-row INSERT per 1,000 (no checks, no history, no audit), so the ratio says what the
checking and the bookkeeping cost. Bounded: one agency, fixed sizes, one run of each. Loopback only.

    .venv/bin/python -m bench.imports [--rows N] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import platform
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from learning_portal import migrate
from learning_portal.accounts.models import Agency, Role
from learning_portal.accounts.people_import import import_people
from learning_portal.db import make_engine
from learning_portal.records.history import import_history
from tests import pg
from tests.factories import make_person

NOW = datetime.now(UTC)


def people_csv(n: int) -> bytes:
    lines = ["post_id,first_name,last_name,email,role,assignment,hire_date,jurisdiction,agency_number"]
    lines += [f"BI{i:07d},First{i},Last{i},person{i}@example.test,officer,patrol,2015-03-02,CA-POST,90001"
              for i in range(n)]
    return ("\n".join(lines) + "\n").encode()


def history_csv(n: int) -> bytes:
    lines = ["post_id,course_number,title,completed_on,hours,categories"]
    start = date(2024, 1, 1)
    lines += [f"BI{i:07d},1234-{i % 90000 + 10000:05d},Course {i % 500},{start + timedelta(days=i % 700)},4,"
              for i in range(n)]
    return ("\n".join(lines) + "\n").encode()


def reference_insert(db: Session, n: int, agency_id: int) -> float:
    """The floor: the same number of rows, inserted without any checking (then removed)."""
    rows = [{"p": f"REF{i:07d}", "u": f"ref{i}", "n": f"Ref{i}", "a": agency_id} for i in range(n)]
    t0 = time.perf_counter()
    for start in range(0, n, 1000):
        db.execute(text("INSERT INTO people (post_id, username, first_name, last_name, role, rank_tier, assignment,"
                        " is_reserve, is_clerical, is_enabled, failed_logins, login_nonce, created_at, revision,"
                        " roles_held, assignments_held, agency_id) VALUES (:p, :u, :n, :n, 'officer', 'line', 'patrol',"
                        " false, false, true, 0, 'x', now(), 0, '{}', '{}', :a)"), rows[start:start + 1000])
    elapsed = time.perf_counter() - t0
    db.rollback()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args()
    n = args.rows
    with pg.postgres_server() as server:
        url = pg.create_database(server, prefix="bench_imports")
        engine = make_engine(url)
        migrate.upgrade(engine)
        with Session(engine) as db:
            agency = Agency(jurisdiction="CA-POST", number="90001", name="Bench PD", created_at=NOW)
            db.add(agency)
            db.flush()
            admin = make_person(db, role=Role.ADMINISTRATOR)
            db.commit()
            reference = reference_insert(db, n, agency.id)
            people, history = people_csv(n), history_csv(n)
            marks: list[tuple[int, float]] = []
            t0 = time.perf_counter()
            plan = import_people(db, actor=admin, data=people, now=NOW, dry_run=True)
            preview_s = time.perf_counter() - t0
            db.rollback()
            t0 = time.perf_counter()
            import_people(db, actor=admin, data=people, now=NOW,
                          progress=lambda done, total: marks.append((done, time.perf_counter() - t0)))
            db.commit()
            people_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            again = import_people(db, actor=admin, data=people, now=NOW, dry_run=True)
            again_s = time.perf_counter() - t0
            db.rollback()
            t0 = time.perf_counter()
            report = import_history(db, actor=admin, agency=agency, data=history, now=NOW,
                                    max_hours=Decimal(120), dry_run=False)
            db.commit()
            history_s = time.perf_counter() - t0
            assert plan.counts["create"] == n and again.counts["unchanged"] == n and report.added == n
            assert db.scalar(text("SELECT count(*) FROM people WHERE post_id LIKE 'BI%'")) == n
        engine.dispose()
    steps = ", ".join(f"{done:,} at {at:.1f} s" for done, at in marks[:: max(1, len(marks) // 5)])
    lines = [f"| import of {n:,} rows | seconds | rows/s | / reference |", "|---|---:|---:|---:|",
             f"| reference: plain INSERT of {n:,} people rows, no checks | {reference:.1f} | {n / reference:,.0f} "
             "| 1 |"]
    for name, seconds in (("people CSV, preview (every row checked, nothing written)", preview_s),
                          ("people CSV, written (people, history, memberships, audit)", people_s),
                          ("the same file again (all unchanged)", again_s),
                          ("training history CSV, written (one record per person)", history_s)):
        lines.append(f"| {name} | {seconds:.1f} | {n / seconds:,.0f} | {seconds / reference:.1f} |")
    text_ = (f"Imports on PostgreSQL on loopback ({platform.machine()}, {platform.python_implementation()} "
             f"{platform.python_version()}), one agency, {n:,} rows per file.\n\n" + "\n".join(lines)
             + f"\n\nProgress reported while writing the people: {steps}.\n")
    print(text_)
    if args.markdown:
        args.markdown.write_text(text_)


if __name__ == "__main__":
    main()
