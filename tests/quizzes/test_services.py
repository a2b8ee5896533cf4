"""Attempts: shuffled per attempt, validated, limited, recorded once."""

import random

import pytest

from learning_portal.accounts.models import Person, Role
from learning_portal.catalog.queries import get_course
from learning_portal.errors import ConflictError, NotFoundError
from learning_portal.learning import services as learning
from learning_portal.quizzes import services
from tests.factories import NOW, load_content, make_person


@pytest.fixture
def taking(db_session):
    load_content(db_session)
    course, version = get_course(db_session, "basic-course")
    enrollment, _ = learning.enroll(db_session, person=make_person(db_session), course=course, now=NOW)
    quiz = services.get_quiz(db_session, version.items[2].id)
    return enrollment, quiz


def answers(quiz, *, right=True):
    result = {}
    for q in quiz.questions:
        wrong = sorted({c.id for c in q.choices} - q.correct_ids)[:1]
        result[str(q.id)] = sorted(q.correct_ids) if right else wrong
    return result


def test_order_is_shuffled_per_attempt_and_kept_within_it(db_session, taking):
    enrollment, quiz = taking
    first = services.open_attempt(db_session, enrollment=enrollment, quiz=quiz, now=NOW, rng=random.Random(1))
    assert services.open_attempt(db_session, enrollment=enrollment, quiz=quiz, now=NOW).id == first.id
    assert sorted(q for q, _ in first.layout) == sorted(q.id for q in quiz.questions)
    services.submit_attempt(db_session, attempt=first, enrollment=enrollment, answers=answers(quiz, right=False),
                            now=NOW)
    second = services.open_attempt(db_session, enrollment=enrollment, quiz=quiz, now=NOW, rng=random.Random(7))
    assert second.id != first.id and second.layout != first.layout
    # With the system's randomness, attempts by different learners do not all share one order.
    course = enrollment.course
    layouts = {str(first.layout)}
    for _ in range(8):
        other, _ = learning.enroll(db_session, person=make_person(db_session), course=course, now=NOW)
        layouts.add(str(services.open_attempt(db_session, enrollment=other, quiz=quiz, now=NOW).layout))
    assert len(layouts) > 1


def test_invalid_answers_get_a_reason_per_question(db_session, taking):
    enrollment, quiz = taking
    attempt = services.open_attempt(db_session, enrollment=enrollment, quiz=quiz, now=NOW)
    single, multiple, true_false = quiz.questions
    bad = {str(single.id): [single.choices[0].id, single.choices[1].id],
           str(multiple.id): [true_false.choices[0].id], "999999": [1]}
    with pytest.raises(services.QuizAnswerError) as err:
        services.submit_attempt(db_session, attempt=attempt, enrollment=enrollment, answers=bad, now=NOW)
    assert err.value.details == {
        str(single.id): "Choose only one answer.",
        str(multiple.id): "An answer names a choice that is not part of this question.",
        "999999": "Not a question of this quiz.",
        str(true_false.id): "Not answered.",
    }
    assert attempt.submitted_at is None  # nothing recorded
    with pytest.raises(services.QuizAnswerError, match="3 questions are not answered"):
        services.submit_attempt(db_session, attempt=attempt, enrollment=enrollment, answers={}, now=NOW)


def test_attempt_limit_and_duplicate_submission(db_session, taking):
    enrollment, quiz = taking
    for _ in range(2):
        attempt = services.open_attempt(db_session, enrollment=enrollment, quiz=quiz, now=NOW)
        result = services.submit_attempt(db_session, attempt=attempt, enrollment=enrollment,
                                         answers=answers(quiz, right=False), now=NOW)
        assert not result.attempt.passed and result.attempt.score == 0
    again = services.submit_attempt(db_session, attempt=attempt, enrollment=enrollment, answers=answers(quiz),
                                    now=NOW)
    assert again.duplicate and again.attempt.score == 0  # the first submission stands
    assert services.submitted_count(db_session, enrollment=enrollment, quiz=quiz) == 2
    with pytest.raises(services.AttemptsExhaustedError, match="all 2 attempts"):
        services.open_attempt(db_session, enrollment=enrollment, quiz=quiz, now=NOW)


def test_no_new_attempt_after_passing(db_session, taking):
    enrollment, quiz = taking
    attempt = services.open_attempt(db_session, enrollment=enrollment, quiz=quiz, now=NOW)
    assert services.submit_attempt(db_session, attempt=attempt, enrollment=enrollment, answers=answers(quiz),
                                   now=NOW).attempt.score == 100
    with pytest.raises(services.AlreadyPassedError):
        services.open_attempt(db_session, enrollment=enrollment, quiz=quiz, now=NOW)


def test_a_manager_allows_a_new_start_after_the_attempts_run_out(app, client, db_session, login_as, taking):
    enrollment, quiz = taking
    learner = db_session.get(Person, enrollment.person_id)
    for _ in range(2):
        attempt = services.open_attempt(db_session, enrollment=enrollment, quiz=quiz, now=NOW)
        services.submit_attempt(db_session, attempt=attempt, enrollment=enrollment,
                                answers=answers(quiz, right=False), now=NOW)
    login_as(learner)
    assert b"Your training manager can allow you a new start" in client.get("/my/profile").data

    stranger = make_person(db_session, role=Role.TRAINING_MANAGER)  # another agency
    with pytest.raises(NotFoundError):  # another agency's enrollment is not revealed
        services.allow_new_start(db_session, actor=stranger, enrollment=enrollment, now=NOW)
    login_as(make_person(db_session, role=Role.TRAINING_MANAGER, agency=learner.agency))
    url = f"/people/{learner.id}/enrollments/{enrollment.id}/new-start"
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 409  # already closed

    fresh, created = learning.enroll(db_session, person=learner, course=enrollment.course, now=NOW)
    assert created and fresh.id != enrollment.id
    assert services.open_attempt(db_session, enrollment=fresh, quiz=quiz, now=NOW).submitted_at is None


def test_an_enrollment_is_stuck_once_its_last_attempt_fails_and_not_before(db_session, taking):
    enrollment, quiz = taking
    assert quiz.max_attempts == 2
    for stuck_after in ([], [enrollment]):
        attempt = services.open_attempt(db_session, enrollment=enrollment, quiz=quiz, now=NOW)
        services.submit_attempt(db_session, attempt=attempt, enrollment=enrollment,
                                answers=answers(quiz, right=False), now=NOW)
        assert services.stuck_enrollments(db_session, person_id=enrollment.person_id) == stuck_after
        assert (services.exhausted_quiz(db_session, enrollment=enrollment) is not None) == bool(stuck_after)


def test_a_new_start_needs_the_attempts_to_be_used_up(db_session, taking):
    enrollment, _ = taking
    admin = make_person(db_session, role=Role.ADMINISTRATOR)
    with pytest.raises(ConflictError, match="used up"):
        services.allow_new_start(db_session, actor=admin, enrollment=enrollment, now=NOW)
