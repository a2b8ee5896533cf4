"""API: the catalogue."""

from __future__ import annotations

from flask import current_app, jsonify, request

from learning_portal.catalog import queries
from learning_portal.catalog.models import CourseVersion
from learning_portal.db import get_session
from learning_portal.web.api import api_blueprint
from learning_portal.web.auth import current_actor, login_required
from learning_portal.web.openapi import error_responses

bp = api_blueprint("catalog_api")


@bp.get("/courses")
@login_required
def list_courses():
    versions = queries.search_courses(get_session(), queries.CourseFilters.from_args(request.args), with_items=True)
    return jsonify(courses=[course_summary(v) for v in versions])


@bp.get("/courses/<slug>")
@login_required
def course_detail(slug: str):
    session = get_session()
    _, version = queries.get_course(session, slug)
    return jsonify({
        "rules_for_credit": current_app.extensions["credit_rules"](session, version, current_actor()),
        **course_summary(version),
        "description": version.description,
        "audience_note": version.audience_note,
        "topics": version.topics,
        "hours": {k: float(v) for k, v in version.hours.items()},
        "certification_level": version.certification_level,
        # Set when the course went through certification here (the certification package's hook).
        "certification": current_app.extensions["course_certification"](session, version.course_id,
                                                                         current_actor()),
        "facilitation_allowed": version.facilitation_allowed,
        "items": [
            {"id": item.id, "kind": item.kind.value, "title": item.title, "required": item.is_required,
             **({"quiz_id": item.id} if item.kind.value == "quiz" else {})}
            for item in version.items
        ],
    })


def course_summary(version: CourseVersion) -> dict:
    return {
        "slug": version.course.slug,
        "number": version.course.course_number,
        "title": version.title,
        "summary": version.summary,
        "delivery": version.delivery.value,
        "audience": version.audience,
        "cpt_hours": float(version.cpt_hours),
        "credit": version.credit_mode.value,
        "posts_automatically": version.credit_mode.value == "automatic",
        "satisfies": [r.id for r in version.requirements],
        "version": version.version,
        "sample": version.is_sample,
    }


_COURSE_SUMMARY = {
    "type": "object",
    "required": ["slug", "number", "title", "delivery", "cpt_hours", "satisfies"],
    "properties": {
        "slug": {"type": "string"}, "number": {"type": "string", "example": "9999-00101"},
        "title": {"type": "string"}, "summary": {"type": "string"},
        "delivery": {"type": "string", "enum": ["self_paced", "instructor_led", "video_facilitated", "blended"]},
        "audience": {"type": "array", "items": {"type": "string"}},
        "cpt_hours": {"type": "number"}, "credit": {"type": "string", "enum": ["automatic", "roster", "none"]},
        "posts_automatically": {"type": "boolean"},
        "satisfies": {"type": "array", "items": {"type": "string"}},
        "version": {"type": "integer"}, "sample": {"type": "boolean"},
    },
}
_FILTERS = [
    {"name": "q", "in": "query", "schema": {"type": "string"}, "description": "Words in title, number or topics"},
    {"name": "delivery", "in": "query", "schema": {"type": "string"}},
    {"name": "audience", "in": "query", "schema": {"type": "string", "enum": ["officer", "dispatcher"]}},
    {"name": "requirement", "in": "query", "schema": {"type": "string"}, "description": "e.g. CA-CPT-24"},
    {"name": "credit", "in": "query", "schema": {"type": "string"}},
]

OPENAPI = {
    "tag": {"name": "Courses", "description": "The catalogue: search, course pages with their items."},
    "paths": {
        "/courses": {"get": {
            "summary": "Search the catalogue", "parameters": _FILTERS,
            "responses": {"200": {"description": "Matching courses (current versions)", "content": {
                "application/json": {"schema": {"type": "object", "required": ["courses"], "properties": {
                    "courses": {"type": "array", "items": {"$ref": "#/components/schemas/CourseSummary"}}}}}}},
                **error_responses(401)},
        }},
        "/courses/{slug}": {"get": {
            "summary": "A course with its items",
            "parameters": [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "The course's current version", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/CourseDetail"}}}},
                **error_responses(401, 404)},
        }},
    },
    "schemas": {
        "CourseSummary": _COURSE_SUMMARY,
        "CourseDetail": {"allOf": [{"$ref": "#/components/schemas/CourseSummary"}, {
            "type": "object", "required": ["items"], "properties": {
                "certification": {"type": "object", "nullable": True, "properties": {
                    "status": {"type": "string", "enum": ["certified", "expired", "withdrawn"]},
                    "course_number": {"type": "string"}, "total_hours": {"type": "string"},
                    "expires_on": {"type": "string", "format": "date"}}},
                "description": {"type": "string"}, "hours": {"type": "object",
                                                             "additionalProperties": {"type": "number"}},
                "items": {"type": "array", "items": {"type": "object", "required": ["id", "kind", "title", "required"],
                          "properties": {"id": {"type": "integer"},
                                         "kind": {"type": "string", "enum": ["lesson", "video", "quiz"]},
                                         "title": {"type": "string"}, "required": {"type": "boolean"},
                                         "quiz_id": {"type": "integer"}}}}}}]},
    },
}
