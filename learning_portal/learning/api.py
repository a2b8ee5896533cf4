"""API: enrolling, lesson progress, completions."""

from __future__ import annotations

from flask import jsonify

from learning_portal.catalog import queries as catalog
from learning_portal.catalog.models import CourseItem
from learning_portal.clock import utcnow
from learning_portal.db import get_session
from learning_portal.errors import NotFoundError, ValidationError
from learning_portal.learning import queries, services
from learning_portal.learning.models import Enrollment
from learning_portal.web.api import api_blueprint, json_body
from learning_portal.web.auth import current_actor, login_required
from learning_portal.web.openapi import error_responses

bp = api_blueprint("learning_api")


@bp.post("/courses/<slug>/enrollment")
@login_required
def enroll(slug: str):
    session = get_session()
    course, _ = catalog.get_course(session, slug)
    enrollment, created = services.enroll(session, person=current_actor(), course=course, now=utcnow())
    session.commit()
    return jsonify(enrollment_json(enrollment)), 201 if created else 200


@bp.post("/items/<int:item_id>/progress")
@login_required
def item_progress(item_id: int):
    data = json_body()
    session = get_session()
    item = session.get(CourseItem, item_id)
    if item is None:
        raise NotFoundError("No such item.")
    enrollment = services.enrollment_for_item(session, person=current_actor(), item=item)
    if data.get("viewed") is not True:
        raise ValidationError("A lesson takes {\"viewed\": true}.", details={"viewed": "Must be true."})
    outcome = services.mark_lesson_viewed(session, enrollment=enrollment, item=item, now=utcnow())
    session.commit()
    done, total = services.progress_counts(enrollment)
    return jsonify(item_id=item.id, completed=True, completed_course=outcome.course_completed,
                   progress={"done": done, "total": total})


@bp.get("/me/completions")
@login_required
def my_completions():
    completions = queries.my_completions(get_session(), current_actor().id)
    return jsonify(completions=[{
        "id": c.id,
        "course_number": c.course_version.course.course_number,
        "slug": c.course_version.course.slug,
        "title": c.course_version.title,
        "version": c.course_version.version,
        "completed_at": c.completed_at.isoformat(),
        "source": c.source.value,
    } for c in completions])


def enrollment_json(enrollment: Enrollment) -> dict:
    done, total = services.progress_counts(enrollment)
    return {"id": enrollment.id, "course": enrollment.course.slug, "version": enrollment.course_version.version,
            "enrolled_at": enrollment.enrolled_at.isoformat(),
            "completed_at": enrollment.completed_at.isoformat() if enrollment.completed_at else None,
            "progress": {"done": done, "total": total}}


_SLUG = [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}]
_ID = [{"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
_PROGRESS = {"type": "object", "properties": {"done": {"type": "integer"}, "total": {"type": "integer"}}}

OPENAPI = {
    "paths": {
        "/courses/{slug}/enrollment": {"post": {
            "summary": "Enroll in a course (idempotent: an open enrollment is returned as it is)",
            "parameters": _SLUG,
            "responses": {
                "201": {"description": "Enrolled", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Enrollment"}}}},
                "200": {"description": "Already enrolled", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Enrollment"}}}},
                **error_responses(401, 404)},
        }},
        "/items/{item_id}/progress": {"post": {
            "summary": "Record progress on an item: a lesson takes {\"viewed\": true}",
            "parameters": _ID,
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "properties": {"viewed": {"type": "boolean"}}}}}},
            "responses": {"200": {"description": "Progress recorded", "content": {"application/json": {"schema": {
                "type": "object", "required": ["item_id", "completed", "completed_course"],
                "properties": {"item_id": {"type": "integer"}, "completed": {"type": "boolean"},
                               "completed_course": {"type": "boolean"}, "progress": _PROGRESS}}}}},
                **error_responses(400, 401, 404, 409, 415, 422)},
        }},
        "/me/completions": {"get": {
            "summary": "The caller's course completions",
            "responses": {"200": {"description": "Completions, newest first", "content": {"application/json": {
                "schema": {"type": "object", "properties": {"completions": {"type": "array", "items": {
                    "type": "object", "properties": {
                        "id": {"type": "integer"}, "course_number": {"type": "string"}, "slug": {"type": "string"},
                        "title": {"type": "string"}, "version": {"type": "integer"},
                        "completed_at": {"type": "string", "format": "date-time"},
                        "source": {"type": "string", "enum": ["online", "roster"]}}}}}}}}},
                **error_responses(401)},
        }},
    },
    "schemas": {
        "Enrollment": {"type": "object", "required": ["id", "course", "version", "progress"], "properties": {
            "id": {"type": "integer"}, "course": {"type": "string"}, "version": {"type": "integer"},
            "enrolled_at": {"type": "string", "format": "date-time"},
            "completed_at": {"type": "string", "format": "date-time", "nullable": True}, "progress": _PROGRESS}},
    },
}
