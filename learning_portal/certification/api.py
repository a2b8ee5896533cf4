"""API: certification requests (coordinators write and submit, consultants decide) and the two reports."""

from __future__ import annotations

from flask import current_app, jsonify, request

from learning_portal import documents
from learning_portal.certification import services
from learning_portal.certification.models import CertificationRequest, RequestKind, RequestState
from learning_portal.clock import utcnow
from learning_portal.db import ID_MAX, as_id, get_session
from learning_portal.errors import NotFoundError, ValidationError
from learning_portal.media.storage import app_storage
from learning_portal.web.api import api_blueprint, file_body, json_body
from learning_portal.web.auth import current_actor, login_required
from learning_portal.web.openapi import error_responses
from learning_portal.web.security import accepts_body

bp = api_blueprint("certification_api")
OUTLINE_TYPES = ("application/pdf", "image/png", "image/jpeg")


def request_files() -> services.Files:
    return services.Files(app_storage(current_app), current_app.extensions["course_packages"])


def request_json(req: CertificationRequest) -> dict:
    return {"id": req.id, "presenter": {"id": req.presenter.id, "number": req.presenter.number,
                                        "name": req.presenter.name},
            "kind": req.kind.value, "course_id": req.course_id, "title": req.title, "delivery": req.delivery.value,
            "total_hours": str(req.total_hours), "topics": req.topics, "categories": req.categories,
            "requirements": req.requirements, "instructors": req.instructors, "plan": req.plan,
            "starts_on": req.starts_on.isoformat(), "ends_on": req.ends_on.isoformat() if req.ends_on else None,
            "outline": req.outline_name, "package": req.package_name, "package_course": req.package_course,
            "state": req.state.value, "course_number": req.course_number,
            "expires_on": req.expires_on.isoformat() if req.expires_on else None,
            "steps": [{"at": s.at.isoformat(), "by": s.by_id, "from": s.from_state.value if s.from_state else None,
                       "to": s.to_state.value, "comment": s.comment} for s in req.steps]}


@bp.get("/certification/requests")
@login_required
def list_requests():
    """The requests the caller works on: their presenters' (coordinators), their jurisdictions' (consultants)."""
    raw = request.args.get("state")
    if raw is not None and raw not in {s.value for s in RequestState}:
        raise ValidationError(f"state: one of {', '.join(s.value for s in RequestState)}.", details={"state": raw})
    after = min(max(request.args.get("after", 0, type=int) or 0, 0), ID_MAX)
    limit = min(max(request.args.get("limit", 100, type=int) or 100, 1), 500)
    rows = services.visible_requests(get_session(), current_actor(), state=RequestState(raw) if raw else None,
                                     after=after, limit=limit + 1)
    more = len(rows) > limit
    return jsonify(requests=[request_json(r) for r in rows[:limit]], next_after=rows[limit - 1].id if more else None)


@bp.post("/certification/requests")
@login_required
def create():
    db, data = get_session(), json_body()
    presenter_id = as_id(data.get("presenter_id"))
    if presenter_id is None:
        raise ValidationError("presenter_id: the presenter the request is for.", details={"presenter_id": "missing"})
    course_id = None
    if data.get("course_id") is not None:
        course_id = as_id(data["course_id"])
        if course_id is None:
            raise ValidationError("course_id: the certified course a modification changes.",
                                  details={"course_id": "invalid"})
    req = services.create_request(db, actor=current_actor(), presenter_id=presenter_id, data=data, now=utcnow(),
                                  kind=RequestKind.MODIFICATION if course_id else RequestKind.NEW,
                                  course_id=course_id)
    db.commit()
    return jsonify(request_json(req)), 201


@bp.get("/certification/requests/<int:request_id>")
@login_required
def show(request_id: int):
    return jsonify(request_json(services.get_request(get_session(), current_actor(), request_id)))


@bp.put("/certification/requests/<int:request_id>")
@login_required
def update(request_id: int):
    db, actor = get_session(), current_actor()
    req = services.get_request(db, actor, request_id, for_update=True)
    services.update_request(db, actor=actor, req=req, data=json_body())
    db.commit()
    return jsonify(request_json(req))


@bp.post("/certification/requests/<int:request_id>/steps")
@login_required
def step(request_id: int):
    """``action``: submit (coordinator), return / deny with ``comment``, certify with ``number`` and
    ``expires_on``, withdraw a certification with ``comment`` and its new last day (consultant)."""
    db, actor = get_session(), current_actor()
    req = services.get_request(db, actor, request_id, for_update=True)
    data = json_body()
    services.take_step(db, request_files(), actor=actor, req=req, action=str(data.get("action")), data=data,
                       now=utcnow())
    db.commit()
    return jsonify(request_json(req))


@bp.put("/certification/requests/<int:request_id>/outline")
@accepts_body(lambda _config: documents.MAX_BYTES + 1)
@login_required
def put_outline(request_id: int):
    """The expanded course outline as the body (PDF, PNG or JPEG); ``?filename=`` names it."""
    db, actor = get_session(), current_actor()
    req = services.get_request(db, actor, request_id, for_update=True)
    services.as_coordinator(db, actor, req)  # before the body is read: a consultant is told so, not 415
    services.attach_outline(db, request_files(), actor=actor, req=req, data=file_body(*OUTLINE_TYPES),
                            filename=request.args.get("filename", "outline"))
    db.commit()
    return jsonify(request_json(req))


