"""API: a quiz (questions without answers; the answer key for administrators only) and attempts."""

from __future__ import annotations

from flask import jsonify, request

from learning_portal.accounts.models import Role
from learning_portal.catalog.models import CourseItem
from learning_portal.clock import utcnow
from learning_portal.db import get_session
from learning_portal.errors import PermissionDeniedError
from learning_portal.learning import services as learning
from learning_portal.quizzes import services
from learning_portal.quizzes.models import Question, Quiz, QuizAttempt
from learning_portal.web.api import api_blueprint, json_body
from learning_portal.web.auth import current_actor, login_required
from learning_portal.web.openapi import error_responses

bp = api_blueprint("quizzes_api")


@bp.get("/quizzes/<int:quiz_id>")
@login_required
def get_quiz(quiz_id: int):
    session = get_session()
    actor = current_actor()
    quiz = services.get_quiz(session, quiz_id)
    if request.args.get("answers") not in (None, "", "0"):
        if not actor.has_role(Role.ADMINISTRATOR):
            raise PermissionDeniedError("Only administrators can read a quiz's answer key.")
        return jsonify(_quiz_json(quiz, [(q, q.choices) for q in quiz.questions], answers=True))
    enrollment = learning.enrollment_for_item(session, person=actor, item=session.get(CourseItem, quiz.id))
    body: dict = {}
    try:
        attempt = services.open_attempt(session, enrollment=enrollment, quiz=quiz, now=utcnow())
    except (services.AlreadyPassedError, services.AttemptsExhaustedError) as exc:
        shown = []  # no attempt: no questions (a pool is not shown whole)
        body = {"attempt_id": None, "can_attempt": False, "reason": exc.message, "deadline": None}
    else:
        session.commit()
        shown = services.shown_questions(quiz, attempt)
        body = {"attempt_id": attempt.id, "can_attempt": True,
                "deadline": attempt.deadline.isoformat() if attempt.deadline else None}
    body["attempts_left"] = services.attempts_left(session, enrollment=enrollment, quiz=quiz)
    return jsonify({**_quiz_json(quiz, shown, answers=False), **body})


@bp.put("/quizzes/<int:quiz_id>/attempts/<int:attempt_id>/answers")
@login_required
def save_answers(quiz_id: int, attempt_id: int):
    """Save the answers given so far (some or all); with a time limit, what is saved by the deadline counts."""
    data = json_body()
    session = get_session()
    quiz = services.get_quiz(session, quiz_id)
    enrollment = learning.enrollment_for_item(session, person=current_actor(), item=session.get(CourseItem, quiz.id))
    attempt = services.attempt_for_submission(session, enrollment=enrollment, quiz=quiz, attempt_id=attempt_id,
                                              now=utcnow())
    saved = services.save_answers(session, attempt=attempt, answers=data.get("answers", {}), now=utcnow())
    session.commit()
    return jsonify(attempt_id=attempt.id, saved=saved,
                   deadline=attempt.deadline.isoformat() if attempt.deadline else None)


@bp.post("/quizzes/<int:quiz_id>/attempts")
@login_required
def submit_attempt(quiz_id: int):
    data = json_body()
    session = get_session()
    quiz = services.get_quiz(session, quiz_id)
    enrollment = learning.enrollment_for_item(session, person=current_actor(), item=session.get(CourseItem, quiz.id))
    if "answers" not in data:
        raise services.QuizAnswerError("Send 'answers': {\"<question id>\": [<choice id>, ...]}.",
                                       details={"answers": "This field is required."})
    attempt = services.attempt_for_submission(session, enrollment=enrollment, quiz=quiz,
                                              attempt_id=data.get("attempt_id"), now=utcnow())
    result = services.submit_attempt(session, attempt=attempt, enrollment=enrollment, answers=data["answers"],
                                     now=utcnow())
    session.commit()
    body = _attempt_json(session, result.attempt)
    body["completed_course"] = result.completed_course
    body["duplicate"] = result.duplicate
    return jsonify(body), 200 if result.duplicate else 201


def _quiz_json(quiz: Quiz, shown: list, *, answers: bool) -> dict:
    return {
        "id": quiz.id,
        "pass_mark": quiz.pass_mark,
        "max_attempts": quiz.max_attempts,
        "time_limit_minutes": quiz.time_limit_minutes,
        "late": quiz.late.value,
        "review": quiz.review.value,
        "questions": [_question_json(q, choices, answers) for q, choices in shown],
    }


def _question_json(question: Question, choices: list, answers: bool) -> dict:
    body = {"id": question.id, "kind": question.kind.value, "prompt": question.prompt,
            "choices": [{"id": c.id, "text": c.text} for c in choices]}
    if answers:
        body["correct"] = sorted(question.correct_ids)
        body["explanation"] = question.explanation
    return body


