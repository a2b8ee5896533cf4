"""Quizzes: creating them from content, opening a shuffled attempt, validating and grading a submission."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from learning_portal.accounts.models import Person, Role
from learning_portal.accounts.permissions import can_manage_person, can_view_person
from learning_portal.audit import services as audit
from learning_portal.catalog.models import CourseItem, ItemKind
from learning_portal.db import as_id
from learning_portal.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from learning_portal.learning import services as learning
from learning_portal.learning.models import Enrollment, listed
from learning_portal.quizzes.grading import QUESTION_TYPES, score_percent
from learning_portal.quizzes.models import (
    Accommodation,
    Choice,
    LatePolicy,
    Question,
    QuestionKind,
    Quiz,
    QuizAttempt,
    Review,
)
from learning_portal.xapi import services as xapi
from learning_portal.xapi import statements

_system_random = random.SystemRandom()


class QuizAnswerError(ValidationError):
    code = "invalid_answers"


class AttemptsExhaustedError(ValidationError):
    code = "attempts_exhausted"


class AlreadyPassedError(ValidationError):
    code = "already_passed"


@dataclass(frozen=True)
class QuestionInput:
    kind: str
    prompt: str
    explanation: str
    choices: Sequence[tuple[str, bool]]  # (text, correct)
    topic: str = ""


@dataclass(frozen=True)
class QuizRules:
    draw: dict[str, int] | None = None
    time_limit_minutes: int | None = None
    late: str = LatePolicy.GRADE_ON_TIME.value
    review: str = Review.ANSWERS_AFTER_PASS.value


def create_quiz(session: Session, *, item: CourseItem, pass_mark: int, max_attempts: int | None,
                questions: Sequence[QuestionInput], rules: QuizRules = QuizRules()) -> Quiz:
    if item.kind is not ItemKind.QUIZ:
        raise ValueError("a quiz belongs to a quiz item")
    quiz = Quiz(id=item.id, pass_mark=pass_mark, max_attempts=max_attempts, draw=rules.draw,
                time_limit_minutes=rules.time_limit_minutes, late=LatePolicy(rules.late), review=Review(rules.review))
    session.add(quiz)
    for q_pos, spec in enumerate(questions):
        question = Question(quiz=quiz, position=q_pos, kind=QuestionKind(spec.kind), prompt=spec.prompt,
                            explanation=spec.explanation, topic=spec.topic)
        session.add(question)
        for c_pos, (text, correct) in enumerate(spec.choices):
            session.add(Choice(question=question, position=c_pos, text=text, is_correct=correct))
    session.flush()
    return quiz


def get_quiz(session: Session, quiz_id: int) -> Quiz:
    quiz = session.get(Quiz, quiz_id)
    if quiz is None:
        raise NotFoundError("No such quiz.")
    return quiz


def submitted_count(session: Session, *, enrollment: Enrollment, quiz: Quiz) -> int:
    return session.scalar(select(func.count(QuizAttempt.id)).where(
        QuizAttempt.enrollment_id == enrollment.id, QuizAttempt.quiz_id == quiz.id,
        QuizAttempt.submitted_at.is_not(None))) or 0


def has_passed(session: Session, *, enrollment: Enrollment, quiz: Quiz) -> bool:
    return session.scalar(select(QuizAttempt.id).where(
        QuizAttempt.enrollment_id == enrollment.id, QuizAttempt.quiz_id == quiz.id,
        QuizAttempt.passed.is_(True)).limit(1)) is not None


def last_submitted_attempt(session: Session, *, enrollment: Enrollment, quiz: Quiz) -> QuizAttempt | None:
    return session.scalar(select(QuizAttempt).where(
        QuizAttempt.enrollment_id == enrollment.id, QuizAttempt.quiz_id == quiz.id,
        QuizAttempt.submitted_at.is_not(None)).order_by(QuizAttempt.submitted_at.desc()).limit(1))


def attempts_left(session: Session, *, enrollment: Enrollment, quiz: Quiz) -> int | None:
    if quiz.max_attempts is None:
        return None
    return max(quiz.max_attempts - submitted_count(session, enrollment=enrollment, quiz=quiz), 0)


def open_attempt(session: Session, *, enrollment: Enrollment, quiz: Quiz, now: datetime,
                 rng: random.Random | None = None) -> QuizAttempt:
    """The learner's open attempt, or a new one: its questions drawn from the pools (a fresh draw, never the
    previous attempt's set where the pool allows), questions and choices in a fresh random order, and with a
    time limit its deadline (with any extra time granted to the person)."""
    existing = _open_attempt(session, enrollment, quiz)
    if existing is not None:
        return existing
    learning.require_open(enrollment, session.get(CourseItem, quiz.id))
    _check_may_attempt(session, enrollment, quiz)
    rng = rng or _system_random
    questions = draw_questions(quiz, previous=_previous_set(session, enrollment.person_id, quiz), rng=rng)
    rng.shuffle(questions)
    layout = []
    for question in questions:
        choice_ids = [c.id for c in question.choices]
        if question.kind is not QuestionKind.TRUE_FALSE:  # True, then False reads best
            rng.shuffle(choice_ids)
        layout.append([question.id, choice_ids])
    attempt = QuizAttempt(quiz_id=quiz.id, enrollment_id=enrollment.id, person_id=enrollment.person_id,
                          started_at=now, layout=layout, deadline=_deadline(session, quiz, enrollment.person_id, now))
    try:
        with session.begin_nested():
            session.add(attempt)
    except IntegrityError:  # opened concurrently (two tabs): use that one
        existing = _open_attempt(session, enrollment, quiz)
        if existing is None:
            raise
        return existing
    return attempt


DRAW_TRIES = 20


def draw_questions(quiz: Quiz, *, previous: frozenset[int], rng: random.Random) -> list[Question]:
    """The questions of one attempt: N per topic (``quiz.draw``), or all. A draw equal to ``previous`` is drawn
    again (the pool allows another set whenever it is larger than the draw)."""
    if not quiz.draw:
        return list(quiz.questions)
    pools: dict[str, list[Question]] = {}
    for question in quiz.questions:
        pools.setdefault("*" if "*" in quiz.draw else question.topic, []).append(question)
    for _ in range(DRAW_TRIES):
        drawn = [q for topic, n in sorted(quiz.draw.items()) for q in rng.sample(pools.get(topic, []),
                                                                                  min(n, len(pools.get(topic, []))))]
        if frozenset(q.id for q in drawn) != previous:
            return drawn
    return drawn  # every draw equals the last: the pools are no larger than the draw


def _previous_set(session: Session, person_id: int, quiz: Quiz) -> frozenset[int]:
    """The questions of the person's last attempt at this quiz, in any enrollment (a new start draws anew)."""
    layout = session.scalar(select(QuizAttempt.layout).where(QuizAttempt.person_id == person_id,
                                                              QuizAttempt.quiz_id == quiz.id)
                            .order_by(QuizAttempt.started_at.desc(), QuizAttempt.id.desc()).limit(1))
    return frozenset(qid for qid, _ in layout or [])


