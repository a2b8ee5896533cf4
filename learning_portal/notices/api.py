"""API: the caller's own notices, and marking them read."""

from __future__ import annotations

from flask import jsonify, request

from learning_portal.clock import utcnow
from learning_portal.db import ID_MAX, as_id, get_session
from learning_portal.errors import ValidationError
from learning_portal.notices import services
from learning_portal.notices.models import Notification
from learning_portal.web.api import api_blueprint, json_body
from learning_portal.web.auth import current_actor, login_required
from learning_portal.web.openapi import error_responses

bp = api_blueprint("notices_api")


def notice_json(n: Notification) -> dict:
    return {"id": n.id, "kind": n.kind, "title": n.title, "body": n.body, "link": n.link or None,
            "created_at": n.created_at.isoformat(), "read_at": n.read_at.isoformat() if n.read_at else None,
            "email": n.email_state.value}


@bp.get("/me/notifications")
@login_required
def mine():
    """Newest first; ``before`` an id for the next page; ``unread=1`` for the unread only."""
    db, actor = get_session(), current_actor()
    before = request.args.get("before", type=int)
    before = min(max(before, 1), ID_MAX) if before is not None else None
    limit = min(max(request.args.get("limit", 50, type=int) or 50, 1), 200)
    rows = services.page_for(db, actor.id, before=before, limit=limit + 1,
                             unread_only=request.args.get("unread") in ("1", "true"))
    more = len(rows) > limit
    return jsonify(notifications=[notice_json(n) for n in rows[:limit]], unread=services.unread_count(db, actor.id),
                   next_before=rows[limit - 1].id if more else None)


@bp.post("/me/notifications/read")
@login_required
def read():
    """Mark ``ids`` read, or everything (``all``: true)."""
    data = json_body()
    db, actor = get_session(), current_actor()
    if data.get("all") is True:
        ids = None
    elif isinstance(data.get("ids"), list) and len(data["ids"]) <= 1000:
        ids = [as_id(i) for i in data["ids"]]
        if None in ids:
            raise ValidationError("Some fields are invalid.", details={"ids": "Expected notification ids."})
    else:
        raise ValidationError("Say which notices were read.",
                              details={"ids": "A list of up to 1,000 notification ids, or all: true."})
    marked = services.mark_read(db, actor.id, ids=ids, now=utcnow())
    db.commit()
    return jsonify(marked=marked, unread=services.unread_count(db, actor.id))


_NOTICE = {"type": "object", "required": ["id", "kind", "title", "body", "created_at"], "properties": {
    "id": {"type": "integer"}, "kind": {"type": "string"}, "title": {"type": "string"}, "body": {"type": "string"},
    "link": {"type": "string", "nullable": True, "description": "A path in the portal"},
    "created_at": {"type": "string", "format": "date-time"},
    "read_at": {"type": "string", "format": "date-time", "nullable": True},
    "email": {"type": "string", "description": "How its e-mail went: pending, queued, no_address, bounced, closed"}}}
OPENAPI = {
    "tag": {"name": "Notifications", "description": "The caller's notices: assignments, reminders, credit, digests."},
    "paths": {
        "/me/notifications": {"get": {
            "summary": "My notices, newest first, with the unread count",
            "parameters": [
                {"name": "before", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
                {"name": "unread", "in": "query", "schema": {"type": "string", "enum": ["0", "1"]}}],
            "responses": {"200": {"description": "A page of notices", "content": {"application/json": {"schema": {
                "type": "object", "properties": {
                    "notifications": {"type": "array", "items": {"$ref": "#/components/schemas/Notification"}},
                    "unread": {"type": "integer"}, "next_before": {"type": "integer", "nullable": True}}}}}},
                **error_responses(401)},
        }},
        "/me/notifications/read": {"post": {
            "summary": "Mark my notices read (these ids, or all)",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "properties": {
                    "ids": {"type": "array", "maxItems": 1000, "items": {"type": "integer", "minimum": 1}},
                    "all": {"type": "boolean"}}}}}},
            "responses": {"200": {"description": "How many were marked, and how many are still unread",
                                  "content": {"application/json": {"schema": {"type": "object", "properties": {
                                      "marked": {"type": "integer"}, "unread": {"type": "integer"}}}}}},
                          **error_responses(400, 401, 415, 422)},
        }},
    },
    "schemas": {"Notification": _NOTICE},
}