def _attempt_json(session, attempt: QuizAttempt) -> dict:
    feedback = services.attempt_feedback(session, attempt=attempt)
    return {"attempt_id": attempt.id, "score": attempt.score, "passed": attempt.passed,
            "submitted_at": attempt.submitted_at.isoformat(), "attempts_left": feedback.attempts_left,
            "late": attempt.late,
            "feedback": [{"question_id": f.question.id, "correct": f.correct,
                          **({"explanation": f.explanation} if f.explanation else {}),
                          **({"correct_choices": sorted(f.question.correct_ids)} if feedback.reveal else {})}
                         for f in feedback.questions]}


_QUIZ_ID = [{"name": "quiz_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
_CHOICE = {"type": "object", "required": ["id", "text"], "properties": {"id": {"type": "integer"},
                                                                        "text": {"type": "string"}}}

OPENAPI = {
    "tag": {"name": "Quizzes", "description": "Questions (never the answers) and graded attempts."},
    "paths": {
        "/quizzes/{quiz_id}": {"get": {
            "summary": "A quiz's questions in this attempt's order (opens an attempt); no answers",
            "description": "With ?answers=1, administrators get the answer key; anyone else gets 403.",
            "parameters": [*_QUIZ_ID, {"name": "answers", "in": "query", "schema": {"type": "string",
                                                                                  "enum": ["0", "1"]}}],
            "responses": {"200": {"description": "The quiz", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Quiz"}}}}, **error_responses(401, 403, 404, 409)},
        }},
        "/quizzes/{quiz_id}/attempts": {"post": {
            "summary": "Submit answers; submitting the same attempt twice records it once",
            "parameters": _QUIZ_ID,
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["answers"], "properties": {
                    "answers": {"type": "object", "additionalProperties": {"type": "array",
                                                                           "items": {"type": "integer"}}},
                    "attempt_id": {"type": "integer", "description": "From GET /quizzes/{id}"}}}}}},
            "responses": {
                "201": {"description": "Graded", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/AttemptResult"}}}},
                "200": {"description": "This attempt was already submitted; its result", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/AttemptResult"}}}},
                **error_responses(400, 401, 404, 409, 415, 422)},
        }},
        "/quizzes/{quiz_id}/attempts/{attempt_id}/answers": {"put": {
            "summary": "Save the answers given so far; with a time limit, what is saved by the deadline counts",
            "parameters": [*_QUIZ_ID, {"name": "attempt_id", "in": "path", "required": True,
                                       "schema": {"type": "integer"}}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["answers"], "properties": {
                    "answers": {"type": "object", "additionalProperties": {"type": "array",
                                                                           "items": {"type": "integer"}}}}}}}},
            "responses": {"200": {"description": "Saved", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"attempt_id": {"type": "integer"}, "saved": {"type": "integer"},
                                                 "deadline": {"type": "string", "format": "date-time",
                                                              "nullable": True}}}}}},
                **error_responses(400, 401, 404, 409, 415, 422)},
        }},
    },
    "schemas": {
        "Quiz": {"type": "object", "required": ["id", "pass_mark", "questions"], "properties": {
            "id": {"type": "integer"}, "pass_mark": {"type": "integer"},
            "max_attempts": {"type": "integer", "nullable": True},
            "attempts_left": {"type": "integer", "nullable": True},
            "attempt_id": {"type": "integer", "nullable": True}, "can_attempt": {"type": "boolean"},
            "reason": {"type": "string"},
            "deadline": {"type": "string", "format": "date-time", "nullable": True,
                         "description": "With a time limit: when this attempt's time is up (the server's clock)"},
            "time_limit_minutes": {"type": "integer", "nullable": True},
            "late": {"type": "string", "enum": ["grade_on_time", "refuse"]},
            "review": {"type": "string", "enum": ["score", "wrong", "answers_after_pass", "answers"]},
            "questions": {"type": "array", "items": {"type": "object", "required": ["id", "kind", "prompt", "choices"],
                          "properties": {"id": {"type": "integer"},
                                         "kind": {"type": "string", "enum": ["single", "multiple", "true_false"]},
                                         "prompt": {"type": "string"}, "choices": {"type": "array", "items": _CHOICE},
                                         "correct": {"type": "array", "items": {"type": "integer"},
                                                     "description": "Administrators with ?answers=1 only"},
                                         "explanation": {"type": "string"}}}}}},
        "AttemptResult": {"type": "object", "required": ["score", "passed", "completed_course"], "properties": {
            "attempt_id": {"type": "integer"}, "score": {"type": "integer", "minimum": 0, "maximum": 100},
            "passed": {"type": "boolean"}, "completed_course": {"type": "boolean"}, "duplicate": {"type": "boolean"},
            "attempts_left": {"type": "integer", "nullable": True},
            "submitted_at": {"type": "string", "format": "date-time"}, "late": {"type": "boolean"},
            "feedback": {"type": "array", "items": {"type": "object", "properties": {
                "question_id": {"type": "integer"}, "correct": {"type": "boolean"},
                "explanation": {"type": "string"},
                "correct_choices": {"type": "array", "items": {"type": "integer"},
                                    "description": "Only where the quiz's review rule shows the answers"}}}}}},
    },
}