GRACE = timedelta(seconds=30)  # a submission sent at the deadline may take this long to arrive


def _deadline(session: Session, quiz: Quiz, person_id: int, now: datetime) -> datetime | None:
    if not quiz.time_limit_minutes:
        return None
    minutes = quiz.time_limit_minutes * (100 + extra_time(session, person_id)) / 100
    return now + timedelta(minutes=minutes)


def is_late(attempt: QuizAttempt, now: datetime) -> bool:
    return attempt.deadline is not None and now > attempt.deadline + GRACE


class TimeUpError(ConflictError):
    code = "time_up"


def save_answers(session: Session, *, attempt: QuizAttempt, answers: Any, now: datetime) -> int:
    """Keep the answers given so far (the page saves them as the learner goes); refused after the deadline.
    Returns how many questions have a saved answer."""
    if attempt.submitted_at is not None:
        raise ConflictError("This attempt is submitted already.")
    if is_late(attempt, now):
        raise TimeUpError("The time for this attempt is up: answers can no longer be saved.")
    selected = validate_answers(attempt.quiz, answers, asked=_asked(attempt), complete=False)
    saved = dict(attempt.saved_answers or {})
    saved.update({str(qid): sorted(choices) for qid, choices in selected.items()})
    attempt.saved_answers = saved
    session.flush()
    return len(saved)


@dataclass(frozen=True)
class SubmitResult:
    attempt: QuizAttempt
    duplicate: bool  # the attempt had been submitted already: nothing new was recorded
    completed_course: bool


