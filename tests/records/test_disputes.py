"""Contesting a training record: the person sends a reason and a document, their training manager accepts
(withdrawing the record, maybe writing a corrected one) or rejects it, and every step shows to the person."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from learning_portal.accounts.models import Role
from learning_portal.audit.models import AuditEntry
from learning_portal.compliance import services as compliance
from learning_portal.records.models import RecordSource, TrainingRecord
from learning_portal.records.services import RecordInput, write_record
from tests.factories import NOW, REAL_CONTENT, load_content, make_person

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def setting(db_session):
    load_content(db_session, REAL_CONTENT, slugs=())
    manager = make_person(db_session, role=Role.TRAINING_MANAGER)
    officer = make_person(db_session, agency=manager.agency)
    record, _ = write_record(db_session, inbound_key="dispute-test", now=NOW, data=RecordInput(
        person_id=officer.id, course_number="9999-00103", title="Courtroom Testimony", hours=Decimal(8),
        categories={"general": Decimal(8)}, satisfies=["CA-CPT-24"], completed_on=date(2026, 3, 2),
        source=RecordSource.FORWARDED))
    db_session.flush()
    return manager, officer, record


def contest(client, record, *, reason="I took this course in February, not March.", data=PDF, name="roster.pdf"):
    return client.post(f"/records/{record.id}/dispute", content_type="multipart/form-data",
                       data={"reason": reason, "attachment": (io.BytesIO(data), name)})


def test_a_person_contests_a_record_with_a_document(signed_in, db_session, setting):
    manager, officer, record = setting
    me = signed_in(officer)
    assert b"Contest" in me.get("/my/profile").data
    bad = contest(me, record, data=b"MZ\x90\x00 not a document", name="roster.pdf")
    assert bad.status_code == 422 and b"Attach a PDF, PNG or JPEG" in bad.data
    sent = contest(me, record)
    assert sent.status_code == 302
    profile = me.get("/my/profile").get_data(as_text=True)
    assert "Your disputes" in profile and "Open" in profile and "Contested" in profile
    again = contest(me, record)
    assert again.status_code == 409 and b"already contested" in again.data
    listing = signed_in(manager).get("/disputes").get_data(as_text=True)
    assert officer.sort_name in listing
    dispute_url = sent.headers["Location"]
    document = signed_in(manager).get(f"{dispute_url}/attachment")
    assert document.status_code == 200 and document.data == PDF and document.mimetype == "application/pdf"
    outsider = make_person(db_session, role=Role.TRAINING_MANAGER)  # another agency
    assert signed_in(outsider).get(dispute_url).status_code == 404
    assert signed_in(outsider).get(f"{dispute_url}/attachment").status_code == 404


def test_accepting_with_a_correction_withdraws_the_record_and_writes_the_right_one(signed_in, db_session, setting):
    manager, officer, record = setting
    url = contest(signed_in(officer), record).headers["Location"]
    resolved = signed_in(manager).post(url, data={"outcome": "accept", "note": "The roster shows 2 Feb, 4 hours.",
                                                  "completed_on": "2026-02-02", "hours": "4"})
    assert resolved.status_code == 302
    db_session.expire_all()
    assert record.withdrawn_at is not None and "The roster shows 2 Feb" in record.withdrawn_reason
    corrected = db_session.scalar(select(TrainingRecord).where(TrainingRecord.source == RecordSource.CORRECTION))
    assert (corrected.completed_on, corrected.hours, corrected.categories) == (date(2026, 2, 2), 4,
                                                                               {"general": "4"})
    me = signed_in(officer)
    profile = me.get("/my/profile").get_data(as_text=True)
    assert "Withdrawn" in profile and "Accepted" in profile
    assert me.get(f"/records/{record.id}/certificate.pdf").status_code == 404
    assert b"was withdrawn" in me.get(f"/verify/{record.verification_code}").data
    # Compliance counts the corrected record only, and the stored evaluation agrees with the live one.
    defs = compliance.definitions(db_session, "CA-POST")
    compliance.ensure_fresh(db_session, agency_ids=[officer.agency_id], defs=defs, now=NOW)
    standings, _ = compliance.evaluate_person(db_session, officer, now=NOW)
    cpt = next(s for s in standings if s.requirement.id == "CA-CPT-24")
    assert cpt.finding.hours_done == 4
    actions = db_session.scalars(select(AuditEntry.action).where(AuditEntry.subject_id == officer.id)).all()
    assert "dispute.opened" in actions and "dispute.resolved" in actions


def test_rejecting_keeps_the_record_and_no_one_resolves_their_own(signed_in, db_session, setting):
    manager, officer, record = setting
    url = contest(signed_in(officer), record).headers["Location"]
    own = signed_in(officer).post(url, data={"outcome": "accept", "note": "I agree with myself."})
    assert own.status_code == 200 and record.withdrawn_at is None  # no resolve form for the person
    signed_in(manager).post(url, data={"outcome": "reject", "note": "The roster shows 2 March."})
    db_session.expire_all()
    assert record.withdrawn_at is None
    assert "The roster shows 2 March." in signed_in(officer).get(url).get_data(as_text=True)
