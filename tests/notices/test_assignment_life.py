"""An assignment's whole life told by e-mail, as operators run the portal: the clock moves from assigning to a
reminder, another, overdue with its escalation, and completion; the mail worker is a real process, killed
and started again between the steps, sending through the SMTP server process. Every message arrives once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from learning_portal import migrate
from learning_portal.accounts.models import Role
from learning_portal.catalog.models import CourseVersion
from learning_portal.catalog.queries import get_course
from learning_portal.compliance import services as compliance
from learning_portal.config import ROOT
from learning_portal.db import make_engine
from learning_portal.formatting import human_date
from learning_portal.learning import services as learning
from learning_portal.mail.models import OutgoingMail
from learning_portal.notices import services as notices
from learning_portal.notices.models import Notification
from learning_portal.outbox import DUE_STATUSES
from learning_portal.reminders import nightly
from tests import pg
from tests.factories import load_content, make_agency, make_jurisdiction, make_person

pytestmark = pytest.mark.slow
UTC_16H = timedelta(hours=16)  # 08:00 in California: the same local day as the UTC date


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    if request.param not in os.environ.get("PORTAL_TEST_BACKENDS", "sqlite,postgresql"):
        pytest.skip(f"{request.param} tests turned off with PORTAL_TEST_BACKENDS")
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'portal.db'}"
    return pg.create_database(request.getfixturevalue("postgres_url"))


class MailWorker:
    """``portal-mail-worker`` as a process, polling; killed with SIGKILL as a crash would."""

    def __init__(self, url: str, smtp_url: str, instance: str) -> None:
        self.env = {**os.environ, "PORTAL_DATABASE_URL": url, "PORTAL_SECRET_KEY": "k" * 40,
                    "PORTAL_INSTANCE_PATH": instance, "PORTAL_SMTP_URL": smtp_url}
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with open(Path(self.env["PORTAL_INSTANCE_PATH"]) / "mail-worker.log", "ab") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "learning_portal.mail.worker", "--interval", "0.2"],
                                            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


def _drained(factory: sessionmaker, smtp, expected: int, timeout: float = 60) -> list:
    """Wait until the SMTP server holds ``expected`` messages and nothing is left to send."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with factory() as session:
            waiting = session.scalar(select(Notification.id).where(Notification.email_state == "pending").limit(1))
            due = session.scalar(select(OutgoingMail.id).where(OutgoingMail.status.in_(DUE_STATUSES)).limit(1))
        received = smtp.messages()
        if waiting is None and due is None and len(received) >= expected:
            return received
        time.sleep(0.2)
    raise AssertionError(f"the worker did not deliver {expected} messages in {timeout} s: {len(smtp.messages())}")


