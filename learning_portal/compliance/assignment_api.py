"""API: an agency's assignments, and changing one (the same rules as the assignments page)."""

from __future__ import annotations

from datetime import date

from flask import Response, current_app, jsonify, request

from learning_portal.accounts.localdate import today_for
from learning_portal.accounts.models import Person, Role
from learning_portal.audit import services as audit
from learning_portal.clock import utcnow
from learning_portal.compliance import assigning, queries, services
from learning_portal.csvfile import write_rows
from learning_portal.db import ID_MAX, as_id, get_session, streamed
from learning_portal.errors import ValidationError
from learning_portal.learning import assignments
from learning_portal.learning.models import ClosedAs, CourseAssignment
from learning_portal.web.api import api_blueprint, dry_run_arg, json_body
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


@bp.post("/agencies/<int:agency_id>/assignments")
@require_role(*_MANAGERS)
def assign(agency_id: int):
    """Assign ``course`` (slug) due ``due_on`` to ``person_ids``, or to everyone ``filters`` select (the
    dashboard's: requirement, status, assignment, rank, q). ``dry_run`` answers who and what, assigning nothing."""
    data = json_body()
    db, actor, now = get_session(), current_actor(), utcnow()
    services.agency_for(db, actor, agency_id)  # another agency's: not found, before anything about the body
    problems: dict[str, str] = {}
    if not isinstance(data.get("course"), str):
        problems["course"] = "A course slug."
    try:
        due_on = date.fromisoformat(data["due_on"]) if isinstance(data.get("due_on"), str) else None
    except ValueError:
        due_on = None
    if due_on is None:
        problems["due_on"] = "A date such as 2026-03-31."
    note = data.get("note", "")
    if not isinstance(note, str) or len(note) > 200:
        problems["note"] = "Up to 200 characters."
    ids, filters = data.get("person_ids"), data.get("filters")
    if (ids is None) == (filters is None):
        problems["person_ids"] = "Give person_ids, or filters (an object, {} for everyone), not both."
    elif ids is not None and (not isinstance(ids, list) or len(ids) > 100_000 or any(as_id(i) is None for i in ids)):
        problems["person_ids"] = "A list of person ids."
    elif filters is not None and (not isinstance(filters, dict) or not all(isinstance(v, str)
                                                                          for v in filters.values())):
        problems["filters"] = "An object of the dashboard's filters, each a string."
    dry = data.get("dry_run") is True or dry_run_arg()
    if problems:
        raise ValidationError("Some fields are invalid.", details=problems)
    agency, defs = services.fresh_agency(db, actor, agency_id, now=now)
    planned = assigning.plan(db, agency=agency, defs=defs, course_slug=data["course"],
                             person_ids=[as_id(i) for i in ids] if ids is not None else None,
                             filters=queries.PeopleFilter.from_args(filters, defs) if filters is not None else None,
                             today=defs.today(now), credit_samples=current_app.config["CREDIT_SAMPLE_COURSES"])
    credit = {"no_credit": planned.no_credit,
              "no_credit_for": [{"person_id": pid, "reason": why} for pid, why in planned.no_credit_for.items()]}
    if dry:
        db.rollback()
        return jsonify(dry_run=True, people=len(planned.person_ids), would_assign=planned.new,
                       already=len(planned.already), **credit,
                       sample=[{"id": i, "name": n, "post_id": p} for i, n, p in planned.names])
    result = assigning.carry_out(db, actor=actor, agency=agency, planned=planned, due_on=due_on, note=note, now=now)
    db.commit()
    return jsonify(dry_run=False, assigned=result.assigned, already=result.already, **credit), 201


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
        }, "post": {
            "summary": "Assign a course to people by id, or to everyone the dashboard's filters select (dry_run: "
                       "who, and who would earn no CPT, assigning nothing)",
            "parameters": [
                {"name": "agency_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}},
                {"name": "dry_run", "in": "query", "schema": {"type": "string", "enum": ["0", "1"]}}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["course", "due_on"], "properties": {
                    "course": {"type": "string", "description": "The course's slug"},
                    "due_on": {"type": "string", "format": "date"},
                    "note": {"type": "string", "maxLength": 200},
                    "person_ids": {"type": "array", "items": {"type": "integer", "minimum": 1}},
                    "filters": {"type": "object", "description": "requirement, status, assignment, rank, q",
                                "additionalProperties": {"type": "string"}},
                    "dry_run": {"type": "boolean"}}}}}},
            "responses": {
                "200": {"description": "Dry run: how many, who (the first 100), who would earn no CPT",
                        "content": {"application/json": {"schema": {"type": "object"}}}},
                "201": {"description": "Assigned", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {
                        "assigned": {"type": "integer"}, "already": {"type": "integer"},
                        "no_credit": {"type": "string", "nullable": True},
                        "no_credit_for": {"type": "array", "items": {"type": "object"}}}}}}},
                **error_responses(400, 401, 403, 404, 415, 422)},
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
