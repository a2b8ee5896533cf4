"""API: facilitated sessions for instructors' systems, and check-in for attendees' apps."""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app, jsonify

from learning_portal.accounts.models import Agency, Person, Role
from learning_portal.catalog import queries as catalog
from learning_portal.clock import utcnow
from learning_portal.db import as_id, get_session
from learning_portal.errors import DomainError, ValidationError
from learning_portal.sessions import registration, services
from learning_portal.sessions.models import Attendance, SessionKind, TrainingSession
from learning_portal.web.api import api_blueprint, json_body, require_fields
from learning_portal.web.auth import current_actor, login_required, require_role
from learning_portal.web.openapi import error_responses

bp = api_blueprint("sessions_api")


@bp.post("/sessions")
@require_role(Role.INSTRUCTOR)
def create():
    data = json_body()
    require_fields(data, course=str, starts_at=str, location=str)
    db = get_session()
    course, _ = catalog.get_course(db, data["course"])
    try:
        starts_at = datetime.fromisoformat(data["starts_at"])
    except ValueError as exc:
        raise ValidationError("starts_at is an ISO 8601 date-time with its offset, e.g. 2026-11-24T07:00:00-08:00.",
                              details={"starts_at": "ISO 8601 with offset"}) from exc
    if starts_at.tzinfo is None:
        raise ValidationError("starts_at needs its UTC offset.", details={"starts_at": "ISO 8601 with offset"})
    actor = current_actor()
    agency = db.get(Agency, _id(data["agency_id"], "agency_id")) if "agency_id" in data else actor.agency
    if agency is None:
        raise ValidationError("Give the host agency's id.", details={"agency_id": "Required."})
    others = data.get("also_open_to", [])
    if not isinstance(others, list) or not all(isinstance(i, int) for i in others):
        raise ValidationError("also_open_to is a list of agency ids.", details={"also_open_to": "list of integers"})
    kind = data.get("kind", SessionKind.BRIEFING.value)
    if kind not in (SessionKind.BRIEFING.value, SessionKind.CLASSROOM.value):
        raise ValidationError("kind is briefing or classroom.", details={"kind": "briefing or classroom"})
    also = [a for a in (db.get(Agency, _id(i, "also_open_to")) for i in others) if a is not None]
    if len(also) != len(others):
        raise ValidationError("An agency in also_open_to does not exist.", details={"also_open_to": "unknown id"})
    capacity = data.get("capacity")
    if capacity is not None and (isinstance(capacity, bool) or not isinstance(capacity, int)):
        raise ValidationError("capacity is a number of seats.", details={"capacity": "integer"})
    ts = services.create_session(db, actor=actor, course=course, kind=SessionKind(kind), starts_at=starts_at,
                                 location=data["location"], agency=agency, also_open_to=also, now=utcnow(),
                                 capacity=capacity)
    if data.get("open") is True:
        services.start_check_in(ts, now=utcnow())
    db.commit()
    return jsonify(session_json(ts, manage=True)), 201


@bp.get("/sessions/<int:session_id>")
@require_role(Role.INSTRUCTOR, Role.TRAINING_MANAGER, Role.ADMINISTRATOR)
def show(session_id: int):
    actor = current_actor()
    ts = services.get_session(get_session(), actor=actor, session_id=session_id)
    return jsonify(session_json(ts, manage=services.can_manage(actor, ts)))


@bp.post("/sessions/<int:session_id>/status")
@require_role(Role.INSTRUCTOR, Role.ADMINISTRATOR)
def change_status(session_id: int):
    data = json_body()
    require_fields(data, action=str)
    steps = {"start": services.start_check_in, "end": services.end_check_in, "cancel": services.cancel}
    if data["action"] not in steps:
        raise ValidationError("action is start, end or cancel.", details={"action": "start, end or cancel"})
    db = get_session()
    ts = services.get_session(db, actor=current_actor(), session_id=session_id, manage=True, lock=True)
    steps[data["action"]](ts, now=utcnow())
    db.commit()
    return jsonify(session_json(ts, manage=True))