def submit_attempt(session: Session, *, attempt: QuizAttempt, enrollment: Enrollment, answers: Any,
                   now: datetime) -> SubmitResult:
    """Grade and record ``answers`` for ``attempt``; submitting an attempt twice records it once. After the
    deadline, the package's rule applies: graded on the answers saved in time, or refused (a failed attempt)."""
    if attempt.submitted_at is not None:
        return SubmitResult(attempt, duplicate=True, completed_course=False)
    quiz = attempt.quiz
    asked = _asked(attempt)
    if is_late(attempt, now):
        attempt.late = True
        on_time = attempt.saved_answers or {} if quiz.late is LatePolicy.GRADE_ON_TIME else {}
        selected = validate_answers(quiz, on_time, asked=asked, complete=False)
    else:
        selected = validate_answers(quiz, answers, asked=asked)
    by_id = {q.id: q for q in quiz.questions}
    correct = sum(QUESTION_TYPES[by_id[qid].kind.value].is_correct(selected.get(qid, frozenset()),
                                                                   by_id[qid].correct_ids) for qid in asked)
    score = score_percent(correct, len(asked))
    attempt.answers = {str(qid): sorted(choices) for qid, choices in selected.items()}
    attempt.score = score
    attempt.passed = score >= quiz.pass_mark
    attempt.submitted_at = now
    session.flush()
    item = session.get(CourseItem, quiz.id)  # a quiz shares its item's id
    xapi.emit(session, person_id=enrollment.person_id, verb="passed" if attempt.passed else "failed",
              version=enrollment.course_version, item=item, enrollment_id=enrollment.id, now=now,
              result=statements.score(score, passed=attempt.passed))
    completed_course = False
    if attempt.passed:
        completed_course = learning.complete_item(session, enrollment=enrollment, item=item, now=now).course_completed
    return SubmitResult(attempt, duplicate=False, completed_course=completed_course)


def _asked(attempt: QuizAttempt) -> list[int]:
    return [qid for qid, _ in attempt.layout]


def validate_answers(quiz: Quiz, answers: Any, *, asked: Sequence[int] | None = None,
                     complete: bool = True) -> dict[int, frozenset[int]]:
    """``{"<question id>": [choice ids]}`` -> {question id: set of choice ids}, or a 422 naming each problem.
    Only the questions ``asked`` (the attempt's draw; default all) may be answered; with ``complete``, all
    must be."""
    if not isinstance(answers, Mapping):
        raise QuizAnswerError("'answers' must map question ids to lists of choice ids.")
    wanted = set(asked) if asked is not None else None
    questions = {q.id: q for q in quiz.questions if wanted is None or q.id in wanted}
    problems: dict[str, str] = {}
    selected: dict[int, frozenset[int]] = {}
    for raw_qid, raw_choices in answers.items():
        qid = as_id(raw_qid)
        if qid is None or qid not in questions:
            problems[str(raw_qid)] = "Not a question of this quiz."
            continue
        if isinstance(raw_choices, int | str) and not isinstance(raw_choices, bool):
            raw_choices = [raw_choices]
        if not isinstance(raw_choices, list):
            problems[str(qid)] = "Give a list of choice ids."
            continue
        ids = [as_id(c) for c in raw_choices]
        if any(i is None for i in ids):
            problems[str(qid)] = "Choice ids are whole numbers."
            continue
        question = questions[qid]
        chosen = frozenset(i for i in ids if i is not None)
        offered = frozenset(c.id for c in question.choices)
        if problem := QUESTION_TYPES[question.kind.value].answer_problem(chosen, offered):
            problems[str(qid)] = problem
            continue
        selected[qid] = chosen
    for qid in questions if complete else ():
        if qid not in selected and str(qid) not in problems:
            problems[str(qid)] = "Not answered."
    if problems:
        unanswered = sum(1 for p in problems.values() if p in ("Not answered.", "Choose an answer."))
        message = (f"{unanswered} question{'s are' if unanswered != 1 else ' is'} not answered."
                   if unanswered == len(problems) else "Some answers are not valid for this quiz.")
        raise QuizAnswerError(message, details=problems)
    return selected


def attempt_for_submission(session: Session, *, enrollment: Enrollment, quiz: Quiz, attempt_id: Any,
                           now: datetime) -> QuizAttempt:
    """The attempt a submission is for: the one named (must be the learner's), or the open/new one."""
    if attempt_id is None:
        attempt = open_attempt(session, enrollment=enrollment, quiz=quiz, now=now)
    else:
        attempt = session.get(QuizAttempt, as_id(attempt_id) or 0)
    if attempt is None or attempt.enrollment_id != enrollment.id or attempt.quiz_id != quiz.id:
        raise NotFoundError("No such attempt for you on this quiz.")
    if session.get_bind().dialect.name == "postgresql":
        # Two submissions of one attempt at once: the second waits, then sees it submitted (recorded once).
        # Only the attempt's row is locked: a plain refresh FOR UPDATE would also lock the quiz, course and
        # version rows it joins, which every learner shares, and concurrent submissions deadlocked on them.
        session.execute(select(QuizAttempt.id).where(QuizAttempt.id == attempt.id).with_for_update())
        session.refresh(attempt)
    if attempt.submitted_at is None:
        _check_may_attempt(session, enrollment, quiz)
    return attempt


