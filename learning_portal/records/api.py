"""API: an agency's training history imported from CSV (``records.history``)."""

from __future__ import annotations

from flask import current_app, jsonify

from learning_portal.accounts.models import Agency, Role
from learning_portal.accounts.permissions import can_view_agency
from learning_portal.clock import utcnow
from learning_portal.db import get_session
from learning_portal.errors import NotFoundError
from learning_portal.records import history
from learning_portal.web.api import api_blueprint, csv_body, dry_run_arg
from learning_portal.web.auth import current_actor, require_role
from learning_portal.web.openapi import error_responses
from learning_portal.web.security import accepts_body

bp = api_blueprint("records_api")


@bp.post("/agencies/<int:agency_id>/records/import")
@require_role(Role.TRAINING_MANAGER, Role.ADMINISTRATOR)
@accepts_body(lambda config: config["CSV_IMPORT_MAX_BYTES"])
def import_history(agency_id: int):
    session, actor = get_session(), current_actor()
    agency = session.get(Agency, agency_id)
    if agency is None or not can_view_agency(actor, agency_id):
        raise NotFoundError("No such agency.")
    data, dry_run = csv_body(), dry_run_arg()
    result = history.import_history(session, actor=actor, agency=agency, data=data, now=utcnow(), dry_run=dry_run,
                                    max_hours=current_app.config["RECORDS_MAX_HOURS"])
    if dry_run:
        session.rollback()
    else:
        session.commit()
    return jsonify(written=result.written, added=result.added, already=result.already, rows=[
        {"line": r.line, "post_id": r.post_id, "course_number": r.course_number, "title": r.title,
         "completed_on": r.completed_on.isoformat(), "hours": str(r.hours), "new": r.new} for r in result.rows
    ]), 200 if dry_run else 201


_REPORT = {"application/json": {"schema": {"$ref": "#/components/schemas/HistoryImport"}}}
OPENAPI = {
    "tag": {"name": "Training history", "description": "Training from before the portal, imported per agency."},
    "paths": {"/agencies/{agency_id}/records/import": {"post": {
        "summary": "Import an agency's training history from CSV (idempotent; all or nothing)",
        "parameters": [
            {"name": "agency_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}},
            {"name": "dry_run", "in": "query", "schema": {"type": "string", "enum": ["1", "0", "true", "false"]},
             "description": "1: check every row and say what it would add; write nothing"}],
        "requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}},
        "responses": {"200": {"description": "The plan (dry run)", "content": _REPORT},
                      "201": {"description": "Imported", "content": _REPORT},
                      **error_responses(400, 401, 403, 404, 413, 415, 422)},
    }}},
    "schemas": {"HistoryImport": {"type": "object", "required": ["written", "added", "already", "rows"],
                                  "properties": {
        "written": {"type": "boolean"}, "added": {"type": "integer"}, "already": {"type": "integer"},
        "rows": {"type": "array", "items": {"type": "object", "properties": {
            "line": {"type": "integer"}, "post_id": {"type": "string"}, "course_number": {"type": "string"},
            "title": {"type": "string"}, "completed_on": {"type": "string", "format": "date"},
            "hours": {"type": "string"}, "new": {"type": "boolean"}}}}}}},
}