@bp.post("/sessions/<int:session_id>/attendees")
@require_role(Role.INSTRUCTOR, Role.ADMINISTRATOR)
def add_attendee(session_id: int):
    data = json_body()
    require_fields(data, post_id=str)
    db, actor = get_session(), current_actor()
    ts = services.get_session(db, actor=actor, session_id=session_id, manage=True, lock=True)
    person = services.attendee_by_post_id(db, ts, data["post_id"])
    outcome = services.add_attendee_by_id(db, ts=ts, actor=actor, person_id=person.id, now=utcnow())
    assert outcome.attendance is not None
    if "status" in data:
        minutes = data.get("minutes_attended")
        if minutes is not None and (not isinstance(minutes, int) or isinstance(minutes, bool)):
            raise ValidationError("minutes_attended is a whole number.", details={"minutes_attended": "integer"})
        services.mark_attendance(db, ts=ts, attendance_id=outcome.attendance.id, status=str(data["status"]),
                                 minutes=minutes)
    db.commit()
    return jsonify(attendance_json(outcome.attendance)), 201 if outcome.created else 200


@bp.delete("/sessions/<int:session_id>/attendees/<int:attendance_id>")
@require_role(Role.INSTRUCTOR, Role.ADMINISTRATOR)
def remove_attendee(session_id: int, attendance_id: int):
    db = get_session()
    ts = services.get_session(db, actor=current_actor(), session_id=session_id, manage=True, lock=True)
    services.remove_attendee(db, ts=ts, attendance_id=attendance_id)
    db.commit()
    return "", 204


@bp.post("/sessions/<int:session_id>/submit")
@require_role(Role.INSTRUCTOR, Role.ADMINISTRATOR)
def submit(session_id: int):
    db = get_session()
    ts = services.get_session(db, actor=current_actor(), session_id=session_id, manage=True, lock=True)
    outcome = services.submit_roster(db, ts=ts, actor=current_actor(), now=utcnow())
    db.commit()
    return jsonify(credited=outcome.credited, already_submitted=outcome.already_submitted,
                   in_review=outcome.in_review, session=session_json(ts, manage=True))


@bp.post("/sessions/<int:session_id>/approve")
@require_role(Role.TRAINING_MANAGER, Role.ADMINISTRATOR)
def approve(session_id: int):
    """Approve a roster waiting for approval (where the jurisdiction or course reviews rosters): it credits."""
    db = get_session()
    ts = services.get_session(db, actor=current_actor(), session_id=session_id, lock=True)
    credited = services.approve_roster(db, ts=ts, actor=current_actor(), now=utcnow())
    db.commit()
    return jsonify(credited=credited, session=session_json(ts, manage=False))


@bp.post("/sessions/<int:session_id>/make-ups")
@require_role(Role.INSTRUCTOR, Role.TRAINING_MANAGER, Role.ADMINISTRATOR)
def make_ups(session_id: int):
    db = get_session()
    ts = services.get_session(db, actor=current_actor(), session_id=session_id)  # before reading the body
    data = json_body()
    require_fields(data, due_on=str)
    try:
        due_on = date.fromisoformat(data["due_on"])
    except ValueError as exc:
        raise ValidationError("due_on is a date (YYYY-MM-DD).", details={"due_on": "YYYY-MM-DD"}) from exc
    people = data.get("person_ids")
    if people is not None:
        if not isinstance(people, list):
            raise ValidationError("person_ids is a list of ids; leave it out to assign every absentee.",
                                  details={"person_ids": "list of integers"})
        people = [_id(i, "person_ids") for i in people]
    outcome = services.assign_make_ups(db, ts=ts, actor=current_actor(), person_ids=people, due_on=due_on,
                                       now=utcnow())
    db.commit()
    return jsonify(assigned=outcome.assigned, already_assigned=outcome.already)


