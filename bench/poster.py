"""Credit poster throughput on PostgreSQL: records per second, local and forwarded, 1 and 2 workers.

Each figure is printed next to a reference measured in the same run on the same database server:
single-row INSERT + COMMIT transactions from one process (what one posting's durable write costs at
the least). Bounded: fixed numbers of postings and a timeout per run. Loopback only.

    .venv/bin/python -m bench.poster [--local N] [--forwarded N] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, select, text

from learning_portal.credits.models import CreditPosting
from learning_portal.db import make_engine
from tests import pg
from tests.credits.processes import (
    env,
    forwarding_pair,
    portal,
    posted,
    receiver_process,
    start_worker,
    stop,
    wait_for,
)

TIMEOUT_S = 300


@dataclass
class Result:
    name: str
    records: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.records / self.seconds


def reference(engine: Engine, n: int) -> Result:
    with engine.connect() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS bench_ref (id serial primary key, body text)"))
        conn.commit()
        start = time.perf_counter()
        for i in range(n):
            conn.execute(text("INSERT INTO bench_ref (body) VALUES (:b)"), {"b": f"row {i}"})
            conn.commit()
        return Result("reference: 1-row INSERT+COMMIT, 1 process", n, time.perf_counter() - start)


def posting_span(engine: Engine) -> float:
    """Seconds from the first posting's creation to the last one's posting (start-up excluded)."""
    with engine.connect() as conn:
        first, last = conn.execute(select(func.min(CreditPosting.created_at), func.max(CreditPosting.posted_at))).one()
    return max((last - first).total_seconds(), 1e-3)


def run_local(server: str, tmp: Path, n: int, workers: int) -> Result:
    url, engine = portal(server, n, completions=True)
    procs = [start_worker(env(url, tmp), "--once", log=tmp / f"local-{workers}.log") for _ in range(workers)]
    wait_for(lambda: posted(engine) == n, timeout=TIMEOUT_S, what="local postings")
    for proc in procs:
        stop(proc)
    result = Result(f"local profile, {workers} worker{'s' if workers > 1 else ''}", n, posting_span(engine))
    engine.dispose()
    return result


def run_forwarded(server: str, tmp: Path, n: int, workers: int) -> Result:
    pair = forwarding_pair(server, tmp, n)
    with receiver_process(pair.receiver_env, pair.port):
        procs = [start_worker(pair.sender_env, "--once", log=tmp / f"fwd-{workers}.log") for _ in range(workers)]
        wait_for(lambda: posted(pair.sender_db) == n, timeout=TIMEOUT_S, what="forwarded postings")
        for proc in procs:
            stop(proc)
    result = Result(f"forwarded to a receiving portal, {workers} worker{'s' if workers > 1 else ''}", n,
                    posting_span(pair.sender_db))
    pair.dispose()
    return result


def table(results: list[Result], ref: Result) -> str:
    lines = ["| measurement | records | seconds | records/s | ratio to reference |",
             "|---|---:|---:|---:|---:|",
             f"| {ref.name} | {ref.records} | {ref.seconds:.2f} | {ref.rate:.0f} | 1.00 |"]
    lines += [f"| {r.name} | {r.records} | {r.seconds:.2f} | {r.rate:.0f} | {r.rate / ref.rate:.2f} |"
              for r in results]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--local", type=int, default=4000, help="postings per local run (default 4000)")
    parser.add_argument("--forwarded", type=int, default=1000, help="postings per forwarded run (default 1000)")
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    args = parser.parse_args()
    with pg.postgres_server() as server, tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        ref_url = pg.create_database(server, prefix="bench_ref")
        ref_engine = make_engine(ref_url)
        ref = reference(ref_engine, 2000)
        ref_engine.dispose()
        results = [run_local(server, tmp, args.local, 1), run_local(server, tmp, args.local, 2),
                   run_forwarded(server, tmp, args.forwarded, 1), run_forwarded(server, tmp, args.forwarded, 2)]
    report = (f"Credit poster throughput, PostgreSQL on loopback ({platform.machine()}, "
              f"{platform.python_implementation()} {platform.python_version()}); batches of 50 postings per "
              f"transaction; receiver: gunicorn, 2 sync workers.\n\n{table(results, ref)}\n")
    print(report)
    if args.markdown:
        args.markdown.write_text(report)


if __name__ == "__main__":
    main()
