"""HTTP load runs against the portal as `make serve` runs it (gunicorn, 2 workers, gthread), on PostgreSQL,
with a statewide data set from `flask demo generate`. Each page is loaded with wrk for a fixed time and
number of connections, next to a reference measured the same way in the same run: a minimal Flask endpoint
that reads one row from the same database, served with the same gunicorn settings.

Signed-in pages use session cookies (signed in through the form, CSRF and all): the officer pages those of 16
enrolled officers in turn; the two POSTs use bearer tokens of 1,500 officers in turn, as many learners would.
Loopback only; bounded in time and size.

    .venv/bin/python -m bench.http [--people N] [--agencies M] [--records-per-person K] [--duration S]
        [--connections C] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.cookiejar import CookieJar
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bench.compliance import generate
from learning_portal.accounts import passwords
from learning_portal.accounts.models import Person, Role
from learning_portal.accounts.services import issue_api_token
from learning_portal.catalog.models import ItemKind
from learning_portal.catalog.queries import get_course
from learning_portal.compliance import services as compliance
from learning_portal.db import make_engine
from learning_portal.demo.generate import agency_sizes
from learning_portal.learning import services as learning
from learning_portal.learning.models import ItemProgress
from learning_portal.media.models import AssetStatus, MediaAsset
from learning_portal.quizzes.models import Quiz
from tests import pg
from tests.net import free_port

NOW = datetime.now(UTC)
PASSWORD = "bench-password-1234"  # noqa: S105 - a throwaway database
GUNICORN = ["-w", "2", "-k", "gthread", "--threads", "4", "--no-control-socket", "--log-level", "warning"]
LEARNERS = 1500  # officers whose tokens take turns on the POSTs (each may submit the quiz three times)
OFFICERS = 16  # officers whose sessions take turns on the officer pages (one learner's rows are not everyone's)


@dataclass
class Result:
    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    app_cpu_ms: float = 0.0  # CPU of the serving processes (gunicorn master and workers) per request
    db_cpu_ms: float = 0.0  # CPU of the PostgreSQL server's processes per request


def _cpu_seconds(root: int) -> float:
    """utime + stime of ``root`` and every process below it, from /proc (exited children are not counted)."""
    parents: dict[int, int] = {}
    times: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = int(fields[11]) + int(fields[12])
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(times.get(pid, 0) for pid in tree) / os.sysconf("SC_CLK_TCK")


def postmaster_pid(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        data = conn.scalar(text("SELECT setting FROM pg_settings WHERE name = 'data_directory'"))
    engine.dispose()
    return int((Path(data) / "postmaster.pid").read_text().split()[0])


def prepare(url: str, largest: int) -> dict:
    """Accounts, tokens and the objects the pages name; a video asset (no files: progress needs its length)."""
    engine = make_engine(url)
    with Session(engine) as db:
        def person(role: Role, agency_id: int | None) -> Person:
            p = db.scalar(select(Person).where(Person.role == role, Person.agency_id == agency_id).limit(1))
            if p is None:  # the administrator: commission staff
                p = Person(post_id="BENCH-ADMIN", username="bench-admin", first_name="Bench", last_name="Admin",
                           role=role, agency_id=None, login_nonce="x" * 16, created_at=NOW)
                db.add(p)
            p.password_hash = passwords.hash_password(PASSWORD)
            return p
        officer, manager, admin = (person(Role.OFFICER, largest), person(Role.TRAINING_MANAGER, largest),
                                   person(Role.ADMINISTRATOR, None))
        db.add(MediaAsset(title="Bench clip", slug="dyk-gvro", original_filename="clip.mp4",
                          status=AssetStatus.READY, progress=100, duration_s=120.0, storage_prefix="videos/bench",
                          is_published=True, created_at=NOW, updated_at=NOW))
        course, version = get_course(db, "did-you-know-series")
        lesson = next(i for i in version.items if i.kind is ItemKind.LESSON)
        video = next(i for i in version.items if i.kind is ItemKind.VIDEO and i.media_slug == "dyk-gvro")
        quiz = db.get(Quiz, next(i for i in version.items if i.kind is ItemKind.QUIZ).id)
        learning.enroll(db, person=officer, course=course, now=NOW)
        learners = list(db.scalars(select(Person).where(Person.role == Role.OFFICER, Person.agency_id == largest)
                                   .limit(LEARNERS)))
        tokens = []
        for p in learners:
            enrollment = learning.open_enrollment(db, person_id=p.id, course_id=course.id)
            if enrollment is None:
                enrollment, _ = learning.enroll(db, person=p, course=course, now=NOW)
            db.flush()
            if db.scalar(select(ItemProgress.id).where(ItemProgress.enrollment_id == enrollment.id,
                                                       ItemProgress.item_id == video.id)) is None:
                db.add(ItemProgress(enrollment_id=enrollment.id, item_id=video.id, started_at=NOW,
                                    session_started_at=NOW - timedelta(hours=1), watched=[]))
            tokens.append(issue_api_token(db, person=p, now=NOW, ttl=timedelta(hours=6))[0])
        wrong = {str(q.id): [next(c.id for c in q.choices if not c.is_correct)] for q in quiz.questions
                 if any(not c.is_correct for c in q.choices)}
        readers = learners[:OFFICERS]  # enrolled, like everyone whose token posts
        for p in readers:
            p.password_hash = officer.password_hash
        ids = dict(slug=course.slug, lesson=lesson.id, video=video.id, quiz=quiz.id, agency=largest,
                   tokens=tokens, wrong_answers=wrong, officers=[p.username for p in readers],
                   users={"manager": manager.username, "admin": admin.username})
        db.commit()
        max_id = db.scalar(text("SELECT max(id) FROM people"))
    engine.dispose()
    return ids | {"max_id": max_id}


def serve(module: str, url: str, port: int, env_extra: dict[str, str], tree: Path | None = None) -> subprocess.Popen:
    """gunicorn serving ``module``; from another source tree (an earlier commit's checkout) when ``tree``."""
    env = os.environ | {"PORTAL_DATABASE_URL": url, "PORTAL_CREDIT_POSTER": "external",
                        "PORTAL_COOKIE_SECURE": "false", "PORTAL_TWO_FACTOR_REQUIRED_ROLES": "[]",
                        "PORTAL_SECRET_KEY": "bench-" + "k" * 40} | env_extra
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    proc = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), *GUNICORN, "-b", f"127.0.0.1:{port}",
                             module], env=env, cwd=tree)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)  # noqa: S310 - loopback
            return proc
        except urllib.error.HTTPError:
            return proc  # it answers (a redirect to sign in is an answer)
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError(f"{module} did not start on port {port}")


