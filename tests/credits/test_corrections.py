"""Corrections travel: a withdrawal, a dispute's correction and training taken elsewhere reach the receiving
portal through the poster's outbox, after the record they change, once; and reconciliation finds what differs."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from learning_portal.accounts.models import Role
from learning_portal.credits import forwarding, reconciliation, services, worker
from learning_portal.credits.models import ForwardOperation, RecordForward
from learning_portal.media.storage import app_storage
from learning_portal.outbox import OutboxStatus
from learning_portal.records import disputes, external
from learning_portal.records.models import TrainingRecord
from tests.credits.helpers import FakeForwarder, complete_course
from tests.factories import NOW, REAL_CONTENT, load_content, make_agency, make_person


class Receiver(FakeForwarder):
    """Applies what it is sent as a portal would (records by key; withdrawals of known keys), and answers the
    sender's reads one record per page."""

    def __init__(self, failures: int = 0, *, transient: bool = True) -> None:
        super().__init__(failures, transient=transient)
        self.held: dict[str, dict] = {}

    def forward(self, *, idempotency_key: str, payload: dict) -> str:
        super().forward(idempotency_key=idempotency_key, payload=payload)
        if payload.get("operation") == "withdraw":
            assert payload["record_key"] in self.held, "a withdrawal arrived before its record"
            self.held[payload["record_key"]]["withdrawn"] = True
        else:
            self.held.setdefault(idempotency_key, {**payload, "key": idempotency_key, "withdrawn": False})
        return "ok"

    def read_received(self, *, agency: str, after: int):
        rows = list(self.held.values())
        return rows[after:after + 1], (after + 1 if after + 1 < len(rows) else None)


@pytest.fixture
def app(committed_app):
    """Committed as a real portal is: on PostgreSQL the change log shows only transactions that have ended,
    which the suite's usual rolled-back test transaction never does."""
    return committed_app


@pytest.fixture
def db_session(app):
    session = app.extensions["db_sessionmaker"](expire_on_commit=False)
    app.extensions["test_session"] = session
    yield session
    session.close()


@pytest.fixture
def people(db_session):
    load_content(db_session, REAL_CONTENT, slugs=("dv-response-update", "hate-crimes"))
    agency = make_agency(db_session, jurisdiction="CA-POST", number="4711")
    return (agency, make_person(db_session, agency=agency, first_name="Ana"),
            make_person(db_session, role=Role.TRAINING_MANAGER, agency=agency))


def run(app, receiver, now=NOW):
    """One pass of the poster, after the test's own changes are committed (as a request would)."""
    app.extensions["test_session"].commit()
    worker.run_once(app.extensions["db_sessionmaker"], services.PosterSettings(forwarder=receiver), now=lambda: now)
    app.extensions["test_session"].commit()


def test_a_withdrawal_and_its_correction_follow_the_record_once(app, db_session, people):
    agency, ana, manager = people
    receiver = Receiver()
    complete_course(db_session, ana, "dv-response-update", now=NOW)
    run(app, receiver)
    record = db_session.scalar(select(TrainingRecord).where(TrainingRecord.person_id == ana.id))
    dispute = disputes.open_dispute(db_session, None, person=ana, record_id=record.id, reason="One hour only.",
                                    attachment=None, now=NOW)
    disputes.resolve(db_session, actor=manager, dispute=dispute, accept=True, note="Sign-in sheet shows 1 hour.",
                     correction=disputes.Correction(completed_on=record.completed_on, hours=Decimal(1)), now=NOW)
    run(app, receiver)
    run(app, receiver)  # nothing more to send
    kinds = [payload.get("operation", "create") for _, payload in receiver.sent]
    assert kinds == ["create", "create", "withdraw"] or kinds == ["create", "withdraw", "create"]
    withdrawal = next(p for _, p in receiver.sent if p.get("operation") == "withdraw")
    assert withdrawal["record_key"] == receiver.sent[0][0]  # names the record by the key it was sent with
    assert "Sign-in sheet" in withdrawal["reason"]
    correction = next(p for _, p in receiver.sent[1:] if "post_id" in p)
    assert (correction["hours"], correction["source"]) == ("1.00", "correction")
    assert sorted((h["hours"], h["withdrawn"]) for h in receiver.held.values()) == [("1.00", False), ("2.00", True)]