@bp.put("/certification/requests/<int:request_id>/package")
@accepts_body(lambda _config: services.MAX_PACKAGE_BYTES + 1)
@login_required
def put_package(request_id: int):
    """The course package as a zip body; checked now, published when certified."""
    db, actor = get_session(), current_actor()
    req = services.get_request(db, actor, request_id, for_update=True)
    services.as_coordinator(db, actor, req)
    services.attach_package(db, request_files(), actor=actor, req=req, data=file_body("application/zip"),
                            filename=request.args.get("filename", "package.zip"))
    db.commit()
    return jsonify(request_json(req))


@bp.get("/certification/requests/<int:request_id>/outline")
@login_required
def get_outline(request_id: int):
    """The outline, to either side of the request."""
    req = services.get_request(get_session(), current_actor(), request_id)
    return _download(req.outline_key, req.outline_name, "outline")


@bp.get("/certification/requests/<int:request_id>/package")
@login_required
def get_package(request_id: int):
    req = services.get_request(get_session(), current_actor(), request_id)
    return _download(req.package_key, req.package_name, "course package")


def _download(key: str | None, name: str | None, what: str):  # noqa: ANN202
    if key is None or name is None:
        raise NotFoundError(f"No {what} is attached to this request.")
    return documents.download(app_storage(current_app).read(key), name)


@bp.get("/certification/reports/by-state")
@login_required
def by_state():
    """For consultants: requests per state in their jurisdictions, with the oldest's time in that state."""
    db, actor = get_session(), current_actor()
    jurisdictions = services.consultant_jurisdictions(db, actor)
    if not jurisdictions:
        raise NotFoundError("This report is for the commission's certification consultants.")
    now = utcnow()
    return jsonify(states=[{"state": s.value, "count": n, "oldest_since": oldest.isoformat() if oldest else None}
                           for s, n, oldest in services.requests_by_state(db, jurisdictions, now)])


@bp.get("/presenters/<int:presenter_id>/expiring")
@login_required
def expiring(presenter_id: int):
    """Certified courses whose certification ends within ``days`` (90 by default, at most 730)."""
    db = get_session()
    presenter = services.presenter_for(db, current_actor(), presenter_id)
    days = min(max(request.args.get("days", 90, type=int) or 90, 1), 730)
    rows = services.expiring(db, presenter.id, utcnow().date(), days)
    return jsonify(courses=[{"request_id": r.id, "title": r.title, "course_number": r.course_number,
                             "expires_on": r.expires_on.isoformat()} for r in rows])


_ID = {"type": "integer", "minimum": 1}
_REQUEST_ID = [{"name": "request_id", "in": "path", "required": True, "schema": _ID}]
_FILENAME = {"name": "filename", "in": "query", "schema": {"type": "string", "maxLength": 200}}
_REQ = {"application/json": {"schema": {"$ref": "#/components/schemas/CertificationRequest"}}}
_CONTENT = {"type": "object", "properties": {
    "title": {"type": "string", "maxLength": 200},
    "delivery": {"type": "string", "enum": ["classroom", "distance", "video", "blended"]},
    "total_hours": {"type": "string", "description": "Quarter hours, such as \"8.25\""},
    "topics": {"type": "array", "items": {"type": "object", "properties": {
        "topic": {"type": "string"}, "hours": {"type": "string"}}}, "description": "Adds up to total_hours"},
    "categories": {"type": "array", "items": {"type": "string"}},
    "requirements": {"type": "array", "items": {"type": "string"}},
    "instructors": {"type": "array", "items": {"type": "string"}},
    "plan": {"type": "string", "maxLength": 80, "nullable": True},
    "starts_on": {"type": "string", "format": "date"}, "ends_on": {"type": "string", "format": "date"}}}
