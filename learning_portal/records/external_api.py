"""API: training taken elsewhere (submitted as multipart with the proof), the agency's queue, and decisions."""

from __future__ import annotations

import json

from flask import current_app, jsonify, request

from learning_portal.accounts.models import Person, Role
from learning_portal.clock import utcnow
from learning_portal.db import ID_MAX, as_id, get_session
from learning_portal.errors import NotFoundError, ValidationError
from learning_portal.media.storage import app_storage
from learning_portal.records import external
from learning_portal.records.models import ExternalStatus, ExternalTraining
from learning_portal.web.api import api_blueprint, json_body
from learning_portal.web.auth import current_actor, login_required, require_role
from learning_portal.web.openapi import error_responses

bp = api_blueprint("external_api")
FIELDS = ("kind", "title", "presenter", "course_number", "course_slug", "completed_on", "hours", "note",
          "proof_kind")


def item_json(item: ExternalTraining, person: Person | None = None) -> dict:
    return {"id": item.id, "person_id": item.person_id, "kind": item.kind.value, "title": item.title,
            "presenter": item.presenter, "course_number": item.course_number or None,
            "completed_on": item.completed_on.isoformat(), "hours": str(item.hours), "categories": item.categories,
            "note": item.note, "proof": item.proof_name,
            "proof_kind": item.proof_kind.value if item.proof_kind else None,
            "status": item.status.value, "submitted_at": item.submitted_at.isoformat(),
            "decided_at": item.decided_at.isoformat() if item.decided_at else None, "comment": item.comment,
            "record_id": item.record_id, "cpt_credited": item.cpt_credited, "cpt_reason": item.cpt_reason or None,
            **({"person": {"post_id": person.post_id, "name": person.full_name}} if person else {})}


@bp.post("/me/external-training")
@login_required
def submit():
    """multipart/form-data: the fields, ``categories`` as JSON ({"firearms": "2"}), and the ``proof`` file.
    A training manager submitting for someone adds ``person_id``."""
    if not request.mimetype.startswith("multipart/form-data"):
        raise ValidationError("Send multipart/form-data with the fields and the proof file.",
                              details={"content_type": "multipart/form-data"})
    db, actor = get_session(), current_actor()
    person = actor
    if request.form.get("person_id"):
        person = db.get(Person, as_id(request.form["person_id"]) or 0)
        if person is None or not external.may_submit_for(actor, person):
            raise NotFoundError("No such person.")
    try:
        categories = json.loads(request.form.get("categories") or "{}")
        if not isinstance(categories, dict) or not all(isinstance(v, str | int | float) for v in categories.values()):
            raise ValueError
    except ValueError as exc:
        raise ValidationError("Some fields are invalid.",
                              details={"categories": 'A JSON object such as {"firearms": "2"}.'}) from exc
    defaults = external.Submission()
    data = external.Submission(**{f: request.form.get(f, getattr(defaults, f))[:2000] for f in FIELDS},
                               categories={str(k): str(v) for k, v in categories.items()})
    upload = request.files.get("proof")
    proof = external.Proof(upload.filename or "proof", upload.read(external.MAX_PROOF_BYTES + 1)) if upload else None
    item = external.submit(db, app_storage(current_app), actor=actor, person=person, data=data, proof=proof,
                           now=utcnow())
    db.commit()
    return jsonify(item_json(item)), 201


@bp.get("/agencies/<int:agency_id>/external-training")
@require_role(Role.TRAINING_MANAGER, Role.ADMINISTRATOR)
def agency_queue(agency_id: int):
    """Waiting submissions by default; ``status`` pending, returned or approved, or all; pages by ``after``."""
    raw = request.args.get("status", "pending")
    status = None if raw == "all" else ExternalStatus(raw) if raw in {s.value for s in ExternalStatus} else None
    if status is None and raw != "all":
        raise ValidationError("Some fields are invalid.", details={"status": "pending, returned, approved or all."})
    after = min(max(request.args.get("after", 0, type=int) or 0, 0), ID_MAX)
    limit = min(max(request.args.get("limit", 100, type=int) or 100, 1), 500)
    rows = external.queue(get_session(), current_actor(), agency_id, status=status, limit=limit + 1, after=after)
    more = len(rows) > limit
    return jsonify(items=[item_json(i, p) for i, p in rows[:limit]], next_after=rows[limit - 1][0].id if more else None)