def test_a_withdrawal_waits_until_the_receiver_has_the_record(app, db_session, people):
    agency, ana, manager = people
    receiver = Receiver(failures=1)  # the record's first forwarding fails: the receiver is down
    complete_course(db_session, ana, "dv-response-update", now=NOW)
    run(app, receiver)
    record = db_session.scalar(select(TrainingRecord).where(TrainingRecord.person_id == ana.id))
    dispute = disputes.open_dispute(db_session, None, person=ana, record_id=record.id,
                                    reason="I was not at this training.", attachment=None, now=NOW)
    disputes.resolve(db_session, actor=manager, dispute=dispute, accept=True, note="Wrong person on the roster.",
                     correction=None, now=NOW)
    run(app, receiver)
    run(app, receiver, now=NOW + timedelta(seconds=5))  # the posting is not due again yet: the withdrawal waits
    queued = db_session.scalar(select(RecordForward))
    db_session.refresh(queued)
    assert receiver.sent == [] and (queued.operation, queued.status) == (ForwardOperation.WITHDRAW,
                                                                         OutboxStatus.PENDING)
    run(app, receiver, now=NOW + timedelta(hours=2))  # the creation goes; the withdrawal, held with it, next pass
    run(app, receiver, now=NOW + timedelta(hours=2, minutes=1))
    assert [p.get("operation", "create") for _, p in receiver.sent] == ["create", "withdraw"]
    assert [h["withdrawn"] for h in receiver.held.values()] == [True]


def test_training_taken_elsewhere_is_sent_once_approved(app, db_session, people):
    agency, ana, manager = people
    receiver = Receiver()
    item = external.submit(db_session, app_storage(app), actor=ana, person=ana, proof=external.Proof(
        "cert.pdf", b"%PDF-1.4 certificate"), now=NOW, data=external.Submission(
        kind="elsewhere", title="Tactical Communication", presenter="Regional Academy", completed_on="2026-02-10",
        hours="8", categories={"strategic_communications": "8"}, proof_kind="certificate"))
    run(app, receiver)
    assert receiver.sent == []  # pending review: nothing to send
    external.decide(db_session, actor=manager, item=item, approve=True, comment="", now=NOW)
    run(app, receiver)
    (key, payload), = receiver.sent
    assert (payload["title"], payload["course_number"], payload["source"]) == ("Tactical Communication", "",
                                                                               "external")
    row = db_session.scalar(select(RecordForward))
    db_session.refresh(row)
    assert (row.operation, row.status, row.idempotency_key) == (ForwardOperation.CREATE, OutboxStatus.SENT, key)


def test_reconciliation_reads_every_page_finds_what_differs_and_a_resend_fixes_it(app, db_session, people):
    agency, ana, manager = people
    receiver = Receiver()
    for slug in ("dv-response-update", "hate-crimes"):
        complete_course(db_session, ana, slug, now=NOW)
    run(app, receiver)
    report = reconciliation.compare(db_session, agency, receiver)
    assert (report.ours, report.theirs, report.differences) == (2, 2, [])
    lost_key = receiver.sent[0][0]
    lost = receiver.held.pop(lost_key)  # the receiver lost one (restored from an old backup, say)
    kept = next(iter(receiver.held.values()))
    kept["withdrawn"] = True  # and withdrew another on its own
    receiver.held["their-own-key"] = {**lost, "key": "their-own-key", "withdrawn": False}
    report = reconciliation.compare(db_session, agency, receiver)
    assert sorted(d.problem for d in report.differences) == [
        "Held by the receiving portal, unknown here", "Not held by the receiving portal",
        "Withdrawn there, counted here"]
    missing = next(d for d in report.differences if d.problem.startswith("Not held"))
    assert forwarding.resend_records(db_session, agency_id=agency.id, record_ids={missing.record_id},
                                     now=NOW) == [missing.record_id]
    other_agency = make_agency(db_session)
    assert forwarding.resend_records(db_session, agency_id=other_agency.id, record_ids={missing.record_id},
                                     now=NOW) == []  # only the agency's own records
    db_session.commit()
    run(app, receiver)
    assert receiver.sent[-1][0] == lost_key  # under the key it was first sent with: the receiver keeps it once
    assert lost_key in receiver.held