def session_cookie(base: str, username: str) -> str:
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login", timeout=10).read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf-token" content="([^"]+)"', page)
    data = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrf_token": token.group(1)})
    opener.open(f"{base}/login", data.encode(), timeout=30).read()
    cookie = next(c for c in jar if c.name == "session")
    return f"session={cookie.value}"


def measured(name: str, url: str, *, server: int, database: int, **options) -> Result:
    """A wrk run with the CPU the server's processes and the database's spent on it."""
    app_before, db_before = _cpu_seconds(server), _cpu_seconds(database)
    result = wrk(name, url, **options)
    app_s, db_s = _cpu_seconds(server) - app_before, _cpu_seconds(database) - db_before
    result.app_cpu_ms = 1000 * app_s / max(result.requests, 1)
    result.db_cpu_ms = 1000 * db_s / max(result.requests, 1)
    return result


def wrk(name: str, url: str, *, duration: int, connections: int, header: str | None = None,
        script: Path | None = None) -> Result:
    cmd = ["wrk", "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{duration}s", "--timeout", "10s",
           "--latency"]
    if header:
        cmd += ["-H", header]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, timeout=duration + 60, check=True).stdout
    def ms(label: str) -> float:
        value, unit = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    return Result(name, float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), ms("50"), ms("99"),
                  requests, errors)


