"""Every record right everywhere: an agency portal and the commission's portal as real processes (the agency's
credit poster and the commission's gunicorn), every kind of record and correction, the commission's portal
killed in the middle. At the end both hold the same records, none twice; the change feed replayed from the
start gives the agency's records; and the reconciliation page shows no difference."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from learning_portal import migrate
from learning_portal.accounts.models import Jurisdiction, Person, Role
from learning_portal.catalog.queries import get_course
from learning_portal.clock import utcnow
from learning_portal.credits import rosters
from learning_portal.credits.models import DUE_STATUSES, CreditPosting, RecordForward
from learning_portal.db import make_engine
from learning_portal.media.storage import app_storage
from learning_portal.outbox import OutboxStatus
from learning_portal.records import disputes, external
from learning_portal.records.models import TrainingRecord
from learning_portal.sessions import services as sessions
from learning_portal.sessions.models import SessionKind
from tests import pg
from tests.credits.helpers import complete_course
from tests.credits.processes import HMAC_KEY, env, receiver_process, start_worker, stop, wait_for
from tests.factories import REAL_CONTENT, load_content, make_agency, make_person
from tests.net import free_port
from tests.records.test_changes import replay

pytestmark = pytest.mark.slow

SLUGS = ("dv-response-update", "vehicle-pursuit-policy-update")
OFFICERS = ("Ana", "Ben", "Cleo", "Dev")


@pytest.fixture
def pg_url(request) -> str:
    """On PostgreSQL, as two portals are deployed."""
    if "postgresql" not in os.environ.get("PORTAL_TEST_BACKENDS", "sqlite,postgresql"):
        pytest.skip("PostgreSQL tests turned off with PORTAL_TEST_BACKENDS")
    return request.getfixturevalue("postgres_url")


def seeded(url: str, *, sender: bool) -> dict[str, int]:
    """The same agency and officers (by POST ID) on both portals; the agency's staff on the sender only."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    with Session(engine) as db:
        load_content(db, REAL_CONTENT, slugs=SLUGS)
        agency = make_agency(db, jurisdiction="CA-POST", number="E2E01", name="Central PD")
        ids = {name: make_person(db, agency=agency, first_name=name, post_id=f"E2E{n:04d}").id
               for n, name in enumerate(OFFICERS)}
        ids["agency"] = agency.id
        if sender:
            db.get(Jurisdiction, "CA-POST").roster_review = "agency"  # rosters wait for the manager's approval
            for role in (Role.TRAINING_MANAGER, Role.INSTRUCTOR, Role.ADMINISTRATOR):
                ids[role.value] = make_person(db, role=role, agency=None if role is Role.ADMINISTRATOR
                                              else agency).id
        db.commit()
    engine.dispose()
    return ids


def holdings(engine) -> Counter:
    with engine.connect() as conn:
        return Counter(conn.execute(
            select(Person.post_id, TrainingRecord.course_number, TrainingRecord.completed_on, TrainingRecord.hours,
                   TrainingRecord.cpt_credited, TrainingRecord.withdrawn_at.is_not(None))
            .join(Person, Person.id == TrainingRecord.person_id)).all())


def browser_of(app, person: Person):
    client = app.test_client()
    with client.session_transaction() as cookie:
        cookie["_user_id"], cookie["_fresh"] = person.get_id(), True
    return client


