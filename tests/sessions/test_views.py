"""Sessions through the pages and the JSON API, with several people signed in at once."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from learning_portal.accounts.models import Role
from learning_portal.audit.models import AuditEntry
from learning_portal.clock import utcnow
from learning_portal.learning.models import Completion, CourseAssignment
from learning_portal.sessions import services
from learning_portal.sessions.models import TrainingSession
from tests.factories import make_person


def count(db, model):
    return db.scalar(select(func.count()).select_from(model))


def create_via_api(client, **overrides):
    body = {"course": "vehicle-pursuit-policy-update", "location": "Briefing room B", "open": True,
            "starts_at": (utcnow() - timedelta(minutes=5)).isoformat()}
    body.update(overrides)
    return client.post("/api/v1/sessions", json=body)


def test_a_briefing_from_creation_to_credit_and_make_ups_in_the_pages(db_session, world, signed_in):
    instructor = signed_in(world.instructor)
    local = utcnow().astimezone(ZoneInfo("America/Los_Angeles")) - timedelta(minutes=10)
    course_id = world.course(db_session, "vehicle-pursuit-policy-update").id
    created = instructor.post("/sessions/new", data={
        "course_id": course_id, "kind": "briefing", "day": local.date().isoformat(), "at": local.strftime("%H:%M"),
        "location": "Briefing room B", "agency_id": world.agency.id, "also_open_to": ""})
    assert created.status_code == 302
    ts = db_session.scalar(select(TrainingSession))
    page = instructor.get(created.location)
    assert b"Open check-in and present" in page.data and b"Briefing room B" in page.data

    started = instructor.post(f"/sessions/{ts.id}/status", data={"action": "start", "then": "present"})
    assert started.location.endswith(f"/sessions/{ts.id}/present")
    present = instructor.get(started.location)
    assert present.status_code == 200 and b'id="checkin-code"' in present.data and b"/checkin" in present.data
    live = instructor.get(f"/sessions/{ts.id}/live").json
    assert live["status"] == "running" and re.fullmatch(r"\d{6}", live["code"]) and live["attendees"] == 0
    qr = instructor.get(live["qr_url"])
    assert qr.mimetype == "image/svg+xml" and qr.data.lstrip().startswith(b"<svg")

    ana, ben = world.officers[:2]
    checked = signed_in(ana).post("/checkin", data={"code": live["code"]})
    assert checked.status_code == 200 and b"You are checked in" in checked.data
    refused = signed_in(world.outsider).post("/checkin", data={"code": live["code"]})
    assert refused.status_code == 403 and b"This session is open to Central PD (CA-POST" in refused.data
    # The officer's view of the live feed is only the count; the code is for the room's screen.
    assert signed_in(ana).get(f"/sessions/{ts.id}/live").status_code == 403

    added = instructor.post(f"/sessions/{ts.id}/attendees", data={"person": ben.post_id}, follow_redirects=True)
    assert f"{ben.full_name} ({ben.post_id}) added.".encode() in added.data
    fragment = instructor.get(f"/sessions/{ts.id}/roster").data.decode()
    assert ana.sort_name in fragment and ben.sort_name in fragment and "Checked in" in fragment

    submitted = instructor.post(f"/sessions/{ts.id}/submit", follow_redirects=True)
    assert b"Roster submitted: 2 people credited." in submitted.data
    again = instructor.post(f"/sessions/{ts.id}/submit", follow_redirects=True)
    assert b"already submitted; nothing changed" in again.data
    assert count(db_session, Completion) == 2

    csv_text = instructor.get(f"/sessions/{ts.id}/roster.csv").data.decode()
    assert csv_text.splitlines()[0].startswith("post_id,last_name,first_name,agency,course_number")
    assert len(csv_text.splitlines()) == 3 and "9999-00107" in csv_text

    make_up = instructor.get(f"/sessions/{ts.id}").data.decode().partition("Make-up for absentees")[2]
    assert world.officers[2].sort_name in make_up and ana.sort_name not in make_up
    due = (utcnow() + timedelta(days=14)).date()
    assigned = instructor.post(f"/sessions/{ts.id}/make-ups", data={"due_on": due.isoformat(), "everyone": "1"},
                               follow_redirects=True)
    assert b"Make-up assigned to 2 people." in assigned.data
    mine = signed_in(world.officers[2]).get("/my/learning").data.decode()
    assert "Assigned to you" in mine and "Vehicle Pursuit Policy Update" in mine and "Make-up" in mine


def test_a_course_that_does_not_allow_facilitation_is_refused_with_the_reason(db_session, world, signed_in):
    local = utcnow()
    response = signed_in(world.instructor).post("/sessions/new", data={
        "course_id": world.course(db_session, "dv-response-update").id, "kind": "briefing",
        "day": local.date().isoformat(), "at": "08:00", "location": "Room 1", "agency_id": world.agency.id})
    assert response.status_code == 422 and b"does not allow facilitation" in response.data
    assert count(db_session, TrainingSession) == 0


def test_the_session_api_for_instructors_and_attendees(db_session, world, signed_in):
    instructor = signed_in(world.instructor)
    created = create_via_api(instructor)
    assert created.status_code == 201, created.json
    session = created.json
    assert session["status"] == "running" and re.fullmatch(r"\d{6}", session["check_in_code"])

    ana = signed_in(world.officers[0])
    first = ana.post("/api/v1/checkins", json={"code": session["check_in_code"]})
    second = ana.post("/api/v1/checkins", json={"code": session["check_in_code"], "session_id": session["id"]})
    assert (first.status_code, second.status_code) == (201, 200) and second.json["already"] is True
    wrong = ana.post("/api/v1/checkins", json={"code": "000000" if session["check_in_code"] != "000000" else "111111"})
    assert wrong.status_code == 422 and wrong.json["error"]["code"] == "check_in_refused"

    added = instructor.post(f"/api/v1/sessions/{session['id']}/attendees",
                            json={"post_id": world.officers[1].post_id, "status": "partial", "minutes_attended": 30})
    assert added.status_code == 201 and added.json["status"] == "partial"
    unknown = instructor.post(f"/api/v1/sessions/{session['id']}/attendees", json={"post_id": "NO-SUCH-ID"})
    assert unknown.status_code == 404

    assert signed_in(world.officers[2]).post("/api/v1/sessions", json={}).status_code == 403
    other_manager = make_person(db_session, role=Role.TRAINING_MANAGER, agency=world.other_agency)
    assert signed_in(other_manager).get(f"/api/v1/sessions/{session['id']}").status_code == 404
    manager = make_person(db_session, role=Role.TRAINING_MANAGER, agency=world.agency)
    seen = signed_in(manager).get(f"/api/v1/sessions/{session['id']}").json
    assert seen["check_in_code"] is None and len(seen["attendees"]) == 2
    assert signed_in(manager).post(f"/api/v1/sessions/{session['id']}/submit").status_code == 403

    submitted = instructor.post(f"/api/v1/sessions/{session['id']}/submit")
    repeat = instructor.post(f"/api/v1/sessions/{session['id']}/submit")
    assert (submitted.json["credited"], repeat.json["credited"], repeat.json["already_submitted"]) == (1, 0, True)
    made = signed_in(manager).post(f"/api/v1/sessions/{session['id']}/make-ups",
                                   json={"due_on": (utcnow() + timedelta(days=30)).date().isoformat()})
    assert made.status_code == 200 and made.json["assigned"] == 3  # partial attendee and the two absent
    assert count(db_session, CourseAssignment) == 3
    late = ana.post("/api/v1/checkins", json={"code": session["check_in_code"], "session_id": session["id"]})
    assert late.status_code == 422


def test_a_session_for_a_course_that_does_not_allow_it_is_refused_by_the_api(db_session, world, signed_in):
    response = create_via_api(signed_in(world.instructor), course="dv-response-update")
    assert response.status_code == 422 and response.json["error"]["code"] == "not_facilitable"
    assert count(db_session, TrainingSession) == 0


def test_the_roster_import_page_lists_every_bad_line(db_session, world, signed_in):
    data = (f"post_id,last_name\n{world.officers[0].post_id},{world.officers[0].last_name}\nNOPE,Smith\n"
            f"{world.outsider.post_id},\n")
    yesterday = (utcnow() - timedelta(days=1)).date()  # in the past in every time zone, whatever the hour
    response = signed_in(world.instructor).post("/sessions/import", data={
        "course_id": world.course(db_session, "psp-arrest-and-control").id, "day": yesterday.isoformat(),
        "location": "Regional academy", "agency_id": world.agency.id, "also_open_to": world.other_agency.number,
        "file": (io.BytesIO(data.encode()), "roster.csv")}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert b"line 3, post_id: No one in Central PD" in response.data and b"has POST ID NOPE." in response.data
    assert b"line 4" not in response.data  # Harbor PD's officer is allowed: the form named the agency
    assert count(db_session, TrainingSession) == 0 and count(db_session, Completion) == 0


def test_administrators_record_facilitator_qualifications(db_session, world, signed_in):
    admin = signed_in(make_person(db_session, role=Role.ADMINISTRATOR))
    response = admin.post("/admin/qualifications/", data={"post_id": world.instructor.post_id,
                                                          "qualification": "racial_profiling"},
                          follow_redirects=True)
    assert b"holds the racial_profiling qualification" in response.data
    assert signed_in(world.instructor).get("/admin/qualifications/").status_code == 403
    created = create_via_api(signed_in(world.instructor), course="racial-identity-profiling-update")
    assert created.status_code == 201
    not_instructor = admin.post("/admin/qualifications/", data={"post_id": world.officers[0].post_id,
                                                                "qualification": "racial_profiling"})
    assert not_instructor.status_code == 422 and b"is not an instructor" in not_instructor.data


def test_odd_ids_codes_and_pages_get_clear_answers_not_errors(db_session, world, signed_in):
    instructor = signed_in(world.instructor)
    session = create_via_api(instructor).json
    ana = signed_in(world.officers[0])
    assert ana.get("/checkin?session=" + "9" * 30).status_code == 200
    assert ana.get("/checkin?session=²").status_code == 200
    assert ana.post("/checkin", data={"code": "１２３４５６", "session_id": "²"}).status_code == 422
    assert ana.post("/api/v1/checkins", json={"code": "123456", "session_id": 10**30}).status_code == 422
    big = instructor.post(f"/api/v1/sessions/{session['id']}/attendees",
                          json={"post_id": world.officers[1].post_id, "status": "partial",
                                "minutes_attended": 10**12})
    assert big.status_code == 422
    instructor.post(f"/api/v1/sessions/{session['id']}/submit")
    for page in ("0", "-1", "x"):
        assert instructor.get(f"/sessions/{session['id']}?page={page}").status_code == 200


def test_wrong_check_in_codes_are_limited_per_person_and_per_session(db_session, world, app_like):
    """Six digits can be guessed: past the limits no code is checked, and the count survives the refusal."""
    limited = app_like(CHECK_IN_MAX_FAILURES=3, CHECK_IN_SESSION_MAX_FAILURES=4)

    def client(person):
        browser = limited.test_client()
        with browser.session_transaction() as sess:
            sess["_user_id"] = person.get_id()
        return browser

    ts = world.session(db_session, starts_at=utcnow() - timedelta(minutes=5))
    db_session.flush()
    code = lambda: services.current_code(ts, utcnow()).code  # noqa: E731 - read fresh each time
    wrong = lambda: str((int(code()) + 500_000) % 10**6).zfill(6)  # noqa: E731
    ana, ben, cleo, dev = (client(p) for p in world.officers)
    for _ in range(3):
        assert ana.post("/api/v1/checkins", json={"code": wrong()}).status_code == 422
    refused = ana.post("/api/v1/checkins", json={"code": code()})  # the right code, but not checked any more
    assert refused.status_code == 429 and refused.json["error"]["code"] == "too_many_attempts"
    page = ana.post("/checkin", data={"code": code()})
    assert page.status_code == 429 and b"Too many wrong check-in codes" in page.data
    # Someone who could never have checked in here does not count against the session.
    outsider = client(world.outsider)
    for _ in range(3):
        assert outsider.post("/api/v1/checkins", json={"code": wrong()}).status_code == 422
    assert ben.post("/api/v1/checkins", json={"code": code(), "session_id": ts.id}).status_code == 201
    # Ana's three and one more from Cleo: the session's limit of 4, so check-in pauses for everyone.
    assert cleo.post("/api/v1/checkins", json={"code": wrong(), "session_id": ts.id}).status_code == 422
    paused = dev.post("/api/v1/checkins", json={"code": code(), "session_id": ts.id})
    assert paused.status_code == 429 and "Ask the instructor to add you" in paused.json["error"]["message"]
    db_session.refresh(ts)
    assert {a.person_id for a in ts.attendances} == {world.officers[1].id}
    failed = db_session.scalars(select(AuditEntry.actor_id).where(AuditEntry.action == "check_in.failed")).all()
    assert sorted(failed) == sorted([world.officers[0].id] * 3 + [world.outsider.id] * 3 + [world.officers[2].id])