@bp.post("/external-training/<int:external_id>/decision")
@require_role(Role.TRAINING_MANAGER, Role.ADMINISTRATOR)
def decide(external_id: int):
    """``decision``: "approve" or "return" (with ``comment``)."""
    db, actor = get_session(), current_actor()
    item, _ = external.get(db, actor, external_id)  # another agency's: not found, before anything about the body
    data = json_body()
    if data.get("decision") not in ("approve", "return"):
        raise ValidationError("Some fields are invalid.", details={"decision": "approve or return."})
    comment = data.get("comment", "")
    if not isinstance(comment, str):
        raise ValidationError("Some fields are invalid.", details={"comment": "Expected a string."})
    external.decide(db, actor=actor, item=item, approve=data["decision"] == "approve", comment=comment, now=utcnow())
    db.commit()
    return jsonify(item_json(item))


_ITEM = {"application/json": {"schema": {"$ref": "#/components/schemas/ExternalTraining"}}}
OPENAPI = {
    "tag": {"name": "Training taken elsewhere", "description": "Outside training and missing records, with proof "
                                                              "and the training manager's decision."},
    "paths": {
        "/me/external-training": {"post": {
            "summary": "Submit training taken elsewhere (or a missing record) with its proof",
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["completed_on"], "properties": {
                    "kind": {"type": "string", "enum": ["elsewhere", "missing"]},
                    "title": {"type": "string", "maxLength": 200}, "presenter": {"type": "string", "maxLength": 200},
                    "course_number": {"type": "string", "maxLength": 16},
                    "course_slug": {"type": "string", "description": "A missing record: the course taken here"},
                    "completed_on": {"type": "string", "format": "date"}, "hours": {"type": "string"},
                    "categories": {"type": "string", "description": 'JSON such as {"firearms": "2"}'},
                    "note": {"type": "string", "maxLength": 1000},
                    "proof_kind": {"type": "string", "enum": ["certificate", "letter", "other"]},
                    "person_id": {"type": "integer", "description": "A training manager submitting for someone"},
                    "proof": {"type": "string", "format": "binary", "description": "PDF, PNG or JPEG, 5 MB"}}}}}},
            "responses": {"201": {"description": "Submitted", "content": _ITEM},
                          **error_responses(400, 401, 403, 404, 413, 422)},
        }},
        "/agencies/{agency_id}/external-training": {"get": {
            "summary": "An agency's submissions to review (pending by default)",
            "parameters": [
                {"name": "agency_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}},
                {"name": "status", "in": "query",
                 "schema": {"type": "string", "enum": ["pending", "returned", "approved", "all"]}},
                {"name": "after", "in": "query", "schema": {"type": "integer", "minimum": 0}},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}}],
            "responses": {"200": {"description": "A page", "content": {"application/json": {"schema": {
                "type": "object", "properties": {
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/ExternalTraining"}},
                    "next_after": {"type": "integer", "nullable": True}}}}}}, **error_responses(401, 403, 404, 422)},
        }},
        "/external-training/{external_id}/decision": {"post": {
            "summary": "Approve (a record is written) or return with a comment",
            "parameters": [{"name": "external_id", "in": "path", "required": True,
                            "schema": {"type": "integer", "minimum": 1}}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["decision"], "properties": {
                    "decision": {"type": "string", "enum": ["approve", "return"]},
                    "comment": {"type": "string", "maxLength": 1000}}}}}},
            "responses": {"200": {"description": "Decided", "content": _ITEM},
                          **error_responses(400, 401, 403, 404, 409, 415, 422)},
        }},
    },
    "schemas": {"ExternalTraining": {"type": "object", "required": ["id", "kind", "title", "status"], "properties": {
        "id": {"type": "integer"}, "person_id": {"type": "integer"}, "kind": {"type": "string"},
        "title": {"type": "string"}, "presenter": {"type": "string"},
        "course_number": {"type": "string", "nullable": True}, "completed_on": {"type": "string", "format": "date"},
        "hours": {"type": "string"}, "categories": {"type": "object"}, "note": {"type": "string"},
        "proof": {"type": "string", "nullable": True}, "proof_kind": {"type": "string", "nullable": True},
        "status": {"type": "string", "enum": ["pending", "returned", "approved"]},
        "submitted_at": {"type": "string", "format": "date-time"},
        "decided_at": {"type": "string", "format": "date-time", "nullable": True}, "comment": {"type": "string"},
        "record_id": {"type": "integer", "nullable": True}, "cpt_credited": {"type": "boolean", "nullable": True},
        "cpt_reason": {"type": "string", "nullable": True}}}},
}
