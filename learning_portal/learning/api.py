"""API: enrolling, lesson progress, completions."""

from __future__ import annotations

from flask import jsonify

from learning_portal.catalog import queries as catalog
from learning_portal.catalog.models import CourseItem, ItemKind
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
    if item.kind is ItemKind.VIDEO:
        if "watched" not in data or "position_s" not in data:
            raise ValidationError("A video takes {\"watched\": [[start_s, end_s], ...], \"position_s\": ...}.",
                                  details={"watched": "Required.", "position_s": "Required."})
        outcome = services.record_video_progress(session, enrollment=enrollment, item=item, watched=data["watched"],
                                                 position_s=data["position_s"], now=utcnow())
    elif data.get("heartbeat") is True:  # the lesson is open and visible: the server counts the time
        services.heartbeat(session, enrollment=enrollment, item=item, now=utcnow())
        outcome = services.ItemOutcome(item_completed=False, course_completed=False)
    else:
        if data.get("viewed") is not True:
            raise ValidationError("A lesson takes {\"viewed\": true} (or {\"heartbeat\": true} while it is open).",
                                  details={"viewed": "Must be true."})
        outcome = services.mark_lesson_viewed(session, enrollment=enrollment, item=item, now=utcnow())
    session.commit()
    done, total = services.progress_counts(enrollment)
    progress = next((p for p in enrollment.progress if p.item_id == item.id), None)
    return jsonify(item_id=item.id, completed=bool(progress and progress.completed_at),
                   completed_course=outcome.course_completed, progress={"done": done, "total": total},
                   active_s=round(progress.active_s) if progress else 0, min_seconds=item.min_seconds)


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
    "tag": {"name": "Learning", "description": "Enrolling, progress on lessons and videos, completions."},
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
            "summary": "Record progress: a lesson takes {\"heartbeat\": true} while open and {\"viewed\": true}; a "
                       "video {\"watched\", \"position_s\"}",
            "description": "Video reports are checked against the video and the real time since the player "
                           "opened it: negative, overlapping, out-of-range, skipping-ahead or too-fast "
                           "intervals get 422. The video counts once its coverage is reached (default 95%). "
                           "A lesson marked viewed before its minimum time on the page (counted by the server "
                           "from heartbeats, 30 s a beat at most), or an item of a course taken in order "
                           "before the ones ahead of it, gets 409 with the reason (code seat_time or "
                           "out_of_order).",
            "parameters": _ID,
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "properties": {
                    "viewed": {"type": "boolean"}, "heartbeat": {"type": "boolean"},
                    "watched": {"type": "array", "items": {"type": "array", "items": {"type": "number"},
                                                           "minItems": 2, "maxItems": 2}},
                    "position_s": {"type": "number"}}}}}},
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