def post_script(path: str, tokens: list[str], body: dict, tmp: Path) -> Path:
    script = tmp / (re.sub(r"\W+", "-", path) + ".lua")
    script.write_text(
        "local tokens = {" + ",".join(json.dumps(t) for t in tokens) + "}\n"
        f"local body = {json.dumps(json.dumps(body))}\n"
        "local n = math.random(#tokens)\n"
        "request = function()\n"
        "  n = n % #tokens + 1\n"
        f"  return wrk.format('POST', {json.dumps(path)}, "
        "{['Authorization'] = 'Bearer ' .. tokens[n], ['Content-Type'] = 'application/json'}, body)\n"
        "end\n")
    return script


def get_script(path: str, cookies: list[str], tmp: Path) -> Path:
    """GETs of ``path`` signed in as each officer in turn."""
    script = tmp / ("get" + re.sub(r"\W+", "-", path) + ".lua")
    script.write_text(
        "local cookies = {" + ",".join(json.dumps(c) for c in cookies) + "}\n"
        "local n = math.random(#cookies)\n"
        "request = function()\n"
        "  n = n % #cookies + 1\n"
        f"  return wrk.format('GET', {json.dumps(path)}, {{['Cookie'] = cookies[n]}})\n"
        "end\n")
    return script


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--agencies", type=int, default=60)
    parser.add_argument("--records-per-person", type=int, default=20)
    parser.add_argument("--duration", type=int, default=8, help="seconds per page")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--markdown", type=Path)
    parser.add_argument("--compare-with", type=Path, metavar="TREE",
                        help="also serve the portal from this source tree (say, `git worktree add` of an earlier "
                             "commit) on the same database, each page measured on both in turn")
    args = parser.parse_args()
    d, c = args.duration, args.connections
    results: list[Result] = []
    with pg.postgres_server() as server, tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        url = pg.create_database(server, prefix="bench_http")
        t0 = time.perf_counter()
        largest = generate(url, args.people, args.agencies, args.records_per_person)
        load_s = time.perf_counter() - t0
        engine = make_engine(url)
        with Session(engine) as db:
            defs = compliance.definitions(db, "CA-POST")
            agency_ids = list(db.scalars(text("SELECT id FROM agencies WHERE jurisdiction = 'CA-POST'")))
            compliance.ensure_fresh(db, agency_ids=agency_ids, defs=defs, now=NOW)
            db.commit()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        engine.dispose()
        ids = prepare(url, largest)
        app_port, ref_port = free_port(), free_port()
        app = serve("wsgi:app", url, app_port, {})
        ref = serve("bench.reference_app:app", url, ref_port, {"REFERENCE_MAX_ID": str(ids["max_id"])})
        old_port = free_port()
        old = serve("wsgi:app", url, old_port, {}, tree=args.compare_with) if args.compare_with else None
        try:
            base = f"http://127.0.0.1:{app_port}"
            cookies = {role: session_cookie(base, name) for role, name in ids["users"].items()}
            manager, admin = (f"Cookie: {cookies[r]}" for r in ("manager", "admin"))
            officers = [session_cookie(base, name) for name in ids["officers"]]

            def officer_page(name: str, path: str) -> tuple[str, str, None, Path]:
                return name, base + path, None, get_script(path, officers, tmp)

            agency = ids["agency"]
            runs = [
                ("reference: one row, minimal Flask", f"http://127.0.0.1:{ref_port}/", None, None),
                officer_page("catalog", "/courses"),
                officer_page("course page", f"/courses/{ids['slug']}"),
                officer_page("lesson page", f"/learn/{ids['slug']}/items/{ids['lesson']}"),
                officer_page("My profile", "/my/profile"),
                officer_page("My compliance", "/compliance/"),
                ("video progress (POST, API)", f"{base}/api/v1/items/{ids['video']}/progress", None,
                 post_script(f"/api/v1/items/{ids['video']}/progress", ids["tokens"],
                             {"watched": [[0, 1]], "position_s": 1}, tmp)),
                ("quiz submission (POST, API)", f"{base}/api/v1/quizzes/{ids['quiz']}/attempts", None,
                 post_script(f"/api/v1/quizzes/{ids['quiz']}/attempts", ids["tokens"],
                             {"answers": ids["wrong_answers"]}, tmp)),
                ("dashboard, largest agency, first page", f"{base}/compliance/agencies/{agency}", manager, None),
                ("dashboard, filtered page",
                 f"{base}/compliance/agencies/{agency}?requirement=CA-PSP-AC&status=overdue&assignment=patrol"
                 "&sort=name", manager, None),
                ("CSV export, largest agency", f"{base}/compliance/agencies/{agency}/export.csv", manager, None),
                ("statewide summary", f"{base}/compliance/state", admin, None),
            ]
            # The manager's targets are about one person's wait: those pages again with a single connection.
            runs += [(f"{name} (1 connection)", target, header, None) for name, target, header, _ in runs
                     if name.startswith(("dashboard", "CSV", "statewide"))]
            database = postmaster_pid(url)
            for name, target, header, script in runs:
                heavy = "CSV" in name or "statewide" in name
                connections = 1 if "1 connection" in name else 2 if heavy else c
                servers = [(name, ref.pid if name.startswith("reference") else app.pid, target)]
                if old is not None and not name.startswith("reference"):  # the same cookies sign in to both
                    servers.append((f"{name} [before]", old.pid, target.replace(f":{app_port}/", f":{old_port}/")))
                for label, pid, where in servers:
                    results.append(measured(label, where, server=pid, database=database,
                                            duration=d * (2 if heavy else 1), connections=connections,
                                            header=header, script=script))  # paths only: both hosts
                    print(f"{label}: {results[-1].rps:.1f} req/s, {results[-1].app_cpu_ms:.2f} ms CPU per request",
                          flush=True)
        finally:
            for proc in (app, ref, old):
                if proc is not None:
                    proc.terminate()
                    proc.wait(timeout=30)
    ref_rps, ref_cpu = results[0].rps, results[0].app_cpu_ms
    largest_n = agency_sizes(args.people, args.agencies)[0]
    lines = ["| page | requests | errors | req/s | p50 ms | p99 ms | req/s ÷ reference | app CPU ms/request | "
             "app CPU ÷ reference | database CPU ms/request |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    lines += [f"| {r.name} | {r.requests} | {r.errors} | {r.rps:.1f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | "
              f"{r.rps / ref_rps:.2f} | {r.app_cpu_ms:.2f} | {r.app_cpu_ms / ref_cpu:.1f} | {r.db_cpu_ms:.2f} |"
              for r in results]
    report = (f"HTTP load, PostgreSQL on loopback ({platform.machine()}, {os.cpu_count()} CPUs, CPython "
              f"{platform.python_version()}); gunicorn {' '.join(GUNICORN)}; wrk 2 threads, {c} connections, {d} s "
              f"per page (CSV export and statewide summary: 2 connections, {2 * d} s; '1 connection': one request "
              f"at a time). Data: {args.people} people "
              f"in {args.agencies} agencies (largest {largest_n}), {args.records_per_person} records each, loaded "
              f"in {load_s:.0f} s. CPU per request: utime + stime from /proc of the serving gunicorn (master and "
              f"workers; the reference's for its row) and of the PostgreSQL server's processes, read before and "
              f"after each run and divided by its requests.\n\n" + "\n".join(lines) + "\n")
    if args.compare_with:
        before = {r.name.removesuffix(" [before]"): r for r in results if r.name.endswith(" [before]")}
        rows = [(r, before[r.name]) for r in results if r.name in before]
        report += ("\n| page | app CPU ms/request before | after | after ÷ before | after ÷ reference | req/s "
                   "after ÷ before |\n|---|---:|---:|---:|---:|---:|\n" + "\n".join(
                       f"| {a.name} | {b.app_cpu_ms:.2f} | {a.app_cpu_ms:.2f} | {a.app_cpu_ms / b.app_cpu_ms:.2f} | "
                       f"{a.app_cpu_ms / ref_cpu:.1f} | {a.rps / b.rps:.2f} |" for a, b in rows) + "\n")
    print(report)
    if args.markdown:
        args.markdown.write_text(report)


if __name__ == "__main__":
    main()