def test_the_reconciliation_page_says_when_the_receiver_cannot_be_read_and_resends_what_is_ticked(
        app, app_like, db_session, people):
    from tests.net import free_port

    agency, ana, manager = people
    admin = make_person(db_session, role=Role.ADMINISTRATOR)
    complete_course(db_session, ana, "dv-response-update", now=NOW)
    run(app, Receiver())
    record = db_session.scalar(select(TrainingRecord).where(TrainingRecord.person_id == ana.id))
    db_session.commit()

    def browser(app):
        client = app.test_client()
        with client.session_transaction() as cookie:
            cookie["_user_id"], cookie["_fresh"] = admin.get_id(), True
        return client

    alone = browser(app_like()).get(f"/admin/credits/reconciliation?agency_id={agency.id}").get_data(as_text=True)
    assert "forwards records to no other portal" in alone
    down = app_like(RECORDS_FORWARD_URL=f"http://127.0.0.1:{free_port()}/api/v1/records",
                    RECORDS_HMAC_KEY="k" * 32)
    page = browser(down).get(f"/admin/credits/reconciliation?agency_id={agency.id}")
    assert page.status_code == 200 and "could not be read" in page.get_data(as_text=True)
    answer = browser(down).post("/admin/credits/reconciliation/resend",
                                data={"agency_id": agency.id, "record_id": [record.id, 999999]})
    assert answer.status_code == 302
    queued = db_session.scalar(select(RecordForward).where(RecordForward.record_id == record.id))
    assert (queued.operation, queued.status) == (ForwardOperation.CREATE, OutboxStatus.PENDING)


def test_a_record_posted_before_forwarding_and_resent_has_its_withdrawal_follow(app, db_session, people):
    agency, ana, manager = people
    complete_course(db_session, ana, "dv-response-update", now=NOW)
    app.extensions["test_session"].commit()
    worker.run_once(app.extensions["db_sessionmaker"], services.PosterSettings(), now=lambda: NOW)  # no forwarding
    record = db_session.scalar(select(TrainingRecord).where(TrainingRecord.person_id == ana.id))
    receiver = Receiver(failures=1)  # forwarding set up later; the resend's first try fails
    assert forwarding.resend_records(db_session, agency_id=agency.id, record_ids={record.id}, now=NOW) == [record.id]
    dispute = disputes.open_dispute(db_session, None, person=ana, record_id=record.id, attachment=None, now=NOW,
                                    reason="I was on leave that week.")
    disputes.resolve(db_session, actor=manager, dispute=dispute, accept=True, note="Leave records confirm it.",
                     correction=None, now=NOW)
    run(app, receiver)  # the creation fails; the withdrawal is queued and waits for it
    assert receiver.sent == [] and len(db_session.scalars(select(RecordForward)).all()) == 2
    run(app, receiver, now=NOW + timedelta(hours=2))  # the creation goes; the withdrawal, held with it, next pass
    run(app, receiver, now=NOW + timedelta(hours=2, minutes=1))
    assert [p.get("operation", "create") for _, p in receiver.sent] == ["create", "withdraw"]
    assert [h["withdrawn"] for h in receiver.held.values()] == [True]