def exhausted_quiz(session: Session, *, enrollment: Enrollment) -> Quiz | None:
    """A required quiz of this open enrollment with no attempts left and no pass: the learner is stuck."""
    for item in enrollment.course_version.required_items:
        if item.kind is ItemKind.QUIZ:
            quiz = get_quiz(session, item.id)
            if attempts_left(session, enrollment=enrollment, quiz=quiz) == 0 and not has_passed(
                    session, enrollment=enrollment, quiz=quiz):
                return quiz
    return None


def stuck_clause() -> ColumnElement[bool]:
    """SQL over enrollments: open, with a required quiz out of attempts and never passed (``exhausted_quiz``)."""
    of_this = (QuizAttempt.enrollment_id == Enrollment.id, QuizAttempt.quiz_id == Quiz.id)
    submitted = (select(func.count(QuizAttempt.id)).where(*of_this, QuizAttempt.submitted_at.is_not(None))
                 .correlate(Enrollment, Quiz).scalar_subquery())
    passed = select(QuizAttempt.id).where(*of_this, QuizAttempt.passed.is_(True)).correlate(Enrollment, Quiz).exists()
    exhausted = select(Quiz.id).where(
        Quiz.id == CourseItem.id, CourseItem.course_version_id == Enrollment.course_version_id,
        CourseItem.kind == ItemKind.QUIZ, CourseItem.is_required.is_(True), Quiz.max_attempts.is_not(None),
        submitted >= Quiz.max_attempts, ~passed).correlate(Enrollment).exists()
    return and_(Enrollment.completed_at.is_(None), Enrollment.closed_at.is_(None), exhausted)


def stuck_enrollments(session: Session, *, person_id: int) -> list[Enrollment]:
    """The person's stuck enrollments (``stuck_clause``), in one query: the profile page asks on every view."""
    return list(session.scalars(select(Enrollment).options(*listed()).where(
        Enrollment.person_id == person_id, stuck_clause()).order_by(Enrollment.enrolled_at)))


def allow_new_start(session: Session, *, actor: Person, enrollment: Enrollment, now: datetime) -> None:
    """A training manager (same agency) or administrator lets a learner whose attempts ran out start over."""
    person = session.get(Person, enrollment.person_id)
    if not actor.has_role(Role.TRAINING_MANAGER, Role.ADMINISTRATOR) or not can_view_person(actor, person):
        raise NotFoundError("No such enrollment.")  # another agency's: not revealed
    if not can_manage_person(actor, person):
        raise PermissionDeniedError("Another training manager or an administrator must allow your own new start.")
    if exhausted_quiz(session, enrollment=enrollment) is None:
        raise ConflictError("Only an enrollment whose quiz attempts are used up can be started over.")
    learning.close_enrollment(session, enrollment=enrollment, now=now)
    audit.record(session, "enrollment.new_start", actor_id=actor.id, subject_id=person.id, now=now,
                 target=f"enrollment:{enrollment.id}")


@dataclass(frozen=True)
class QuestionFeedback:
    question: Question
    choices: list[Choice]  # in the order shown
    chosen: frozenset[int]
    correct: bool
    explanation: str | None  # only when it cannot give the answer away


@dataclass(frozen=True)
class AttemptFeedback:
    attempt: QuizAttempt
    reveal: bool  # the right answers may be shown (the quiz's review rule)
    per_question: bool  # which questions were right or wrong may be shown
    attempts_left: int | None
    passed_any: bool
    questions: list[QuestionFeedback]  # empty when the review rule shows the score only