def test_two_portals_hold_the_same_records_after_every_kind_of_change(pg_url, tmp_path, app_on):
    agency_url, commission_url = pg.create_database(pg_url, "agency"), pg.create_database(pg_url, "commission")
    ids, _ = seeded(agency_url, sender=True), seeded(commission_url, sender=False)
    port = free_port()
    forward_url = f"http://127.0.0.1:{port}/api/v1/records"
    agency_app = app_on(agency_url, RECORDS_FORWARD_URL=forward_url, RECORDS_HMAC_KEY=HMAC_KEY)
    commission_env = env(commission_url, tmp_path / "commission", PORTAL_RECORDS_HMAC_KEY=HMAC_KEY)
    poster = start_worker(env(agency_url, tmp_path / "agency", PORTAL_RECORDS_HMAC_KEY=HMAC_KEY,
                              PORTAL_RECORDS_FORWARD_URL=forward_url, PORTAL_CREDIT_FORWARD_TIMEOUT="2"),
                          "--interval", "0.2", log=tmp_path / "poster.log")
    commission_db, agency_db = make_engine(commission_url), make_engine(agency_url)
    db = agency_app.extensions["db_sessionmaker"](expire_on_commit=False)
    ana, ben, cleo, dev = (db.get(Person, ids[name]) for name in OFFICERS)
    manager, instructor = db.get(Person, ids["training_manager"]), db.get(Person, ids["instructor"])
    try:
        with receiver_process(commission_env, port) as first, agency_app.app_context():
            now = utcnow()
            complete_course(db, ana, "dv-response-update", now=now)  # online
            item = external.submit(db, app_storage(agency_app), actor=dev, person=dev, now=now,
                                   proof=external.Proof("cert.pdf", b"%PDF-1.4 certificate of completion"),
                                   data=external.Submission(
                                       kind="elsewhere", title="Tactical Communication",
                                       presenter="Regional Academy",
                                       completed_on=(now - timedelta(days=10)).date().isoformat(), hours="8",
                                       categories={"strategic_communications": "8"}, proof_kind="certificate"))
            external.decide(db, actor=manager, item=item, approve=True, comment="Certificate checked.", now=now)
            ts = sessions.create_session(db, actor=instructor, course=get_course(db, SLUGS[1])[0],
                                         kind=SessionKind.BRIEFING, starts_at=now - timedelta(minutes=5),
                                         location="Briefing room B", agency=ana.agency, now=now)
            sessions.start_check_in(ts, now=now)
            for person in (ana, ben, cleo):
                sessions.add_attendee_by_id(db, ts=ts, actor=instructor, person_id=person.id, now=now)
            assert sessions.submit_roster(db, ts=ts, actor=instructor, now=now).in_review
            sessions.approve_roster(db, ts=ts, actor=manager, now=now)
            db.commit()
            wait_for(lambda: sum(holdings(commission_db).values()) == 5, timeout=120,
                     what="the online, outside and three roster records at the commission")
            first.send_signal(signal.SIGKILL)  # the commission's portal crashes
            first.wait(timeout=10)
        # Corrections made while it is down wait in the agency's outbox.
        with agency_app.app_context():
            now = utcnow()
            rosters.amend_roster(db, ts=ts, actor=manager, person=ben, action="withdraw", now=now,
                                 reason="Ben was on patrol; checked in by mistake.")
            rosters.amend_roster(db, ts=ts, actor=manager, person=dev, action="add", now=now,
                                 reason="Dev signed the paper sheet.")
            online = db.scalar(select(TrainingRecord).where(TrainingRecord.person_id == ana.id,
                                                            TrainingRecord.course_number == "9999-00101"))
            dispute = disputes.open_dispute(db, None, person=ana, record_id=online.id, now=now,
                                            attachment=None, reason="I left after the first hour for a call.")
            disputes.resolve(db, actor=manager, dispute=dispute, accept=True, now=now,
                             note="Supervisor confirms 1.5 h.", correction=disputes.Correction(
                                 completed_on=online.completed_on, hours=Decimal("1.5")))
            db.commit()
        time.sleep(1.0)
        with receiver_process(commission_env, port):
            def settled() -> bool:
                with agency_db.connect() as conn:
                    due = conn.scalar(select(func.count()).where(CreditPosting.status.in_(DUE_STATUSES)))
                    sent = conn.scalar(select(func.count()).where(RecordForward.status == OutboxStatus.SENT))
                return due == 0 and sent == 4 and holdings(commission_db) == holdings(agency_db)
            # 4 changes besides postings: the outside record, the correction and two withdrawals
            wait_for(settled, timeout=180, what="every record and correction at the commission")
            held = holdings(agency_db)
            assert held == holdings(commission_db)
            assert sum(held.values()) == 7 and sum(1 for key in held if key[-1]) == 2  # two withdrawn
            with commission_db.connect() as conn:
                keys = conn.execute(select(func.count(), func.count(func.distinct(TrainingRecord.inbound_key))))
                assert keys.one() == (7, 7)  # none twice

            manager_browser = browser_of(agency_app, manager)
            replayed, _ = replay(manager_browser, ids["agency"], limit=3)
            assert Counter((post_id, number, Decimal(hours), withdrawn) for post_id, number, hours, withdrawn
                           in replayed.values()) == Counter(
                (post_id, number, hours, withdrawn) for post_id, number, _, hours, _, withdrawn in held.elements())

            page = browser_of(agency_app, db.get(Person, ids["administrator"])).get(
                f"/admin/credits/reconciliation?agency_id={ids['agency']}")
            text = page.get_data(as_text=True)
            assert page.status_code == 200, text
            assert "No difference" in text and "7 records should be held there" in text
            assert "it holds 7 from this portal" in text
    finally:
        db.close()
        stop(poster)
        commission_db.dispose()
        agency_db.dispose()