@bp.post("/checkins")
@login_required
def check_in():
    data = json_body()
    require_fields(data, code=str)
    session_id = _id(data["session_id"], "session_id") if data.get("session_id") is not None else None
    db = get_session()
    try:
        result = services.check_in(db, person=current_actor(), code=data["code"], now=utcnow(), session_id=session_id,
                                   policy=services.CheckInPolicy.from_config(current_app.config))
    except DomainError:
        db.commit()  # a wrong code stays counted
        raise
    db.commit()
    ts = result.session
    return jsonify(session_id=ts.id, course=ts.course.slug, title=ts.course_version.title,
                   checked_in=True, already=not result.created), 201 if result.created else 200


@bp.get("/presentations")
@login_required
def presentations():
    """Classroom presentations open to the caller's agency that have not started, with seats left."""
    rows = registration.upcoming(get_session(), current_actor(), utcnow())
    return jsonify(presentations=[{
        "session_id": p.session.id, "course": p.session.course.slug, "course_number": p.session.course.course_number,
        "title": p.session.course_version.title, "starts_at": p.session.starts_at.isoformat(),
        "location": p.session.location, "instructor": p.session.instructor.full_name,
        "capacity": p.session.capacity, "seats_left": p.seats_left, "registered": p.mine} for p in rows])


@bp.put("/presentations/<int:session_id>/registration")
@login_required
def register(session_id: int):
    db = get_session()
    registration.register(db, person=current_actor(), session_id=session_id, now=utcnow())
    db.commit()
    return jsonify(session_id=session_id, registered=True)


@bp.delete("/presentations/<int:session_id>/registration")
@login_required
def unregister(session_id: int):
    db = get_session()
    registration.cancel(db, person=current_actor(), session_id=session_id, now=utcnow())
    db.commit()
    return "", 204


def _id(value: object, field: str) -> int:
    if isinstance(value, str) or (found := as_id(value)) is None:
        raise ValidationError(f"{field} is a positive integer id.", details={field: "integer id"})
    return found


def attendance_json(a: Attendance) -> dict:
    return {"id": a.id, "person_id": a.person_id, "post_id": a.person.post_id, "name": a.person.full_name,
            "status": a.status.value, "minutes_attended": a.minutes_attended, "method": a.method.value,
            "credited": a.completion_id is not None}


def session_json(ts: TrainingSession, *, manage: bool) -> dict:
    shown = services.current_code(ts, utcnow()) if manage else None
    return {
        "id": ts.id, "kind": ts.kind.value, "status": ts.status.value, "course": ts.course.slug,
        "course_number": ts.course.course_number, "title": ts.course_version.title,
        "cpt_hours": float(ts.course_version.cpt_hours), "starts_at": ts.starts_at.isoformat(),
        "location": ts.location, "agency_id": ts.agency_id, "open_to": [a.id for a in ts.agencies],
        "capacity": ts.capacity,
        "instructor": _person_ref(ts.instructor),
        "check_in_code": shown.code if shown else None, "code_expires_in_s": shown.expires_in_s if shown else None,
        "attendees": [attendance_json(a) for a in ts.attendances],
    }


def _person_ref(person: Person) -> dict:
    return {"id": person.id, "post_id": person.post_id, "name": person.full_name}


