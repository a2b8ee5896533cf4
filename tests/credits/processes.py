"""Portals as real processes for the reliability tests and the benchmarks: a database with many
completions (bulk inserts), poster processes, a receiving portal under gunicorn."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session

from learning_portal import migrate
from learning_portal.accounts.models import Agency, Person, Role
from learning_portal.catalog.queries import get_course
from learning_portal.config import ROOT
from learning_portal.credits.models import CreditPosting, PostingStatus
from learning_portal.db import make_engine
from learning_portal.learning.models import Completion, CompletionSource, Enrollment
from learning_portal.records.models import TrainingRecord
from tests import pg
from tests.factories import load_content
from tests.net import free_port

NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
BIN = Path(sys.executable).parent
HMAC_KEY = "process-test-shared-secret-0123456789"


def portal(server_url: str, people: int, completions: bool) -> tuple[str, Engine]:
    """A migrated database with the test course and ``people`` officers, each with one completion."""
    url = pg.create_database(server_url, prefix="portal_proc")
    engine = make_engine(url)
    migrate.upgrade(engine)
    with Session(engine) as session:
        load_content(session)
        agency = Agency(jurisdiction="ZZ-POST", number="1", name="Process Test Agency", created_at=NOW)
        session.add(agency)
        session.flush()
        session.execute(insert(Person), [
            {"post_id": f"P{i:06d}", "username": f"p{i:06d}", "first_name": "Pat", "last_name": f"Officer{i}",
             "role": Role.OFFICER, "agency_id": agency.id, "login_nonce": secrets.token_hex(8), "created_at": NOW}
            for i in range(people)])
        if completions:
            course, version = get_course(session, "basic-course")
            person_ids = session.scalars(select(Person.id).order_by(Person.id)).all()
            session.execute(insert(Enrollment), [
                {"person_id": pid, "course_id": course.id, "course_version_id": version.id, "enrolled_at": NOW,
                 "completed_at": NOW} for pid in person_ids])
            enrollments = session.execute(select(Enrollment.id, Enrollment.person_id)).all()
            # Roster completions: credited without an online quiz, so the poster's work is the posting itself.
            session.execute(insert(Completion), [
                {"enrollment_id": eid, "person_id": pid, "course_id": course.id, "course_version_id": version.id,
                 "source": CompletionSource.ROSTER, "completed_at": NOW, "note": ""} for eid, pid in enrollments])
        session.commit()
    return url, engine


def env(database_url: str, tmp: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "PORTAL_DATABASE_URL": database_url, "PORTAL_SECRET_KEY": "k" * 40,
            "PORTAL_CREDIT_POSTER": "external", "PORTAL_INSTANCE_PATH": str(tmp),
            "PORTAL_CREDIT_RETRY_BASE_SECONDS": "0.2", "PORTAL_CREDIT_RETRY_CAP_SECONDS": "1",
            "PORTAL_CREDIT_MAX_ATTEMPTS": "1000",
            "PORTAL_CREDIT_SAMPLE_COURSES": "true", **extra}  # the test course is a sample


def start_worker(environment: dict[str, str], *args: str, log: Path | None = None) -> subprocess.Popen:
    """A poster process; its output goes to ``log`` (kept for a failing test) or is collected."""
    output = open(log, "a") if log else subprocess.PIPE  # noqa: SIM115 - closed by stop()
    proc = subprocess.Popen([sys.executable, "-m", "learning_portal.credits.worker", *args], cwd=ROOT,
                            env=environment, stdout=output, stderr=subprocess.STDOUT, text=True)
    proc.log_file = output if log else None  # type: ignore[attr-defined]
    return proc


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
    proc.wait(timeout=30)
    if proc.log_file:  # type: ignore[attr-defined]
        proc.log_file.close()  # type: ignore[attr-defined]


@contextmanager
def receiver_process(environment: dict[str, str], port: int) -> Iterator[subprocess.Popen]:
    proc = subprocess.Popen([str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--no-control-socket",
                             "wsgi:app"], cwd=ROOT, env=environment, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).close()  # noqa: S310
            break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        raise RuntimeError("receiver did not start")
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=20)


def count(engine: Engine, column) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count(column)))


def posted(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count(CreditPosting.id)).where(CreditPosting.status == PostingStatus.POSTED))


def wait_for(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def assert_exactly_once(engine: Engine, n: int, column) -> None:
    with engine.connect() as conn:
        total = conn.scalar(select(func.count(TrainingRecord.id)))
        distinct = conn.scalar(select(func.count(func.distinct(column))))
        people = conn.scalar(select(func.count(func.distinct(TrainingRecord.person_id))))
    assert (total, distinct, people) == (n, n, n)


@dataclass
class ForwardingPair:
    """An agency portal (sender, with completions) forwarding to a commission portal (receiver)."""

    sender_db: Engine
    receiver_db: Engine
    sender_env: dict[str, str]
    receiver_env: dict[str, str]
    port: int

    def dispose(self) -> None:
        self.sender_db.dispose()
        self.receiver_db.dispose()


def forwarding_pair(server_url: str, tmp: Path, n: int, **sender_extra: str) -> ForwardingPair:
    receiver_url, receiver_db = portal(server_url, n, completions=False)
    sender_url, sender_db = portal(server_url, n, completions=True)
    port = free_port()
    return ForwardingPair(
        sender_db, receiver_db,
        env(sender_url, tmp / "sender", PORTAL_RECORDS_HMAC_KEY=HMAC_KEY,
            PORTAL_RECORDS_FORWARD_URL=f"http://127.0.0.1:{port}/api/v1/records", **sender_extra),
        env(receiver_url, tmp / "receiver", PORTAL_RECORDS_HMAC_KEY=HMAC_KEY), port)
