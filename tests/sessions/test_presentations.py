"""Presentations: a classroom session with seats that the people of its agencies register for; a course certified
here is presented only while its certification covers the day; the record a roster writes names the
presentation it came from."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from learning_portal.certification.models import CertificationRequest, Delivery, Presenter, RequestKind, RequestState
from learning_portal.clock import utcnow
from learning_portal.credits import worker
from learning_portal.credits.services import PosterSettings
from learning_portal.errors import ConflictError, NotFoundError, ValidationError
from learning_portal.records.models import TrainingRecord
from learning_portal.sessions import registration, services
from learning_portal.sessions.models import SessionKind
from tests.factories import NOW, make_jurisdiction

SLUG = "vehicle-pursuit-policy-update"


def presentation(db, world, *, capacity=2, starts_at=None, **kwargs):
    return services.create_session(db, actor=world.instructor, course=world.course(db, SLUG),
                                   kind=SessionKind.CLASSROOM, starts_at=starts_at or NOW + timedelta(days=7),
                                   location="Training room 2", agency=world.agency, now=NOW, capacity=capacity,
                                   **kwargs)


def test_seats_are_taken_given_back_and_never_more_than_there_are(db_session, world):
    ts = presentation(db_session, world)
    ana, ben, cleo, _ = world.officers
    for person in (ana, ben):
        registration.register(db_session, person=person, session_id=ts.id, now=NOW)
    with pytest.raises(ConflictError, match="full"):
        registration.register(db_session, person=cleo, session_id=ts.id, now=NOW)
    with pytest.raises(ConflictError, match="registered already"):
        registration.register(db_session, person=ana, session_id=ts.id, now=NOW)
    listed = registration.upcoming(db_session, cleo, NOW)
    assert [(p.session.id, p.seats_left, p.mine) for p in listed] == [(ts.id, 0, False)]
    registration.cancel(db_session, person=ana, session_id=ts.id, now=NOW)
    registration.register(db_session, person=cleo, session_id=ts.id, now=NOW)
    assert [r.person_id for r in registration.registrations(db_session, ts)] == [ben.id, cleo.id]

    with pytest.raises(NotFoundError):  # another agency's people do not see it
        registration.register(db_session, person=world.outsider, session_id=ts.id, now=NOW)
    assert registration.upcoming(db_session, world.outsider, NOW) == []
    with pytest.raises(ConflictError, match="instructors do not register"):
        registration.register(db_session, person=world.instructor, session_id=ts.id, now=NOW)
    later = NOW + timedelta(days=8)  # it has started: no more registering or cancelling
    with pytest.raises(NotFoundError):
        registration.register(db_session, person=ana, session_id=ts.id, now=later)
    with pytest.raises(NotFoundError):
        registration.cancel(db_session, person=ben, session_id=ts.id, now=later)


def test_seats_are_for_classroom_sessions(db_session, world):
    with pytest.raises(ValidationError, match="Seats are for classroom presentations"):
        world.session(db_session, running=False, capacity=10)
    with pytest.raises(ValidationError, match="Seats are for classroom presentations"):
        presentation(db_session, world, capacity=0)


def test_a_course_certified_here_is_presented_only_while_certified(db_session, world):
    course = world.course(db_session, SLUG)
    make_jurisdiction(db_session, "CA-POST")
    presenter = Presenter(number=course.presenter, name="The presenter", jurisdiction="CA-POST")
    db_session.add(presenter)
    db_session.flush()
    db_session.add(CertificationRequest(
        presenter_id=presenter.id, kind=RequestKind.MODIFICATION, course_id=course.id, title="Pursuit",
        delivery=Delivery.CLASSROOM, total_hours=1, topics=[], categories=[], requirements=[], instructors=[],
        starts_on=date(2026, 1, 1), state=RequestState.CERTIFIED, course_number=course.course_number,
        expires_on=(NOW + timedelta(days=10)).date(), created_at=NOW, state_since=NOW))
    db_session.flush()
    with pytest.raises(ValidationError, match="certification ends on"):
        presentation(db_session, world, starts_at=NOW + timedelta(days=20))
    assert presentation(db_session, world, starts_at=NOW + timedelta(days=5)).capacity == 2


def test_the_roster_s_record_names_its_presentation(app, db_session, world, signed_in):
    ts = presentation(db_session, world, starts_at=NOW - timedelta(hours=2))
    services.start_check_in(ts, now=NOW)
    services.check_in(db_session, person=world.officers[0], code=services.current_code(ts, NOW).code, now=NOW)
    services.submit_roster(db_session, ts=ts, actor=world.instructor, now=NOW)
    db_session.commit()
    worker.run_once(app.extensions["db_sessionmaker"], PosterSettings(), now=lambda: NOW)
    record = db_session.scalar(select(TrainingRecord).execution_options(populate_existing=True))
    assert (record.person_id, record.session_id) == (world.officers[0].id, ts.id)
    profile = signed_in(world.officers[0]).get("/my/profile").get_data(as_text=True)
    assert "Classroom, Training room 2" in profile


def test_the_classes_page_registers_and_gives_back(db_session, world, signed_in):
    ts = presentation(db_session, world, capacity=1, starts_at=utcnow() + timedelta(days=7))
    ana, ben, *_ = world.officers
    page = signed_in(ana)
    assert "1 of 1 seats left" in page.get("/presentations").get_data(as_text=True)
    done = page.post(f"/presentations/{ts.id}/register", follow_redirects=True).get_data(as_text=True)
    assert "Registered for" in done and "You are registered." in done
    full = signed_in(ben).post(f"/presentations/{ts.id}/register", follow_redirects=True).get_data(as_text=True)
    assert "This presentation is full." in full
    assert signed_in(world.outsider).post(f"/presentations/{ts.id}/register").status_code == 404
    instructor = signed_in(world.instructor).get(f"/sessions/{ts.id}").get_data(as_text=True)
    assert f"1 of 1 seats: {ana.full_name}" in instructor
    back = page.post(f"/presentations/{ts.id}/cancel", follow_redirects=True).get_data(as_text=True)
    assert "Seat given back" in back and "1 of 1 seats left" in back


def test_presentations_over_the_api(db_session, world, signed_in):
    instructor = signed_in(world.instructor)
    created = instructor.post("/api/v1/sessions", json={
        "course": SLUG, "kind": "classroom", "capacity": 1, "location": "Training room 2",
        "starts_at": (utcnow() + timedelta(days=3)).isoformat()})
    assert created.status_code == 201 and created.get_json()["capacity"] == 1
    sid = created.get_json()["id"]
    ana, ben = (signed_in(p) for p in world.officers[:2])
    (listed,) = ana.get("/api/v1/presentations").get_json()["presentations"]
    assert (listed["session_id"], listed["seats_left"], listed["registered"]) == (sid, 1, False)
    assert ana.put(f"/api/v1/presentations/{sid}/registration").get_json() == {"session_id": sid, "registered": True}
    assert ben.put(f"/api/v1/presentations/{sid}/registration").status_code == 409  # full
    assert ana.delete(f"/api/v1/presentations/{sid}/registration").status_code == 204
    assert ana.delete(f"/api/v1/presentations/{sid}/registration").status_code == 404
    assert ben.put(f"/api/v1/presentations/{sid}/registration").status_code == 200
    assert signed_in(world.outsider).get("/api/v1/presentations").get_json()["presentations"] == []


def test_a_withdrawn_certification_closes_registration_for_later_presentations(db_session, world):
    ts = presentation(db_session, world, starts_at=NOW + timedelta(days=20))
    course = world.course(db_session, SLUG)
    make_jurisdiction(db_session, "CA-POST")
    presenter = Presenter(number=course.presenter, name="The presenter", jurisdiction="CA-POST")
    db_session.add(presenter)
    db_session.flush()
    db_session.add(CertificationRequest(  # withdrawn after the presentation was scheduled: its last day is before
        presenter_id=presenter.id, kind=RequestKind.MODIFICATION, course_id=course.id, title="Pursuit",
        delivery=Delivery.CLASSROOM, total_hours=1, topics=[], categories=[], requirements=[], instructors=[],
        starts_on=date(2026, 1, 1), state=RequestState.WITHDRAWN, course_number=course.course_number,
        expires_on=(NOW + timedelta(days=10)).date(), created_at=NOW, state_since=NOW))
    db_session.flush()
    assert registration.upcoming(db_session, world.officers[0], NOW) == []
    with pytest.raises(ConflictError, match="certification ends before this presentation"):
        registration.register(db_session, person=world.officers[0], session_id=ts.id, now=NOW)
