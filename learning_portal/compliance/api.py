"""API: a person's own compliance, and an agency's (its training managers and administrators)."""

from __future__ import annotations

from flask import Response, jsonify, request

from learning_portal.accounts.models import Role
from learning_portal.clock import utcnow
from learning_portal.compliance import queries, services
from learning_portal.compliance.services import Standing
from learning_portal.compliance.status import STATUSES
from learning_portal.db import get_session, streamed
from learning_portal.errors import NotFoundError
from learning_portal.formatting import hours as format_hours
from learning_portal.web.api import api_blueprint
from learning_portal.web.auth import current_actor, login_required, require_role
from learning_portal.web.openapi import error_responses

bp = api_blueprint("compliance_api")


@bp.get("/me/compliance")
@login_required
def my_compliance():
    db, actor, now = get_session(), current_actor(), utcnow()
    if actor.agency is None:
        raise NotFoundError("Commission staff have no agency, so no training requirements.")
    standings, defs = services.evaluate_person(db, actor, now=now)
    return jsonify(jurisdiction=defs.jurisdiction.code, as_of=defs.today(now).isoformat(),
                   requirements=[standing_json(s) for s in standings])


def standing_json(s: Standing) -> dict:
    f = s.finding
    return {
        "id": s.requirement.id, "title": s.requirement.title, "citation": s.requirement.citation,
        "status": s.status, "reason": s.reason, "kind": f.kind,
        "hours_done": None if f.hours_done is None else format_hours(f.hours_done),
        "hours_needed": None if f.hours_needed is None else format_hours(f.hours_needed),
        "period": f.period, "due_on": f.due_on.isoformat() if f.due_on and f.state == "tracked" else None,
        "last_completed_on": f.last_done.isoformat() if f.last_done else None,
    }


@bp.get("/agencies/<int:agency_id>/compliance")
@require_role(Role.TRAINING_MANAGER, Role.ADMINISTRATOR)
def agency_compliance(agency_id: int):
    db, actor, now = get_session(), current_actor(), utcnow()
    agency, defs = services.fresh_agency(db, actor, agency_id, now=now)
    today = defs.today(now)
    filters = queries.PeopleFilter.from_args(request.args, defs)
    if request.args.get("format") == "csv":
        services.record_export(db, actor=actor, agency=agency, filters=filters.args(), now=now)
        db.commit()
        agency_id = agency.id
        chunks = streamed(lambda s: queries.export_csv(s, agency_id, filters, defs=defs, today=today))
        return Response(chunks, mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="compliance-{agency.number}.csv"'})
    page = request.args.get("page", 1, type=int) or 1
    per_page = min(max(request.args.get("per_page", 50, type=int) or 50, 1), 500)
    page = max(1, min(page, 100_000))
    summary = queries.agency_summary(db, [agency.id], defs=defs, today=today)
    rows, total = queries.people_page(db, agency.id, filters, defs=defs, today=today, page=page, per_page=per_page,
                                      summary=summary)
    return jsonify(
        agency={"id": agency.id, "name": agency.name, "jurisdiction": agency.jurisdiction, "number": agency.number},
        as_of=today.isoformat(), page=page, per_page=per_page, total=total,
        summary={rid: {s: c[s] for s in STATUSES if s != "not_applicable"}
                 for rid, c in summary.by_requirement.items()},
        people=[{"id": r.person.id, "post_id": r.person.post_id, "last_name": r.person.last_name,
                 "first_name": r.person.first_name, "rank_tier": r.person.rank_tier.value,
                 "assignment": r.person.assignment.value, "status": r.status,
                 "due_on": r.due_on.isoformat() if r.due_on else None,
                 **({"reason": r.reason} if filters.requirement else
                    {"needs_attention": [{"id": rid, "status": st} for rid, st in r.issues]})}
                for r in rows])


_STATUS = {"type": "string", "enum": list(STATUSES)}
_FILTERS = [
    {"name": "requirement", "in": "query", "schema": {"type": "string"}, "description": "e.g. CA-CPT-24"},
    {"name": "status", "in": "query", "schema": _STATUS},
    {"name": "assignment", "in": "query", "schema": {"type": "string"}},
    {"name": "rank", "in": "query", "schema": {"type": "string"}},
    {"name": "q", "in": "query", "schema": {"type": "string"}, "description": "Part of a name or POST ID"},
    {"name": "sort", "in": "query", "schema": {"type": "string", "enum": list(queries.SORTS)}},
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
    {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["json", "csv"]}},
]

OPENAPI = {
    "tag": {"name": "Compliance", "description": "Requirement status per person and per agency."},
    "paths": {
        "/me/compliance": {"get": {
            "summary": "The caller's standing on every requirement of their jurisdiction, with the reason",
            "responses": {"200": {"description": "Requirements, most urgent first", "content": {"application/json": {
                "schema": {"type": "object", "required": ["requirements"], "properties": {
                    "jurisdiction": {"type": "string"}, "as_of": {"type": "string", "format": "date"},
                    "requirements": {"type": "array", "items": {"$ref": "#/components/schemas/Standing"}}}}}}},
                **error_responses(401, 404)},
        }},
        "/agencies/{agency_id}/compliance": {"get": {
            "summary": "An agency's people with their status (training managers of the agency, administrators)",
            "description": "Without `requirement`, each person's status is the worst of theirs. With "
                           "`format=csv`, the whole filtered list as CSV: one row per person and requirement.",
            "parameters": [{"name": "agency_id", "in": "path", "required": True, "schema": {"type": "integer"}},
                           *_FILTERS],
            "responses": {"200": {"description": "One page of people, and counts per requirement", "content": {
                "application/json": {"schema": {"type": "object", "properties": {
                    "total": {"type": "integer"}, "page": {"type": "integer"}, "summary": {"type": "object"},
                    "people": {"type": "array", "items": {"type": "object", "properties": {
                        "post_id": {"type": "string"}, "status": _STATUS,
                        "due_on": {"type": "string", "format": "date", "nullable": True}}}}}}},
                "text/csv": {"schema": {"type": "string"}}}},
                **error_responses(401, 403, 404)},
        }},
    },
    "schemas": {
        "Standing": {"type": "object", "required": ["id", "title", "status", "reason"], "properties": {
            "id": {"type": "string"}, "title": {"type": "string"}, "citation": {"type": "string"},
            "status": _STATUS, "reason": {"type": "string"}, "kind": {"type": "string"},
            "hours_done": {"type": "string", "nullable": True}, "hours_needed": {"type": "string", "nullable": True},
            "period": {"type": "string", "nullable": True},
            "due_on": {"type": "string", "format": "date", "nullable": True},
            "last_completed_on": {"type": "string", "format": "date", "nullable": True}}},
    },
}