def test_assigned_reminded_overdue_escalated_completed_each_told_once(database_url, tmp_path, smtp, monkeypatch):
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    factory = sessionmaker(engine, expire_on_commit=False)
    start = datetime(2026, 3, 2, tzinfo=UTC) + UTC_16H  # a Monday
    due = date(2026, 3, 12)
    with factory() as session:
        make_jurisdiction(session, "ZZ-TEST")  # California's zone; no mandated requirements, only the assignment
        load_content(session)
        agency = make_agency(session, jurisdiction="ZZ-TEST", name="Harbor PD")
        manager = make_person(session, role=Role.TRAINING_MANAGER, agency=agency, first_name="Mo",
                              email="manager@harbor.test")
        officer = make_person(session, agency=agency, first_name="Ana", email="ana@harbor.test")
        course, version = get_course(session, "basic-course")
        compliance.assign_course(session, actor=manager, agency=agency, person_ids=[officer.id],
                                 course_slug="basic-course", due_on=due, note="Before the audit", now=start)
        session.commit()
        officer_id, manager_id, version_id, agency_id = officer.id, manager.id, version.id, agency.id
    plan = nightly.Schedule(assignment_days=(14, 3))
    worker = MailWorker(database_url, smtp.url, str(tmp_path))

    worker.start()  # 1. assigned
    got = _drained(factory, smtp, 1)
    worker.kill()
    assert [m["Subject"] for m in got] == [f"Assigned: {version.title} · Learning Portal"]

    nightly.run(factory, now=start + timedelta(days=1), plan=plan)  # 2. the 14-day reminder (9 days left)
    nightly.run(factory, now=start + timedelta(days=1, hours=3), plan=plan)  # run again: nothing new
    worker.start()
    _drained(factory, smtp, 3)  # the reminder, and the manager's digest of the week (it is past Monday)
    worker.kill()

    nightly.run(factory, now=start + timedelta(days=8), plan=plan)  # 3. the 3-day reminder (2 days left)
    worker.start()
    _drained(factory, smtp, 5)  # and the digest of the new week
    worker.kill()

    # 4. overdue the day after the due date, where the officer is. The first run dies after telling the
    # officer and before escalating: its transaction is lost whole, and the next run does both, once.
    real_send, calls = notices.send, []

    def dies_on_escalation(session, planned, *, now):
        calls.append([n.kind for n in planned])
        if any(n.kind == "escalation" for n in planned):
            raise RuntimeError("killed")
        return real_send(session, planned, now=now)

    monkeypatch.setattr(nightly.notices, "send", dies_on_escalation)
    nightly.run(factory, now=datetime(2026, 3, 13, 6, 30, tzinfo=UTC), plan=plan)  # 23:30 on the 12th there
    with factory() as session:
        assert session.scalar(select(Notification.id).where(Notification.kind == "overdue")) is None
    overdue_at = datetime(2026, 3, 13, 7, 30, tzinfo=UTC)  # 00:30 on the 13th in California (PDT)
    died = nightly.run(factory, now=overdue_at, plan=plan)
    assert died.failed == [agency_id] and sum(died.notices.values()) == 0  # nothing kept, nothing counted
    monkeypatch.setattr(nightly.notices, "send", real_send)
    with factory() as session:
        assert session.scalar(select(Notification.id).where(Notification.kind == "overdue")) is None
    nightly.run(factory, now=overdue_at, plan=plan)
    nightly.run(factory, now=overdue_at + timedelta(hours=1), plan=plan)
    worker.start()
    _drained(factory, smtp, 7)
    worker.kill()

    with factory() as session:  # 5. completed: the credit decision is told too; nothing more about it after
        learning.record_roster_completion(session, person_id=officer_id, version=session.get(CourseVersion, version_id),
                                          completed_at=overdue_at + timedelta(days=1), note="make-up", now=overdue_at)
        session.commit()
    nightly.run(factory, now=overdue_at + timedelta(days=2), plan=plan)
    credits = subprocess.run([sys.executable, "-m", "learning_portal.credits.worker", "--once"], cwd=ROOT,
                             env=worker.env, capture_output=True, text=True, timeout=120)
    assert credits.returncode == 0, credits.stderr
    worker.start()
    received = _drained(factory, smtp, 8)
    time.sleep(1)  # anything extra would arrive now
    worker.kill()

    received = smtp.messages()
    title = version.title
    expected = sorted([
        ("ana@harbor.test", f"Assigned: {title}"),
        ("ana@harbor.test", f"Due on {_human(due)}: {title}"),
        ("ana@harbor.test", f"Due on {_human(due)}: {title}"),
        ("manager@harbor.test", "Weekly digest: Harbor PD"),
        ("manager@harbor.test", "Weekly digest: Harbor PD"),
        ("ana@harbor.test", f"Overdue: {title}"),
        ("manager@harbor.test", "1 person of your agency became overdue"),
    ])
    got = sorted((m["To"], m["Subject"].removesuffix(" · Learning Portal")) for m in received)
    credit = [g for g in got if g[1].endswith(title) and g[1].split(":")[0] in ("Credit posted", "Recorded",
                                                                                "No credit")]
    assert len(credit) == 1, got  # the completion's credit decision, once
    assert sorted(g for g in got if g not in credit) == expected
    assert len({m["Message-ID"] for m in received}) == len(received)  # each message once
    reminder = next(m for m in received if m["Subject"].startswith("Due on"))
    assert "/courses/basic-course" in reminder.get_body(("plain",)).get_content()
    with factory() as session:
        kinds = sorted(session.scalars(select(Notification.kind).where(Notification.person_id.in_(
            [officer_id, manager_id]))))
    assert kinds.count("assignment_due") == 2 and kinds.count("overdue") == 1 and kinds.count("escalation") == 1
    engine.dispose()


def _human(day: date) -> str:
    return human_date(day)


def test_two_nightly_runs_at_once_tell_each_event_once(tmp_path, request):
    if "postgresql" not in os.environ.get("PORTAL_TEST_BACKENDS", "sqlite,postgresql"):
        pytest.skip("PostgreSQL tests turned off with PORTAL_TEST_BACKENDS")
    engine = make_engine(pg.create_database(request.getfixturevalue("postgres_url")))
    migrate.upgrade(engine)
    factory = sessionmaker(engine, expire_on_commit=False)
    at = datetime(2026, 3, 10, 17, tzinfo=UTC)
    with factory() as session:
        make_jurisdiction(session, "ZZ-TEST")
        load_content(session)
        agencies = [make_agency(session, jurisdiction="ZZ-TEST") for _ in range(6)]
        for agency in agencies:
            manager = make_person(session, role=Role.TRAINING_MANAGER, agency=agency)
            people = [make_person(session, agency=agency) for _ in range(20)]
            compliance.assign_course(session, actor=manager, agency=agency, person_ids=[p.id for p in people],
                                     course_slug="basic-course", due_on=date(2026, 3, 11), note="", now=at)
        session.commit()
    reports, errors = [], []

    def one() -> None:
        try:
            reports.append(nightly.run(factory, now=at, plan=nightly.Schedule()))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    due = [r.notices["assignment_due"] for r in reports]
    assert sum(due) == 120, due  # each reminder once, whichever run wrote it
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Notification)
                              .where(Notification.kind == "assignment_due")) == 120
        assert session.scalar(select(func.count()).select_from(Notification)
                              .where(Notification.kind == "digest")) == 6
    engine.dispose()
