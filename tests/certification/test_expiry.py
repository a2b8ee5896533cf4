"""A course certified here earns CPT for completions up to its certification's last day; a completion after
it is recorded without CPT hours, and the reason says so. Courses never certified here keep their package's word."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from learning_portal.accounts.models import Person, Role
from learning_portal.catalog.queries import get_course
from learning_portal.certification import services
from learning_portal.certification.models import Consultant, Coordinator, Presenter, RequestKind
from learning_portal.credits.models import PostingStatus
from tests.certification.helpers import draft, files_in
from tests.credits.helpers import complete_course
from tests.credits.test_poster import posting_of, records, run
from tests.factories import NOW, REAL_CONTENT, load_content, make_agency, make_jurisdiction, make_person


def certify(session, course, *, expires_on, files):
    make_jurisdiction(session, "CA-POST")
    presenter = Presenter(number=course.presenter, name="The course's presenter", jurisdiction="CA-POST")
    session.add(presenter)
    session.flush()
    coordinator = make_person(session, role=Role.TRAINING_MANAGER)
    consultant = make_person(session, role=Role.ADMINISTRATOR)
    session.add_all([Coordinator(presenter_id=presenter.id, person_id=coordinator.id),
                     Consultant(person_id=consultant.id, jurisdiction="CA-POST")])
    # The course is already published (imported): its certification comes as a request about that course.
    req = draft(session, files, actor=coordinator, presenter_id=presenter.id, now=NOW,
                kind=RequestKind.MODIFICATION, course_id=course.id, data={
        "title": "DV update", "delivery": "distance", "total_hours": "2", "topics": [{"topic": "DV", "hours": "2"}],
        "starts_on": "2026-01-01"})
    services.submit(session, files, actor=coordinator, req=req, now=NOW)
    services.certify(session, files, actor=consultant, req=req, number=course.number, expires_on=expires_on, now=NOW)
    session.flush()


def test_completions_after_the_certification_ended_earn_no_cpt(app, db_session, tmp_path, signed_in):
    load_content(db_session, REAL_CONTENT, slugs=("dv-response-update",))
    course, _ = get_course(db_session, "dv-response-update")
    certify(db_session, course, expires_on=NOW.date() + timedelta(days=10), files=files_in(tmp_path))
    officer = make_person(db_session, agency=make_agency(db_session, jurisdiction="CA-POST"))

    within = complete_course(db_session, officer, "dv-response-update", now=NOW + timedelta(days=5))
    run(app, now=NOW + timedelta(days=5))
    assert posting_of(db_session, within).reason == ""
    later = complete_course(db_session, officer, "dv-response-update", now=NOW + timedelta(days=30))
    run(app, now=NOW + timedelta(days=30))
    posting = posting_of(db_session, later)
    assert posting.status is PostingStatus.POSTED
    assert posting.reason.startswith("Recorded, without CPT hours: the course's certification ended on")
    assert [r.cpt_credited for r in records(db_session, officer)] == [True, False]
    profile = signed_in(officer).get("/my/profile").get_data(as_text=True)
    assert "no CPT: the course&#39;s certification ended on" in profile


def test_a_course_never_certified_here_keeps_earning_cpt(app, db_session, signed_in):
    load_content(db_session, REAL_CONTENT, slugs=("dv-response-update",))
    officer = make_person(db_session, agency=make_agency(db_session, jurisdiction="CA-POST"))
    complete_course(db_session, officer, "dv-response-update", now=NOW + timedelta(days=400))
    run(app, now=NOW + timedelta(days=400))
    assert [r.cpt_credited for r in records(db_session, officer)] == [True]
    assert signed_in(officer).get("/api/v1/courses/dv-response-update").get_json()["certification"] is None


def test_the_course_page_and_the_api_say_until_when_it_earns_cpt_and_when_it_stopped(app, db_session, signed_in,
                                                                                    monkeypatch, tmp_path):
    from learning_portal.credits import terms

    load_content(db_session, REAL_CONTENT, slugs=("dv-response-update",))
    course, _ = get_course(db_session, "dv-response-update")
    certify(db_session, course, expires_on=NOW.date() + timedelta(days=10), files=files_in(tmp_path))
    browser = signed_in(make_person(db_session, agency=make_agency(db_session, jurisdiction="CA-POST")))
    monkeypatch.setattr(terms, "utcnow", lambda: NOW)
    assert "Certification: certified through" in browser.get("/courses/dv-response-update").get_data(as_text=True)
    monkeypatch.setattr(terms, "utcnow", lambda: NOW + timedelta(days=11))
    page = browser.get("/courses/dv-response-update").get_data(as_text=True)
    assert "completing the course now earns no CPT hours" in page
    detail = browser.get("/api/v1/courses/dv-response-update").get_json()
    assert any(line.startswith("Certification: ended on") for line in detail["rules_for_credit"]), detail
    # The API's status is for the real today, long after this certification's last day (2026-03-12).
    assert detail["certification"] == {"status": "expired", "course_number": course.course_number,
                                       "total_hours": "2.00", "expires_on": "2026-03-12"}


def test_a_withdrawn_certification_stops_cpt_after_its_last_day(app, db_session, tmp_path, signed_in):
    from learning_portal.certification.models import CertificationRequest, RequestState
    from learning_portal.errors import PermissionDeniedError, ValidationError

    load_content(db_session, REAL_CONTENT, slugs=("dv-response-update",))
    course, _ = get_course(db_session, "dv-response-update")
    certify(db_session, course, expires_on=NOW.date() + timedelta(days=700), files=files_in(tmp_path))
    req = db_session.scalar(select(CertificationRequest))
    consultant = db_session.get(Person, req.steps[-1].by_id)
    with pytest.raises(ValidationError, match="from today"):  # never in the past: posted records stand
        services.withdraw(db_session, actor=consultant, req=req, comment="Outdated law.",
                          last_day=NOW.date() - timedelta(days=1), now=NOW)
    with pytest.raises(PermissionDeniedError):
        services.withdraw(db_session, actor=make_person(db_session, role=Role.ADMINISTRATOR), req=req,
                          comment="Outdated law.", last_day=NOW.date(), now=NOW)
    services.withdraw(db_session, actor=consultant, req=req, comment="The law changed.",
                      last_day=NOW.date() + timedelta(days=3), now=NOW)
    db_session.flush()
    assert req.state is RequestState.WITHDRAWN and "now through" in req.steps[-1].comment
    officer = make_person(db_session, agency=make_agency(db_session, jurisdiction="CA-POST"))
    complete_course(db_session, officer, "dv-response-update", now=NOW + timedelta(days=2))
    other = make_person(db_session, agency=officer.agency)
    complete_course(db_session, other, "dv-response-update", now=NOW + timedelta(days=5))
    run(app, now=NOW + timedelta(days=5))
    assert [r.cpt_credited for r in records(db_session, officer)] == [True]
    assert [r.cpt_credited for r in records(db_session, other)] == [False]
    detail = signed_in(officer).get("/api/v1/courses/dv-response-update").get_json()
    assert detail["certification"]["status"] == "withdrawn"
