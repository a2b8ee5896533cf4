"""Training taken elsewhere: submitted with its proof, approved or returned by the training manager, counted for
compliance, and CPT as the jurisdiction's rule says; a missing record reported the same way."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from learning_portal.clock import utcnow
from learning_portal.compliance import services as compliance
from learning_portal.errors import PermissionDeniedError, ValidationError
from learning_portal.media.storage import app_storage
from learning_portal.records import external
from learning_portal.records.models import ExternalStatus, ExternalTraining, RecordSource, TrainingRecord

PDF = b"%PDF-1.4 a certificate of completion"


def training(**changes) -> external.Submission:
    values = dict(kind="elsewhere", title="Tactical Communication", presenter="Regional Academy",
                  course_number="", completed_on=(utcnow() - timedelta(days=20)).date().isoformat(), hours="8",
                  categories={"strategic_communications": "8"}, proof_kind="certificate")
    return external.Submission(**{**values, **changes})


def test_submitted_returned_resubmitted_approved_and_counted(app, db_session, world):
    storage, now = app_storage(app), utcnow()
    item = external.submit(db_session, storage, actor=world.ana, person=world.ana, data=training(),
                           proof=external.Proof("cert.pdf", PDF), now=now)
    assert item.status is ExternalStatus.PENDING and storage.read(item.proof_key) == PDF
    with pytest.raises(PermissionDeniedError):
        external.decide(db_session, actor=world.ana, item=item, approve=True, comment="", now=now)
    with pytest.raises(ValidationError):
        external.decide(db_session, actor=world.manager, item=item, approve=False, comment="", now=now)
    external.decide(db_session, actor=world.manager, item=item, approve=False, now=now,
                    comment="The certificate's date is unreadable; attach a clearer copy.")
    assert item.status is ExternalStatus.RETURNED
    external.submit(db_session, storage, actor=world.ana, person=world.ana, data=training(), resubmitting=item,
                    proof=external.Proof("clearer.pdf", PDF + b" clearer"), now=now)
    assert item.status is ExternalStatus.PENDING and item.proof_name == "clearer.pdf"
    external.decide(db_session, actor=world.manager, item=item, approve=True, comment="", now=now)
    record = db_session.get(TrainingRecord, item.record_id)
    assert (record.source, record.hours, record.cpt_credited) == (RecordSource.EXTERNAL, Decimal(8), True)
    assert "certificate of completion counts toward CPT (Commission Regulation 1060)" in item.cpt_reason
    standings, _ = compliance.evaluate_person(db_session, world.ana, now=now)
    cpt = next(s for s in standings if s.requirement.id == "CA-CPT-24")
    assert cpt.finding.hours_done >= Decimal(8)  # the approved hours count


def test_cpt_follows_the_jurisdiction_s_rule(app, db_session, world):
    storage, now = app_storage(app), utcnow()
    other = external.submit(db_session, storage, actor=world.manager, person=world.ben,
                            data=training(proof_kind="other"), proof=external.Proof("roster.png",
                                                                                      b"\x89PNG\r\n\x1a\nxx"), now=now)
    external.decide(db_session, actor=world.manager, item=other, approve=True, comment="", now=now)
    assert other.cpt_credited is False and "Recorded for the mandates only" in other.cpt_reason
    colorado = external.submit(db_session, storage, actor=world.cody, person=world.cody,
                               data=training(course_number="4321-00042"), proof=external.Proof("c.pdf", PDF), now=now)
    external.decide(db_session, actor=world.admin, item=colorado, approve=True, comment="", now=now)
    assert colorado.cpt_credited is True and "certified course (4321-00042)" in colorado.cpt_reason


def test_a_certified_course_taken_after_its_certification_ended_earns_no_cpt(app, db_session, world):
    from learning_portal.certification.models import (
        CertificationRequest,
        Delivery,
        Presenter,
        RequestKind,
        RequestState,
    )

    storage, now = app_storage(app), utcnow()
    presenter = Presenter(number="4322", name="Regional Academy", jurisdiction="CO-POST")
    db_session.add(presenter)
    db_session.flush()
    db_session.add(CertificationRequest(  # certified here, through 40 days ago
        presenter_id=presenter.id, kind=RequestKind.NEW, title="Tactical Communication", delivery=Delivery.CLASSROOM,
        total_hours=Decimal(8), topics=[], categories=[], requirements=[], instructors=[],
        starts_on=(now - timedelta(days=400)).date(), state=RequestState.CERTIFIED, course_number="4322-00042",
        expires_on=(now - timedelta(days=40)).date(), created_at=now, state_since=now))
    late = external.submit(db_session, storage, actor=world.cody, person=world.cody,
                           data=training(course_number="4322-00042"), proof=external.Proof("c.pdf", PDF), now=now)
    external.decide(db_session, actor=world.admin, item=late, approve=True, comment="", now=now)
    assert late.cpt_credited is False
    assert "the certification of 4322-00042 ended on" in late.cpt_reason
    assert db_session.get(TrainingRecord, late.record_id).cpt_credited is False


@pytest.mark.parametrize(("changes", "proof", "field"), [
    ({}, None, "proof"),
    ({}, b"just text", "proof"),
    ({}, PDF + b"x" * external.MAX_PROOF_BYTES, "proof"),
    ({"completed_on": (utcnow() + timedelta(days=3)).date().isoformat()}, PDF, "completed_on"),
    ({"hours": "0.3"}, PDF, "hours"),
    ({"categories": {"firearms": "9"}}, PDF, "categories"),
    ({"course_number": "12345"}, PDF, "course_number"),
    ({"proof_kind": ""}, PDF, "proof_kind"),
])
def test_bad_input_is_refused_whole_and_nothing_is_stored(app, db_session, world, tmp_path, changes, proof, field):
    storage = app_storage(app)
    with pytest.raises(ValidationError) as refused:
        external.submit(db_session, storage, actor=world.ana, person=world.ana, data=training(**changes),
                        proof=external.Proof("x.pdf", proof) if proof is not None else None, now=utcnow())
    assert field in refused.value.details
    assert db_session.scalar(select(func.count()).select_from(ExternalTraining)) == 0


def test_a_missing_record_takes_the_course_s_data(app, db_session, world):
    now = utcnow()
    item = external.submit(db_session, app_storage(app), actor=world.ana, person=world.ana, now=now, proof=None,
                           data=training(kind="missing", course_slug="psp-arrest-and-control", proof_kind="",
                                         note="Taken in the classroom on the 3rd; no credit came."))
    external.decide(db_session, actor=world.manager, item=item, approve=True, comment="Roster found.", now=now)
    record = db_session.get(TrainingRecord, item.record_id)
    assert record.source is RecordSource.CORRECTION and record.satisfies and record.course_id is not None


def test_pages_proof_download_and_api(app, db_session, world, signed_in):
    officer, manager = signed_in(world.ana), signed_in(world.manager)
    page = officer.post(f"/people/{world.ana.id}/external-training", content_type="multipart/form-data", data={
        "kind": "elsewhere", "title": "Crisis Negotiation", "presenter": "State Academy",
        "completed_on": (utcnow() - timedelta(days=5)).date().isoformat(), "hours": "4", "category": "",
        "proof_kind": "letter", "proof": (io.BytesIO(PDF), "letter.pdf")}, follow_redirects=True)
    assert "Crisis Negotiation is sent to the training manager" in page.get_data(as_text=True)
    item = db_session.scalars(select(ExternalTraining)).one()
    proof = manager.get(f"/external-training/{item.id}/proof")
    assert proof.status_code == 200 and proof.headers["Content-Disposition"].startswith("attachment;")
    assert proof.headers["X-Content-Type-Options"] == "nosniff" and proof.data == PDF
    assert signed_in(world.harbor_manager).get(f"/external-training/{item.id}/proof").status_code == 404
    queue = manager.get(f"/api/v1/agencies/{world.central.id}/external-training").get_json()
    assert [i["title"] for i in queue["items"]] == ["Crisis Negotiation"]
    assert manager.post(f"/api/v1/external-training/{item.id}/decision", json={"decision": "approve"}).status_code \
        == 200
    api = officer.post("/api/v1/me/external-training", content_type="multipart/form-data", data={
        "title": "Report Writing", "presenter": "College", "completed_on": "2026-06-01", "hours": "2",
        "categories": '{"general": "2"}', "proof_kind": "certificate", "proof": (io.BytesIO(PDF), "c.pdf")})
    assert api.status_code == 201, api.get_json()
    assert api.get_json()["status"] == "pending"
    bad = officer.post("/api/v1/me/external-training", content_type="multipart/form-data",
                       data={"title": "X", "completed_on": "soon"})
    assert bad.status_code == 422 and {"title", "completed_on", "proof"} <= set(bad.get_json()["error"]["details"])
