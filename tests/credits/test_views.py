"""The training profile (who may see it), and the administrators' postings and reconciliation pages."""

from datetime import timedelta

from sqlalchemy import select

from learning_portal.accounts.models import Role
from learning_portal.clock import utcnow
from learning_portal.credits import services, worker
from learning_portal.credits.models import CreditPosting, PostingStatus
from tests.credits.helpers import FakeForwarder, complete_course
from tests.factories import NOW, REAL_CONTENT, load_content, make_agency, make_person


def setup(app, db_session):
    load_content(db_session, REAL_CONTENT, slugs=("dv-response-update", "courtroom-testimony"))
    agency = make_agency(db_session, jurisdiction="CA-POST")
    officer = make_person(db_session, agency=agency)
    complete_course(db_session, officer, "dv-response-update", now=NOW)
    complete_course(db_session, officer, "courtroom-testimony", now=NOW)
    worker.run_once(app.extensions["db_sessionmaker"], services.PosterSettings(), now=lambda: NOW)
    return agency, officer


def test_officer_sees_records_hours_per_cycle_and_why_a_course_gave_no_credit(app, client, db_session, login_as):
    _, officer = setup(app, db_session)
    login_as(officer)
    page = client.get("/my/profile").data.decode()
    assert "Domestic Violence Response Update" in page and "9999-00101" in page
    assert "2025-2026 cycle" in page and "General" in page
    assert "Completed without CPT credit" in page and "posted from the roster" in page
    api = client.get("/api/v1/me/profile").json
    assert api["post_id"] == officer.post_id
    assert [(r["course_number"], r["hours"], r["source"]) for r in api["records"]] == [("9999-00101", 2.0, "online")]
    assert api["cycles"][0]["label"] == "2025-2026" and api["cycles"][0]["by_category"] == {"general": 2.0}
    assert api["not_credited"][0]["course_number"] == "9999-00103"


def test_profile_is_visible_to_the_manager_and_admin_but_no_one_else(app, client, db_session, login_as):
    agency, officer = setup(app, db_session)
    allowed = [make_person(db_session, role=Role.TRAINING_MANAGER, agency=agency),
               make_person(db_session, role=Role.ADMINISTRATOR)]
    denied = [make_person(db_session, role=Role.TRAINING_MANAGER), make_person(db_session, agency=agency),
              make_person(db_session, role=Role.INSTRUCTOR, agency=agency)]
    for person in allowed:
        login_as(person)
        assert b"Domestic Violence Response Update" in client.get(f"/people/{officer.id}/profile").data
    for person in denied:
        login_as(person)
        assert client.get(f"/people/{officer.id}/profile").status_code == 404


def test_admin_sees_postings_and_retries_a_dead_one(app, client, db_session, login_as):
    _, officer = setup(app, db_session)
    posting = db_session.scalar(select(CreditPosting).where(CreditPosting.status == PostingStatus.POSTED))
    posting.status, posting.last_error, posting.attempts = PostingStatus.DEAD, "HTTP 503 from receiver", 8
    db_session.flush()
    login_as(make_person(db_session, role=Role.ADMINISTRATOR))
    page = client.get("/admin/credits/postings?status=dead").data.decode()
    assert "HTTP 503 from receiver" in page and officer.post_id in page
    assert client.post(f"/admin/credits/postings/{posting.id}/retry").status_code == 302
    db_session.refresh(posting)
    assert posting.status is PostingStatus.PENDING and posting.attempts == 0
    assert client.post(f"/admin/credits/postings/{posting.id}/retry").status_code == 409  # not dead any more
    api = client.get("/api/v1/credits/postings?status=pending").json
    assert [p["id"] for p in api["postings"]] == [posting.id]


def test_reconciliation_lists_a_posted_completion_without_a_record(app, client, db_session, login_as):
    _, officer = setup(app, db_session)
    login_as(make_person(db_session, role=Role.ADMINISTRATOR))
    assert b"nothing to reconcile" in client.get("/admin/credits/reconciliation").data
    posting = db_session.scalar(select(CreditPosting).where(CreditPosting.status == PostingStatus.POSTED))
    from learning_portal.records.models import TrainingRecord
    db_session.delete(db_session.scalar(select(TrainingRecord).where(TrainingRecord.posting_id == posting.id)))
    db_session.flush()
    page = client.get("/admin/credits/reconciliation").data.decode()
    assert "Posted without a record" in page and officer.post_id in page


def test_postings_pages_are_for_administrators(client, db_session, login_as):
    login_as(make_person(db_session, role=Role.TRAINING_MANAGER))
    assert client.get("/admin/credits/postings").status_code == 403
    assert client.get("/api/v1/credits/postings").status_code == 403


def test_postings_late_past_the_alert_threshold_are_shown_to_admins_and_fail_the_status_check(
        app, app_like, client, db_session, login_as):
    load_content(db_session, REAL_CONTENT, slugs=("dv-response-update",))
    officer = make_person(db_session, agency=make_agency(db_session, jurisdiction="CA-POST"))
    started = utcnow() - timedelta(minutes=90)  # the pages read the wall clock
    complete_course(db_session, officer, "dv-response-update", now=started)
    settings = services.PosterSettings(forwarder=FakeForwarder(failures=1, transient=True))
    worker.run_once(app.extensions["db_sessionmaker"], settings, now=lambda: started)
    admin = make_person(db_session, role=Role.ADMINISTRATOR)
    db_session.flush()
    login_as(admin)
    page = client.get("/admin/credits/postings").data.decode()
    assert "1 posting not done after 60 minutes" in page and "connection refused" in page
    status = app.test_cli_runner().invoke(args=["credits", "status"])
    assert status.exit_code == 1 and "LATE: 1 posting(s) not done after 60 minutes" in status.output

    patient = app_like(CREDIT_ALERT_AFTER_MINUTES=120)  # the same posting is not late by this portal's rule
    other = patient.test_client()
    with other.session_transaction() as sess:
        sess["_user_id"], sess["_fresh"] = admin.get_id(), True
    page = other.get("/admin/credits/postings").data.decode()
    assert "connection refused" in page and "not done after" not in page
    assert patient.test_cli_runner().invoke(args=["credits", "status"]).exit_code == 0