def attempt_feedback(session: Session, *, attempt: QuizAttempt) -> AttemptFeedback:
    """What a learner may see after submitting, as the quiz's review rule says: the score only; which
    questions were wrong; the right answers (and explanations) once passed, or after every attempt. Running
    out of attempts reveals nothing: a new start must not come with the answers."""
    quiz, enrollment = attempt.quiz, attempt.enrollment
    left = attempts_left(session, enrollment=enrollment, quiz=quiz)
    passed_any = has_passed(session, enrollment=enrollment, quiz=quiz)
    reveal = quiz.review is Review.ANSWERS or (quiz.review is Review.ANSWERS_AFTER_PASS and passed_any)
    per_question = quiz.review is not Review.SCORE
    questions = {q.id: q for q in quiz.questions}
    items = []
    for question_id, choice_ids in attempt.layout if per_question else ():
        question = questions[question_id]
        by_id = {c.id: c for c in question.choices}
        chosen = frozenset((attempt.answers or {}).get(str(question_id), []))
        correct = chosen == question.correct_ids
        explain = question.explanation if (reveal or (correct and quiz.review is not Review.WRONG)) else None
        items.append(QuestionFeedback(question, [by_id[c] for c in choice_ids], chosen, correct, explain or None))
    return AttemptFeedback(attempt, reveal, per_question, left, passed_any, items)


def shown_questions(quiz: Quiz, attempt: QuizAttempt) -> list[tuple[Question, list[Choice]]]:
    """The attempt's questions and choices in the order this attempt shows them."""
    questions = {q.id: q for q in quiz.questions}
    shown = []
    for question_id, choice_ids in attempt.layout:
        by_id = {c.id: c for c in questions[question_id].choices}
        shown.append((questions[question_id], [by_id[c] for c in choice_ids]))
    return shown


def _check_may_attempt(session: Session, enrollment: Enrollment, quiz: Quiz) -> None:
    if has_passed(session, enrollment=enrollment, quiz=quiz):
        raise AlreadyPassedError("You have already passed this quiz.")
    left = attempts_left(session, enrollment=enrollment, quiz=quiz)
    if left == 0:
        raise AttemptsExhaustedError(
            f"You have used all {quiz.max_attempts} attempts for this quiz. Your training manager can allow you "
            "a new start of the course.")


def _open_attempt(session: Session, enrollment: Enrollment, quiz: Quiz) -> QuizAttempt | None:
    return session.scalar(select(QuizAttempt).where(QuizAttempt.enrollment_id == enrollment.id,
                                                    QuizAttempt.quiz_id == quiz.id,
                                                    QuizAttempt.submitted_at.is_(None)))




def extra_time(session: Session, person_id: int) -> int:
    """The person's extra time on timed quizzes, in percent (0: none)."""
    found = session.get(Accommodation, person_id)
    return found.extra_percent if found else 0


def grant_extra_time(session: Session, *, actor: Person, person: Person, extra_percent: int, reason: str,
                     now: datetime) -> Accommodation | None:
    """Extra time on timed quizzes (an accommodation), by the person's training manager or an administrator;
    0 takes it away. Applies to attempts started from now on, and to the person's open timed attempts."""
    if not can_manage_person(actor, person):
        raise PermissionDeniedError("Only the person's training manager or an administrator grants extra time, "
                                    "and never for themselves.")
    reason = " ".join(reason.split())
    if not 0 <= extra_percent <= 300:
        raise ValidationError("Extra time is a percentage from 0 to 300.", details={"extra_percent": "0 to 300."})
    if extra_percent and len(reason) < 3:
        raise ValidationError("Say why (the accommodation's basis).", details={"reason": "Required."})
    found = session.get(Accommodation, person.id)
    before = found.extra_percent if found else 0
    if extra_percent == 0:
        if found is not None:
            session.delete(found)
        found = None
    elif found is None:
        found = Accommodation(person_id=person.id, extra_percent=extra_percent, reason=reason[:300],
                              granted_by_id=actor.id, granted_at=now)
        session.add(found)
    else:
        found.extra_percent, found.reason, found.granted_by_id, found.granted_at = (
            extra_percent, reason[:300], actor.id, now)
    for attempt in session.scalars(select(QuizAttempt).where(QuizAttempt.person_id == person.id,
                                                             QuizAttempt.submitted_at.is_(None),
                                                             QuizAttempt.deadline.is_not(None))):
        limit = timedelta(minutes=attempt.quiz.time_limit_minutes or 0)
        attempt.deadline = attempt.started_at + limit * (100 + extra_percent) / 100
    audit.record(session, "quiz.extra_time", actor_id=actor.id, subject_id=person.id, now=now,
                 details={"from_percent": before, "to_percent": extra_percent, "reason": reason[:300]})
    session.flush()
    return found
