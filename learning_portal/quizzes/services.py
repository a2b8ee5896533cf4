"""Quizzes: creating them from content, opening a shuffled attempt, validating and grading a submission."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
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
from learning_portal.quizzes.models import Choice, Question, QuestionKind, Quiz, QuizAttempt
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


def create_quiz(session: Session, *, item: CourseItem, pass_mark: int, max_attempts: int | None,
                questions: Sequence[QuestionInput]) -> Quiz:
    if item.kind is not ItemKind.QUIZ:
        raise ValueError("a quiz belongs to a quiz item")
    quiz = Quiz(id=item.id, pass_mark=pass_mark, max_attempts=max_attempts)
    session.add(quiz)
    for q_pos, spec in enumerate(questions):
        question = Question(quiz=quiz, position=q_pos, kind=QuestionKind(spec.kind), prompt=spec.prompt,
                            explanation=spec.explanation)
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
    """The learner's open attempt, or a new one with questions and choices in a fresh random order."""
    existing = _open_attempt(session, enrollment, quiz)
    if existing is not None:
        return existing
    _check_may_attempt(session, enrollment, quiz)
    rng = rng or _system_random
    questions = list(quiz.questions)
    rng.shuffle(questions)
    layout = []
    for question in questions:
        choice_ids = [c.id for c in question.choices]
        if question.kind is not QuestionKind.TRUE_FALSE:  # True, then False reads best
            rng.shuffle(choice_ids)
        layout.append([question.id, choice_ids])
    attempt = QuizAttempt(quiz_id=quiz.id, enrollment_id=enrollment.id, person_id=enrollment.person_id,
                          started_at=now, layout=layout)
    try:
        with session.begin_nested():
            session.add(attempt)
    except IntegrityError:  # opened concurrently (two tabs): use that one
        existing = _open_attempt(session, enrollment, quiz)
        if existing is None:
            raise
        return existing
    return attempt


@dataclass(frozen=True)
class SubmitResult:
    attempt: QuizAttempt
    duplicate: bool  # the attempt had been submitted already: nothing new was recorded
    completed_course: bool


def submit_attempt(session: Session, *, attempt: QuizAttempt, enrollment: Enrollment, answers: Any,
                   now: datetime) -> SubmitResult:
    """Grade and record ``answers`` for ``attempt``; submitting an attempt twice records it once."""
    if attempt.submitted_at is not None:
        return SubmitResult(attempt, duplicate=True, completed_course=False)
    quiz = attempt.quiz
    selected = validate_answers(quiz, answers)
    correct = sum(QUESTION_TYPES[q.kind.value].is_correct(selected[q.id], q.correct_ids) for q in quiz.questions)
    score = score_percent(correct, len(quiz.questions))
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


def validate_answers(quiz: Quiz, answers: Any) -> dict[int, frozenset[int]]:
    """``{"<question id>": [choice ids]}`` -> {question id: set of choice ids}, or a 422 naming each problem."""
    if not isinstance(answers, Mapping):
        raise QuizAnswerError("'answers' must map question ids to lists of choice ids.")
    questions = {q.id: q for q in quiz.questions}
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
    for qid in questions:
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
    reveal: bool  # the right answers may be shown: after a pass, or with no attempts left
    attempts_left: int | None
    passed_any: bool
    questions: list[QuestionFeedback]


def attempt_feedback(session: Session, *, attempt: QuizAttempt) -> AttemptFeedback:
    """What a learner may see after submitting: right or wrong per question; explanations and right
    answers only once they can no longer help pass (a pass, or no attempts left)."""
    quiz, enrollment = attempt.quiz, attempt.enrollment
    left = attempts_left(session, enrollment=enrollment, quiz=quiz)
    passed_any = has_passed(session, enrollment=enrollment, quiz=quiz)
    reveal = passed_any or left == 0
    questions = {q.id: q for q in quiz.questions}
    items = []
    for question_id, choice_ids in attempt.layout:
        question = questions[question_id]
        by_id = {c.id: c for c in question.choices}
        chosen = frozenset((attempt.answers or {}).get(str(question_id), []))
        correct = chosen == question.correct_ids
        items.append(QuestionFeedback(question, [by_id[c] for c in choice_ids], chosen, correct,
                                      question.explanation if (correct or reveal) and question.explanation else None))
    return AttemptFeedback(attempt, reveal, left, passed_any, items)


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


