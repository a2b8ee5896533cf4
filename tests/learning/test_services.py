"""Enrolling, progress, resume and the single completion."""

from datetime import timedelta

from sqlalchemy import func, select

from learning_portal.catalog.queries import get_course
from learning_portal.learning import services
from learning_portal.learning.models import Completion, Enrollment
from learning_portal.quizzes import services as quizzes
from tests.factories import NOW, load_content, make_person


def setup_course(session):
    load_content(session)
    course, version = get_course(session, "basic-course")
    return course, version, make_person(session)


def correct_answers(quiz):
    return {str(q.id): sorted(q.correct_ids) for q in quiz.questions}


def test_enrolling_twice_records_one_enrollment(db_session):
    course, _, person = setup_course(db_session)
    first, created = services.enroll(db_session, person=person, course=course, now=NOW)
    second, created_again = services.enroll(db_session, person=person, course=course, now=NOW)
    assert created and not created_again and first.id == second.id
    assert db_session.scalar(select(func.count(Enrollment.id))) == 1


def test_completion_once_every_required_item_is_done(db_session):
    course, version, person = setup_course(db_session)
    enrollment, _ = services.enroll(db_session, person=person, course=course, now=NOW)
    lesson, optional, quiz_item = version.items
    assert services.next_item(enrollment) == lesson
    outcome = services.mark_lesson_viewed(db_session, enrollment=enrollment, item=lesson, now=NOW)
    assert outcome.item_completed and not outcome.course_completed
    assert services.next_item(enrollment) == quiz_item  # the optional lesson is not in the way
    assert services.progress_counts(enrollment) == (1, 2)

    quiz = quizzes.get_quiz(db_session, quiz_item.id)
    attempt = quizzes.open_attempt(db_session, enrollment=enrollment, quiz=quiz, now=NOW)
    result = quizzes.submit_attempt(db_session, attempt=attempt, enrollment=enrollment,
                                    answers=correct_answers(quiz), now=NOW + timedelta(minutes=5))
    assert result.completed_course and result.attempt.passed
    completion = db_session.scalar(select(Completion))
    assert completion.course_version_id == version.id and completion.completed_at == NOW + timedelta(minutes=5)
    assert enrollment.completed_at == completion.completed_at

    # Doing an item again changes nothing: one completion.
    again = services.mark_lesson_viewed(db_session, enrollment=enrollment, item=lesson, now=NOW)
    assert not again.item_completed and not again.course_completed
    assert db_session.scalar(select(func.count(Completion.id))) == 1


def test_after_completion_a_new_enrollment_can_start(db_session):
    course, version, person = setup_course(db_session)
    enrollment, _ = services.enroll(db_session, person=person, course=course, now=NOW)
    services.mark_lesson_viewed(db_session, enrollment=enrollment, item=version.items[0], now=NOW)
    quiz = quizzes.get_quiz(db_session, version.items[2].id)
    attempt = quizzes.open_attempt(db_session, enrollment=enrollment, quiz=quiz, now=NOW)
    quizzes.submit_attempt(db_session, attempt=attempt, enrollment=enrollment, answers=correct_answers(quiz), now=NOW)
    renewed, created = services.enroll(db_session, person=person, course=course, now=NOW + timedelta(days=700))
    assert created and renewed.id != enrollment.id and renewed.completed_at is None


def test_resume_points_at_the_last_opened_item_once_all_are_done(db_session):
    course, version, person = setup_course(db_session)
    enrollment, _ = services.enroll(db_session, person=person, course=course, now=NOW)
    services.open_item(db_session, enrollment=enrollment, item=version.items[1], now=NOW)
    assert enrollment.last_item_id == version.items[1].id
    assert services.next_item(enrollment) == version.items[0]  # first required item not done
