"""API: an agency's assignments, and changing one (the same rules as the assignments page)."""

from __future__ import annotations

from datetime import date

from flask import Response, jsonify, request

from learning_portal.accounts.localdate import today_for
from learning_portal.accounts.models import Person, Role
from learning_portal.audit import services as audit
from learning_portal.clock import utcnow
from learning_portal.compliance import services
from learning_portal.csvfile import write_rows
from learning_portal.db import ID_MAX, get_session, streamed
from learning_portal.errors import ValidationError
from learning_portal.learning import assignments
from learning_portal.learning.models import ClosedAs, CourseAssignment
from learning_portal.web.api import api_blueprint, json_body
from learning_portal.web.auth import current_actor, require_role
from learning_portal.web.openapi import error_responses

bp = api_blueprint("assignments_api")
_MANAGERS = (Role.TRAINING_MANAGER, Role.ADMINISTRATOR)


def assignment_json(a: CourseAssignment, person: Person, today: date) -> dict:
    return {"id": a.id, "person": {"id": person.id, "post_id": person.post_id, "name": person.full_name},
            "course": {"id": a.course.id, "slug": a.course.slug, "course_number": a.course.course_number},
            "assigned_at": a.assigned_at.isoformat(), "assigned_by_id": a.assigned_by_id,
            "due_on": a.due_on.isoformat(), "status": assignments.status_of(a, today).value,
            "reason": a.reason.value, "note": a.note, "changes": a.changes or []}


@bp.get("/agencies/<int:agency_id>/assignments")
@require_role(*_MANAGERS)
def agency_assignments(agency_id: int):
    db, actor, now = get_session(), current_actor(), utcnow()
    agency = services.agency_for(db, actor, agency_id)
    today = today_for(db, agency, now)
    query = assignments.agency_query(agency.id, assignments.AssignmentFilter.from_args(request.args), today)
    if request.args.get("format") == "csv":
        audit.record(db, "compliance.exported", actor_id=actor.id, target=f"agency:{agency.id}", now=now,
                     details={"what": "assignments"})
        db.commit()
        return Response(streamed(lambda s: write_rows(assignments.csv_rows(s, query, today))),
                        mimetype="text/csv")
    after = min(max(request.args.get("after", 0, type=int) or 0, 0), ID_MAX)
    limit = min(max(request.args.get("limit", 100, type=int) or 100, 1), 500)
    rows = db.execute(query.where(CourseAssignment.id > after).order_by(None).order_by(CourseAssignment.id)
                      .limit(limit + 1)).all()
    more = len(rows) > limit
    return jsonify(assignments=[assignment_json(a, p, today) for a, p in rows[:limit]],
                   next_after=rows[limit - 1][0].id if more else None)


@bp.patch("/assignments/<int:assignment_id>")
@require_role(*_MANAGERS)
def change_assignment(assignment_id: int):
    """``due_on`` to move the due date, or ``close``: "cancelled" or "excused" (with ``reason``)."""
    data = json_body()
    problems: dict[str, str] = {}
    due_on, close = None, None
    if isinstance(data.get("due_on"), str):
        try:
            due_on = date.fromisoformat(data["due_on"])
        except ValueError:
            problems["due_on"] = "A date such as 2026-03-31."
    elif data.get("due_on") is not None:
        problems["due_on"] = "A date such as 2026-03-31."
    if data.get("close") is not None:
        if data["close"] not in {c.value for c in ClosedAs}:
            problems["close"] = "cancelled or excused."
        else:
            close = ClosedAs(data["close"])
    reason = data.get("reason", "")
    if not isinstance(reason, str):
        problems["reason"] = "Expected a string."
    if problems:
        raise ValidationError("Some fields are invalid.", details=problems)
    db, actor, now = get_session(), current_actor(), utcnow()
    assignment = assignments.get_for(db, actor, assignment_id)  # the route's int is in range (web.converters)
    assignments.change(db, actor=actor, assignment=assignment, due_on=due_on, close=close, reason=reason, now=now)
    db.commit()
    person = db.get(Person, assignment.person_id)
    return jsonify(assignment_json(assignment, person, today_for(db, person, now)))


_ASSIGNMENT = {"application/json": {"schema": {"$ref": "#/components/schemas/Assignment"}}}
OPENAPI = {
    "tag": {"name": "Assignments", "description": "Courses assigned to people, with due dates and status."},
    "paths": {
        "/agencies/{agency_id}/assignments": {"get": {
            "summary": "An agency's assignments (filters as on the page; format=csv for a spreadsheet)",
            "parameters": [
                {"name": "agency_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}},
                {"name": "status", "in": "query",
                 "schema": {"type": "string", "enum": [s.value for s in assignments.Status]}},
                {"name": "course", "in": "query", "schema": {"type": "integer"}},
                {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 100}},
                {"name": "after", "in": "query", "schema": {"type": "integer", "minimum": 0}},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
                {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["json", "csv"]}}],
            "responses": {"200": {"description": "A page of assignments (by id), or the CSV", "content": {
                "application/json": {"schema": {"type": "object", "properties": {
                    "assignments": {"type": "array", "items": {"$ref": "#/components/schemas/Assignment"}},
                    "next_after": {"type": "integer", "nullable": True}}}},
                "text/csv": {"schema": {"type": "string"}}}}, **error_responses(401, 403, 404)},
        }},
        "/assignments/{assignment_id}": {"patch": {
            "summary": "Move an assignment's due date, or cancel it, or excuse the person (audited, shown to them)",
            "parameters": [{"name": "assignment_id", "in": "path", "required": True,
                            "schema": {"type": "integer", "minimum": 1}}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "properties": {
                    "due_on": {"type": "string", "format": "date"},
                    "close": {"type": "string", "enum": ["cancelled", "excused"]},
                    "reason": {"type": "string", "maxLength": 200}}}}}},
            "responses": {"200": {"description": "The assignment as changed", "content": _ASSIGNMENT},
                          **error_responses(400, 401, 403, 404, 409, 415, 422)},
        }},
    },
    "schemas": {"Assignment": {"type": "object", "required": ["id", "person", "course", "due_on", "status"],
                               "properties": {
        "id": {"type": "integer"},
        "person": {"type": "object", "properties": {"id": {"type": "integer"}, "post_id": {"type": "string"},
                                                    "name": {"type": "string"}}},
        "course": {"type": "object", "properties": {"id": {"type": "integer"}, "slug": {"type": "string"},
                                                    "course_number": {"type": "string"}}},
        "assigned_at": {"type": "string", "format": "date-time"}, "assigned_by_id": {"type": "integer",
                                                                                    "nullable": True},
        "due_on": {"type": "string", "format": "date"},
        "status": {"type": "string", "enum": [s.value for s in assignments.Status]},
        "reason": {"type": "string"}, "note": {"type": "string"},
        "changes": {"type": "array", "items": {"type": "object"}}}}},
}
