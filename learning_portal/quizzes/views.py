"""Taking a quiz in the browser: a shuffled attempt, then feedback. Answers never reach the page early."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for

from learning_portal.accounts.models import Person, Role
from learning_portal.accounts.permissions import can_view_person
from learning_portal.catalog import queries as catalog
from learning_portal.clock import utcnow
from learning_portal.db import get_session
from learning_portal.errors import NotFoundError, ValidationError
from learning_portal.learning import services as learning
from learning_portal.learning.models import Enrollment
from learning_portal.quizzes import services
from learning_portal.quizzes.models import QuizAttempt
from learning_portal.web.auth import current_actor, login_required, require_role

bp = Blueprint("quizzes", __name__)


def _context(slug: str, quiz_id: int):
    session = get_session()
    course, _ = catalog.get_course(session, slug)
    enrollment = learning.latest_enrollment(session, person_id=current_actor().id, course_id=course.id)
    if enrollment is None:
        return session, None, None, None
    item = learning.item_in_enrollment(enrollment, quiz_id)
    return session, enrollment, item, services.get_quiz(session, item.id)


@bp.get("/learn/<slug>/quiz/<int:quiz_id>")
@login_required
def take(slug: str, quiz_id: int):
    session, enrollment, item, quiz = _context(slug, quiz_id)
    if enrollment is None:
        flash("Enroll to start this course.", "info")
        return redirect(url_for("learning.course_page", slug=slug))
    try:
        attempt = services.open_attempt(session, enrollment=enrollment, quiz=quiz, now=utcnow())
    except (services.AlreadyPassedError, services.AttemptsExhaustedError) as exc:
        learning.open_item(session, enrollment=enrollment, item=item, now=utcnow())  # opened, not launched
        session.commit()
        last = services.last_submitted_attempt(session, enrollment=enrollment, quiz=quiz)
        flash(exc.message, "info")
        if last is not None:
            return redirect(url_for("quizzes.result", attempt_id=last.id))
        return redirect(url_for("learning.course_home", slug=slug))
    learning.launch(session, enrollment=enrollment, item=item, now=utcnow())
    session.commit()
    return render_template("quizzes/take.html", **_take_context(session, enrollment, item, quiz, attempt))


@bp.post("/learn/<slug>/quiz/<int:quiz_id>")
@login_required
def submit(slug: str, quiz_id: int):
    session, enrollment, item, quiz = _context(slug, quiz_id)
    if enrollment is None:
        raise NotFoundError("You are not enrolled in this course.")
    attempt = services.attempt_for_submission(session, enrollment=enrollment, quiz=quiz,
                                              attempt_id=request.form.get("attempt_id"), now=utcnow())
    answers = _form_answers()
    try:
        result = services.submit_attempt(session, attempt=attempt, enrollment=enrollment, answers=answers,
                                         now=utcnow())
    except services.QuizAnswerError as exc:
        context = _take_context(session, enrollment, item, quiz, attempt)
        context.update(errors=exc.details, message=exc.message, chosen={k: set(v) for k, v in answers.items()})
        return render_template("quizzes/take.html", **context), 422
    session.commit()
    if result.attempt.late:
        flash("The time was up when your answers arrived: " + (
            "the answers saved in time were graded." if quiz.late.value == "grade_on_time" else
            "the attempt counts, without a score."), "info")
    if result.completed_course:
        flash("You passed, and the course is complete.", "success")
    return redirect(url_for("quizzes.result", attempt_id=result.attempt.id))


@bp.post("/learn/<slug>/quiz/<int:quiz_id>/save")
@login_required
def save(slug: str, quiz_id: int):
    """The page saves answers as the learner goes (quiz.js), so a timed attempt keeps what was given in time."""
    session, enrollment, _item, quiz = _context(slug, quiz_id)
    if enrollment is None:
        raise NotFoundError("You are not enrolled in this course.")
    attempt = services.attempt_for_submission(session, enrollment=enrollment, quiz=quiz,
                                              attempt_id=request.form.get("attempt_id"), now=utcnow())
    answers = _form_answers()
    saved = services.save_answers(session, attempt=attempt, answers=answers, now=utcnow())
    session.commit()
    return jsonify(saved=saved, at=utcnow().isoformat())


@bp.get("/attempts/<int:attempt_id>")
@login_required
def result(attempt_id: int):
    session = get_session()
    attempt = session.get(QuizAttempt, attempt_id)
    if attempt is None or attempt.person_id != current_actor().id or attempt.submitted_at is None:
        raise NotFoundError("No such quiz result of yours.")
    feedback = services.attempt_feedback(session, attempt=attempt)
    return render_template("quizzes/result.html", feedback=feedback, attempt=attempt, enrollment=attempt.enrollment,
                           item=learning.item_in_enrollment(attempt.enrollment, attempt.quiz_id))


@bp.post("/people/<int:person_id>/enrollments/<int:enrollment_id>/new-start")
@require_role(Role.TRAINING_MANAGER, Role.ADMINISTRATOR)
def new_start(person_id: int, enrollment_id: int):
    session = get_session()
    enrollment = session.get(Enrollment, enrollment_id)
    if enrollment is None or enrollment.person_id != person_id:
        raise NotFoundError("No such enrollment.")
    services.allow_new_start(session, actor=current_actor(), enrollment=enrollment, now=utcnow())
    session.commit()
    flash(f"{enrollment.course_version.title}: a new start is allowed; the learner's next enrollment begins afresh.",
          "success")
    return redirect(url_for("credits.person_profile", person_id=person_id))


@bp.app_context_processor
def _extra_time() -> dict:
    return {"extra_time_of": lambda person_id: services.extra_time(get_session(), person_id)}


@bp.post("/people/<int:person_id>/extra-time")
@require_role(Role.TRAINING_MANAGER, Role.ADMINISTRATOR)
def extra_time(person_id: int):
    """An accommodation: extra time on timed quizzes, by the person's training manager (audited)."""
    session = get_session()
    person = session.get(Person, person_id)
    if person is None or not can_view_person(current_actor(), person):
        raise NotFoundError("No such person.")
    try:
        percent = int(request.form.get("extra_percent", ""))
    except ValueError:
        percent = -1
    try:
        services.grant_extra_time(session, actor=current_actor(), person=person, extra_percent=percent,
                                  reason=request.form.get("reason", ""), now=utcnow())
    except ValidationError as exc:
        flash(exc.message, "error")
        return redirect(url_for("credits.person_profile", person_id=person.id))
    session.commit()
    flash(f"{person.full_name}: " + (f"{percent}% extra time on timed quizzes." if percent else
                                     "no extra time on timed quizzes."), "success")
    return redirect(url_for("credits.person_profile", person_id=person.id))


def _form_answers() -> dict[str, list[str]]:
    """The quiz form's answers: its ``q-<question id>`` fields."""
    return {key[2:]: request.form.getlist(key) for key in request.form if key.startswith("q-")}


def _take_context(session, enrollment, item, quiz, attempt) -> dict:
    return {"enrollment": enrollment, "item": item, "quiz": quiz, "attempt": attempt,
            "shown": services.shown_questions(quiz, attempt),
            "attempts_left": services.attempts_left(session, enrollment=enrollment, quiz=quiz),
            "extra_percent": services.extra_time(session, enrollment.person_id),
            "errors": {}, "chosen": {}, "message": None}
