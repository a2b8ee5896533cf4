"""API: inbound records from another portal, the caller's training profile, postings for administrators."""

from __future__ import annotations

from flask import current_app, jsonify, request

from learning_portal.accounts.models import Person, Role
from learning_portal.clock import utcnow
from learning_portal.credits import inbound, queries
from learning_portal.db import get_session
from learning_portal.errors import NotFoundError
from learning_portal.web.api import api_blueprint
from learning_portal.web.auth import current_actor, login_required, require_role
from learning_portal.web.openapi import error_responses
from learning_portal.web.pagination import page_args, paginate

bp = api_blueprint("credits_api")


@bp.post("/records")
def receive_record():
    """Another portal forwards a training record (HMAC-signed; no user session or token)."""
    key = current_app.config.get("RECORDS_HMAC_KEY")
    if not key:
        raise NotFoundError("This portal does not accept forwarded records.")
    body = request.get_data(cache=False)
    idempotency_key = inbound.verify_signature(
        hmac_key=key, idempotency_key=request.headers.get("Idempotency-Key"),
        timestamp=request.headers.get("X-Portal-Timestamp"), signature=request.headers.get("X-Portal-Signature"),
        body=body)
    session = get_session()
    answer = inbound.receive(session, idempotency_key=idempotency_key,
                             timestamp=request.headers["X-Portal-Timestamp"], body=body, now=utcnow())
    session.commit()
    return jsonify(answer.body), answer.status


@bp.get("/me/profile")
@login_required
def my_profile():
    return jsonify(profile_json(queries.profile(get_session(), current_actor())))


@bp.get("/credits/postings")
@require_role(Role.ADMINISTRATOR)
def postings():
    page, per_page = page_args()
    # scalars() of the (posting, person) query yields the postings
    result = paginate(get_session(), queries.postings_query(request.args.get("status", "")), page=page,
                      per_page=per_page)
    return jsonify(page=result.page, total=result.total, postings=[{
        "id": p.id, "completion_id": p.completion_id, "person_id": p.person_id, "status": p.status.value,
        "reason": p.reason or None, "attempts": p.attempts, "last_error": p.last_error,
        "next_attempt_at": p.next_attempt_at.isoformat(),
        "posted_at": p.posted_at.isoformat() if p.posted_at else None,
    } for p in result.items])


def profile_json(profile: queries.Profile) -> dict:
    person: Person = profile.person
    return {
        "post_id": person.post_id,
        "name": person.full_name,
        "jurisdiction": profile.jurisdiction.code if profile.jurisdiction else None,
        "records": [{
            "id": r.id, "course_number": r.course_number, "title": r.title, "hours": float(r.hours),
            "categories": {k: float(v) for k, v in r.categories.items()}, "satisfies": r.satisfies,
            "completed_on": r.completed_on.isoformat(), "source": r.source.value,
            "verification_code": r.verification_code,
        } for r in profile.records],
        "cycles": [{
            "label": c.cycle.label, "start": c.cycle.start.isoformat(), "end": c.cycle.end.isoformat(),
            "hours": float(c.hours), "by_category": {k: float(v) for k, v in c.by_category.items()},
        } for c in profile.cycles],
        "pending": [{"course_number": p.completion.course_version.course.course_number,
                     "title": p.completion.course_version.title,
                     "status": p.posting.status.value if p.posting else "pending"} for p in profile.waiting],
        "not_credited": [{"course_number": p.completion.course_version.course.course_number,
                          "title": p.completion.course_version.title, "reason": p.posting.reason}
                         for p in profile.not_credited],
    }


_RECORD = {"type": "object", "required": ["course_number", "title", "hours", "categories", "completed_on", "source"],
           "properties": {"id": {"type": "integer"}, "course_number": {"type": "string"}, "title": {"type": "string"},
                          "hours": {"type": "number"},
                          "categories": {"type": "object", "additionalProperties": {"type": "number"}},
                          "satisfies": {"type": "array", "items": {"type": "string"}},
                          "completed_on": {"type": "string", "format": "date"},
                          "source": {"type": "string", "enum": ["online", "roster", "forwarded"]},
                          "verification_code": {"type": "string"}}}

OPENAPI = {
    "paths": {
        "/records": {"post": {
            "summary": "Receive a training record forwarded by another portal",
            "description": "Signed with HMAC-SHA256: X-Portal-Signature = 'sha256=' + hex(HMAC(key, timestamp + "
                           "'\\n' + Idempotency-Key + '\\n' + body)). Idempotent on Idempotency-Key: a replay "
                           "gets the original answer (200).",
            "security": [],
            "parameters": [
                {"name": "Idempotency-Key", "in": "header", "required": True, "schema": {"type": "string"}},
                {"name": "X-Portal-Timestamp", "in": "header", "required": True, "schema": {"type": "string"}},
                {"name": "X-Portal-Signature", "in": "header", "required": True, "schema": {"type": "string"}},
            ],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["post_id", "course_number", "title", "hours", "completed_on"],
                "properties": {"post_id": {"type": "string"}, "course_number": {"type": "string"},
                               "title": {"type": "string"}, "hours": {"type": "string"},
                               "categories": {"type": "object"}, "satisfies": {"type": "array",
                                                                               "items": {"type": "string"}},
                               "completed_on": {"type": "string", "format": "date"},
                               "source": {"type": "string"}}}}}},
            "responses": {
                "201": {"description": "Recorded", "content": {"application/json": {"schema": {"type": "object"}}}},
                "200": {"description": "Already recorded under this key: the original answer",
                        "content": {"application/json": {"schema": {"type": "object"}}}},
                **error_responses(401, 404, 409, 422)},
        }},
        "/me/profile": {"get": {
            "summary": "The caller's training profile: records, CPT hours per cycle and category",
            "responses": {"200": {"description": "Profile", "content": {"application/json": {"schema": {
                "type": "object", "required": ["post_id", "records", "cycles"], "properties": {
                    "post_id": {"type": "string"}, "records": {"type": "array", "items": _RECORD},
                    "cycles": {"type": "array", "items": {"type": "object"}},
                    "pending": {"type": "array", "items": {"type": "object"}},
                    "not_credited": {"type": "array", "items": {"type": "object"}}}}}}},
                **error_responses(401)},
        }},
        "/credits/postings": {"get": {
            "summary": "Credit postings with status, attempts and last error (administrators)",
            "parameters": [{"name": "status", "in": "query", "schema": {"type": "string"}},
                           {"name": "page", "in": "query", "schema": {"type": "integer"}}],
            "responses": {"200": {"description": "Postings", "content": {"application/json": {
                "schema": {"type": "object"}}}}, **error_responses(401, 403)},
        }},
    },
}