_ID = [{"name": "session_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
_SESSION = {"application/json": {"schema": {"$ref": "#/components/schemas/TrainingSession"}}}

OPENAPI = {
    "tag": {"name": "Facilitated sessions", "description": "Briefings and classes: instructors, check-in, rosters."},
    "paths": {
        "/sessions": {"post": {
            "summary": "Create a facilitated session (instructors); \"open\": true opens check-in at once",
            "description": "The course must allow facilitation; courses that need a qualified facilitator "
                           "(e.g. racial profiling) refuse instructors without the qualification (403).",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["course", "starts_at", "location"],
                "properties": {"course": {"type": "string", "description": "course slug"},
                               "starts_at": {"type": "string", "format": "date-time"},
                               "location": {"type": "string"}, "kind": {"type": "string",
                                                                        "enum": ["briefing", "classroom"]},
                               "agency_id": {"type": "integer"},
                               "also_open_to": {"type": "array", "items": {"type": "integer"}},
                               "capacity": {"type": "integer", "minimum": 1, "maximum": 1000,
                                            "description": "classroom: seats people register for"},
                               "open": {"type": "boolean"}}}}}},
            "responses": {"201": {"description": "Created", "content": _SESSION},
                          **error_responses(400, 401, 403, 404, 415, 422)},
        }},
        "/presentations": {"get": {
            "summary": "Classroom presentations open to my agency, to register for",
            "responses": {"200": {"description": "Soonest first", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"presentations": {"type": "array", "items": {
                    "type": "object", "properties": {
                        "session_id": {"type": "integer"}, "course": {"type": "string"},
                        "course_number": {"type": "string"}, "title": {"type": "string"},
                        "starts_at": {"type": "string", "format": "date-time"}, "location": {"type": "string"},
                        "instructor": {"type": "string"}, "capacity": {"type": "integer"},
                        "seats_left": {"type": "integer"}, "registered": {"type": "boolean"}}}}}}}}},
                **error_responses(401)}}},
        "/presentations/{session_id}/registration": {
            "put": {"summary": "Take a seat (409 when full or already registered)", "parameters": _ID,
                    "responses": {"200": {"description": "Registered", "content": {"application/json": {
                        "schema": {"type": "object", "properties": {"session_id": {"type": "integer"},
                                                                    "registered": {"type": "boolean"}}}}}},
                        **error_responses(401, 404, 409)}},
            "delete": {"summary": "Give the seat back before the presentation starts", "parameters": _ID,
                       "responses": {"204": {"description": "Given back"}, **error_responses(401, 404)}}},
        "/sessions/{session_id}": {"get": {
            "summary": "A session and its roster (its instructor, administrators, the host agency's managers)",
            "parameters": _ID,
            "responses": {"200": {"description": "The session", "content": _SESSION}, **error_responses(401, 403, 404)},
        }},
        "/sessions/{session_id}/status": {"post": {
            "summary": "Open check-in (start), close it (end) or cancel the session",
            "parameters": _ID,
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["action"],
                "properties": {"action": {"type": "string", "enum": ["start", "end", "cancel"]}}}}}},
            "responses": {"200": {"description": "The session", "content": _SESSION},
                          **error_responses(400, 401, 403, 404, 409, 415, 422)},
        }},
        "/sessions/{session_id}/attendees": {"post": {
            "summary": "Add someone to the roster by POST ID (idempotent), optionally marking partial attendance",
            "parameters": _ID,
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["post_id"],
                "properties": {"post_id": {"type": "string"},
                               "status": {"type": "string", "enum": ["present", "partial"]},
                               "minutes_attended": {"type": "integer"}}}}}},
            "responses": {
                "201": {"description": "Added", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Attendance"}}}},
                "200": {"description": "Already on the roster", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Attendance"}}}},
                **error_responses(400, 401, 403, 404, 409, 415, 422)},
        }},
        "/sessions/{session_id}/attendees/{attendance_id}": {"delete": {
            "summary": "Remove someone from the roster before it is submitted",
            "parameters": [*_ID, {"name": "attendance_id", "in": "path", "required": True,
                                  "schema": {"type": "integer"}}],
            "responses": {"204": {"description": "Removed"}, **error_responses(401, 403, 404, 409)},
        }},
        "/sessions/{session_id}/submit": {"post": {
            "summary": "Submit the roster: one completion per person present; submitting again changes nothing",
            "parameters": _ID,
            "responses": {"200": {"description": "Submitted", "content": {"application/json": {"schema": {
                "type": "object", "required": ["credited", "already_submitted", "session"],
                "properties": {"credited": {"type": "integer"}, "already_submitted": {"type": "boolean"},
                               "in_review": {"type": "boolean",
                                             "description": "Waiting for approval: nobody is credited yet"},
                               "session": {"$ref": "#/components/schemas/TrainingSession"}}}}}},
                **error_responses(401, 403, 404, 409, 422)},
        }},
        "/sessions/{session_id}/approve": {"post": {
            "summary": "Approve a roster waiting for approval; everyone present is credited",
            "parameters": _ID,
            "responses": {"200": {"description": "Approved", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"credited": {"type": "integer"},
                                                 "session": {"$ref": "#/components/schemas/TrainingSession"}}}}}},
                **error_responses(401, 403, 404, 409, 422)},
        }},
        "/sessions/{session_id}/make-ups": {"post": {
            "summary": "Assign the course online to absentees of the host agency, with a due date",
            "parameters": _ID,
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["due_on"],
                "properties": {"due_on": {"type": "string", "format": "date"},
                               "person_ids": {"type": "array", "items": {"type": "integer"},
                                              "description": "leave out to assign every absentee"}}}}}},
            "responses": {"200": {"description": "Assigned", "content": {"application/json": {"schema": {
                "type": "object", "required": ["assigned", "already_assigned"],
                "properties": {"assigned": {"type": "integer"}, "already_assigned": {"type": "integer"}}}}}},
                **error_responses(400, 401, 403, 404, 409, 415, 422)},
        }},
        "/checkins": {"post": {
            "summary": "Check in to a running session with the code on the room's screen",
            "description": "The code changes every 30 seconds and is accepted for one more step. Expired or "
                           "wrong codes get 422; a session not open to the person's agency gets 403. After "
                           "CHECK_IN_MAX_FAILURES wrong codes in CHECK_IN_WINDOW_MINUTES, or "
                           "CHECK_IN_SESSION_MAX_FAILURES against one session, codes are refused with 429 "
                           "unchecked until the window passes.",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["code"],
                "properties": {"code": {"type": "string"}, "session_id": {"type": "integer"}}}}}},
            "responses": {
                "201": {"description": "Checked in", "content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/CheckIn"}}}},
                "200": {"description": "Already checked in", "content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/CheckIn"}}}},
                **error_responses(400, 401, 403, 404, 415, 422, 429)},
        }},
    },
    "schemas": {
        "Attendance": {"type": "object", "required": ["id", "person_id", "post_id", "status", "credited"],
                       "properties": {"id": {"type": "integer"}, "person_id": {"type": "integer"},
                                      "post_id": {"type": "string"}, "name": {"type": "string"},
                                      "status": {"type": "string", "enum": ["present", "partial"]},
                                      "minutes_attended": {"type": "integer", "nullable": True},
                                      "method": {"type": "string", "enum": ["check_in", "instructor", "import"]},
                                      "credited": {"type": "boolean"}}},
        "TrainingSession": {"type": "object", "required": ["id", "status", "course", "starts_at", "attendees"],
                            "properties": {
                                "id": {"type": "integer"},
                                "kind": {"type": "string", "enum": ["briefing", "classroom", "imported"]},
                                "status": {"type": "string",
                                           "enum": ["scheduled", "running", "closed", "submitted", "cancelled"]},
                                "course": {"type": "string"}, "course_number": {"type": "string"},
                                "title": {"type": "string"}, "cpt_hours": {"type": "number"},
                                "starts_at": {"type": "string", "format": "date-time"},
                                "location": {"type": "string"}, "agency_id": {"type": "integer"},
                                "open_to": {"type": "array", "items": {"type": "integer"}},
                                "capacity": {"type": "integer", "nullable": True},
                                "instructor": {"type": "object"},
                                "check_in_code": {"type": "string", "nullable": True},
                                "code_expires_in_s": {"type": "integer", "nullable": True},
                                "attendees": {"type": "array", "items": {"$ref": "#/components/schemas/Attendance"}}}},
        "CheckIn": {"type": "object", "required": ["session_id", "checked_in"],
                    "properties": {"session_id": {"type": "integer"}, "course": {"type": "string"},
                                   "title": {"type": "string"}, "checked_in": {"type": "boolean"},
                                   "already": {"type": "boolean"}}},
    },
}