OPENAPI = {
    "tag": {"name": "Course certification", "description": "Presenters' certification requests and the "
                                                           "commission consultants' decisions."},
    "paths": {
        "/certification/requests": {
            "get": {"summary": "The requests I coordinate or review",
                    "parameters": [
                        {"name": "state", "in": "query", "schema": {"type": "string", "enum": [
                            s.value for s in RequestState]}},
                        {"name": "after", "in": "query", "schema": {"type": "integer", "minimum": 0}},
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                                    "maximum": 500}}],
                    "responses": {"200": {"description": "A page", "content": {"application/json": {"schema": {
                        "type": "object", "properties": {
                            "requests": {"type": "array",
                                         "items": {"$ref": "#/components/schemas/CertificationRequest"}},
                            "next_after": {"type": "integer", "nullable": True}}}}}},
                        **error_responses(401, 422)}},
            "post": {"summary": "Start a draft request for a presenter I coordinate (course_id: a modification)",
                     "requestBody": {"required": True, "content": {"application/json": {"schema": {
                         "allOf": [_CONTENT, {"type": "object", "required": ["presenter_id"], "properties": {
                             "presenter_id": _ID, "course_id": _ID}}]}}}},
                     "responses": {"201": {"description": "Drafted", "content": _REQ},
                                   **error_responses(400, 401, 403, 409, 415, 422)}},
        },
        "/certification/requests/{request_id}": {
            "get": {"summary": "One request with every step", "parameters": _REQUEST_ID, "responses": {
                "200": {"description": "The request", "content": _REQ}, **error_responses(401, 404)}},
            "put": {"summary": "Change a draft or returned request", "parameters": _REQUEST_ID,
                    "requestBody": {"required": True, "content": {"application/json": {"schema": _CONTENT}}},
                    "responses": {"200": {"description": "Changed", "content": _REQ},
                                  **error_responses(400, 401, 404, 409, 415, 422)}},
        },
        "/certification/requests/{request_id}/steps": {"post": {
            "summary": "Submit, return with comments, certify, deny, or withdraw a certification",
            "parameters": _REQUEST_ID,
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["action"], "properties": {
                    "action": {"type": "string", "enum": ["submit", "return", "certify", "deny", "withdraw"]},
                    "comment": {"type": "string", "maxLength": 4000},
                    "number": {"type": "string", "description": "certify: 1 to 5 digits"},
                    "expires_on": {"type": "string", "format": "date", "description": (
                        "certify: the last day it covers; withdraw: the new last day (today by default)")}}}}}},
            "responses": {"200": {"description": "Moved on", "content": _REQ},
                          **error_responses(400, 401, 403, 404, 409, 415, 422)}}},
        "/certification/requests/{request_id}/outline": {
            "get": {"summary": "Download the request's outline", "parameters": _REQUEST_ID, "responses": {
                "200": {"description": "The document", "content": {t: {"schema": {"type": "string",
                                                                                  "format": "binary"}}
                                                                    for t in OUTLINE_TYPES}},
                **error_responses(401, 404)}},
            "put": {"summary": "Attach the expanded course outline (PDF, PNG or JPEG, 5 MB)",
                    "parameters": [*_REQUEST_ID, _FILENAME],
                    "requestBody": {"required": True, "content": {t: {"schema": {"type": "string",
                                                                                 "format": "binary"}}
                                                                  for t in OUTLINE_TYPES}},
                    "responses": {"200": {"description": "Attached", "content": _REQ},
                                  **error_responses(401, 403, 404, 409, 413, 415, 422)}}},
        "/certification/requests/{request_id}/package": {
            "get": {"summary": "Download the request's course package", "parameters": _REQUEST_ID, "responses": {
                "200": {"description": "The zip", "content": {"application/zip": {"schema": {
                    "type": "string", "format": "binary"}}}}, **error_responses(401, 404)}},
            "put": {"summary": "Attach the course package of a course taken here (a zip, 50 MB)",
                    "parameters": [*_REQUEST_ID, _FILENAME],
                    "requestBody": {"required": True, "content": {"application/zip": {"schema": {
                        "type": "string", "format": "binary"}}}},
                    "responses": {"200": {"description": "Checked and attached", "content": _REQ},
                                  **error_responses(401, 403, 404, 409, 413, 415, 422)}}},
        "/certification/reports/by-state": {"get": {
            "summary": "Requests by state and age (consultants)",
            "responses": {"200": {"description": "Counts", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"states": {"type": "array", "items": {"type": "object"}}}}}}},
                **error_responses(401, 404)}}},
        "/presenters/{presenter_id}/expiring": {"get": {
            "summary": "A presenter's certified courses expiring soon",
            "parameters": [{"name": "presenter_id", "in": "path", "required": True, "schema": _ID},
                           {"name": "days", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                                     "maximum": 730}}],
            "responses": {"200": {"description": "Courses", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"courses": {"type": "array", "items": {"type": "object"}}}}}}},
                **error_responses(401, 404, 422)}}},
    },
    "schemas": {"CertificationRequest": {"type": "object", "required": ["id", "state", "title"], "properties": {
        "id": {"type": "integer"}, "presenter": {"type": "object"}, "kind": {"type": "string"},
        "course_id": {"type": "integer", "nullable": True}, "title": {"type": "string"},
        "delivery": {"type": "string"}, "total_hours": {"type": "string"}, "topics": {"type": "array"},
        "categories": {"type": "array"}, "requirements": {"type": "array"}, "instructors": {"type": "array"},
        "plan": {"type": "string", "nullable": True}, "outline": {"type": "string", "nullable": True},
        "package": {"type": "string", "nullable": True}, "package_course": {"type": "string", "nullable": True},
        "starts_on": {"type": "string", "format": "date"},
        "ends_on": {"type": "string", "format": "date", "nullable": True},
        "state": {"type": "string", "enum": [s.value for s in RequestState]},
        "course_number": {"type": "string", "nullable": True},
        "expires_on": {"type": "string", "format": "date", "nullable": True},
        "steps": {"type": "array", "items": {"type": "object"}}}}},
}
