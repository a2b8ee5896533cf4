"""Credit that means the training happened: drawn questions, server-kept time limits with extra time, what an
attempt shows, lessons in order with a minimum time, all as the course package says."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from learning_portal.accounts.models import Role
from learning_portal.audit.models import AuditEntry
from learning_portal.catalog.queries import get_course
from learning_portal.content_import.parser import load_tree
from learning_portal.credits import terms as credit_terms
from learning_portal.credits import worker
from learning_portal.credits.services import PosterSettings
from learning_portal.errors import PermissionDeniedError
from learning_portal.learning import services as learning
from learning_portal.learning.models import Completion
from learning_portal.quizzes import services
from learning_portal.quizzes.models import QuizAttempt
from tests.factories import NOW, load_content, make_agency, make_person
from tests.honest_course import quiz_toml, write_course


@pytest.fixture
def course(db_session, tmp_path):
    def _load(**quiz_rules):
        quiz = quiz_toml(**quiz_rules) if quiz_rules else None
        load_content(db_session, write_course(tmp_path / "content", quiz=quiz))
        course, version = get_course(db_session, "honest-course")
        agency = make_agency(db_session, jurisdiction="ZZ-POST")
        officer = make_person(db_session, agency=agency)
        enrollment, _ = learning.enroll(db_session, person=officer, course=course, now=NOW)
        lessons = [i for i in version.items if i.kind.value == "lesson"]
        quiz_item = next(i for i in version.items if i.kind.value == "quiz")
        return enrollment, lessons, services.get_quiz(db_session, quiz_item.id), officer, agency
    return _load


def read(db, enrollment, lesson, start, seconds):
    """The lesson page open for ``seconds``: a heartbeat every 15 s, as lesson.js sends them."""
    for n in range(0, seconds + 1, 15):
        learning.heartbeat(db, enrollment=enrollment, item=lesson, now=start + timedelta(seconds=n))
    return learning.mark_lesson_viewed(db, enrollment=enrollment, item=lesson, now=start + timedelta(seconds=seconds))


def ready(db, enrollment, lessons):
    for n, lesson in enumerate(lessons):
        read(db, enrollment, lesson, NOW + timedelta(minutes=5 * n), 120)


def right(attempt):
    return {str(qid): [choices[0]] for qid, choices in attempt.layout}  # every statement is true: "True" first


def wrong(attempt):
    return {str(qid): [choices[1]] for qid, choices in attempt.layout}


def test_two_attempts_draw_different_sets_from_a_pool_of_20_for_10(db_session, course):
    enrollment, lessons, quiz, *_ = course(pools={"*": 20}, draw={"*": 10})
    ready(db_session, enrollment, lessons)
    first = services.open_attempt(db_session, enrollment=enrollment, quiz=quiz, now=NOW + timedelta(hours=1))
    assert len(first.layout) == 10
    services.submit_attempt(db_session, attempt=first, enrollment=enrollment, answers=wrong(first),
                            now=NOW + timedelta(hours=1))
    second = services.open_attempt(db_session, enrollment=enrollment, quiz=quiz, now=NOW + timedelta(hours=2))
    assert {q for q, _ in second.layout} != {q for q, _ in first.layout}  # a fresh draw, not the same set
    outside = next(q.id for q in quiz.questions if q.id not in {q for q, _ in second.layout})
    with pytest.raises(services.QuizAnswerError) as refused:
        services.submit_attempt(db_session, attempt=second, enrollment=enrollment,
                                answers={**right(second), str(outside): [quiz.questions[0].choices[0].id]},
                                now=NOW + timedelta(hours=2))
    assert refused.value.details[str(outside)] == "Not a question of this quiz."
    graded = services.submit_attempt(db_session, attempt=second, enrollment=enrollment, answers=right(second),
                                     now=NOW + timedelta(hours=2))
    assert graded.attempt.score == 100 and graded.attempt.passed  # graded on its own ten questions
    assert services.attempt_feedback(db_session, attempt=first).reveal  # passed now: the answers may be shown


def test_a_score_only_review_shows_no_question(db_session, course):
    enrollment, lessons, quiz, *_ = course(pools={"*": 5}, draw=None, review="score")
    ready(db_session, enrollment, lessons)
    attempt = services.open_attempt(db_session, enrollment=enrollment, quiz=quiz, now=NOW + timedelta(hours=1))
    services.submit_attempt(db_session, attempt=attempt, enrollment=enrollment, answers=wrong(attempt),
                            now=NOW + timedelta(hours=1))
    feedback = services.attempt_feedback(db_session, attempt=attempt)
    assert feedback.questions == [] and not feedback.per_question and not feedback.reveal


def test_a_draw_per_topic_and_never_the_same_set_twice_in_a_row(db_session, course):
    enrollment, lessons, quiz, *_ = course(pools={"stops": 7, "force": 5}, draw={"stops": 6, "force": 4})
    by_topic = {q.id: q.topic for q in quiz.questions}
    previous = frozenset()
    for seed in range(30):
        drawn = services.draw_questions(quiz, previous=previous, rng=random.Random(seed))
        topics = [by_topic[q.id] for q in drawn]
        assert topics.count("stops") == 6 and topics.count("force") == 4
        assert frozenset(q.id for q in drawn) != previous
        previous = frozenset(q.id for q in drawn)


def test_a_late_submission_is_graded_on_what_arrived_in_time_and_extra_time_lets_it_through(db_session, course):
    enrollment, lessons, quiz, officer, agency = course(pools={"*": 10}, draw=None, limit=10)
    ready(db_session, enrollment, lessons)
    start = NOW + timedelta(hours=1)
    attempt = services.open_attempt(db_session, enrollment=enrollment, quiz=quiz, now=start)
    assert attempt.deadline == start + timedelta(minutes=10)
    half = dict(list(right(attempt).items())[:5])
    services.save_answers(db_session, attempt=attempt, answers=half, now=start + timedelta(minutes=4))
    with pytest.raises(services.TimeUpError):
        services.save_answers(db_session, attempt=attempt, answers=right(attempt), now=start + timedelta(minutes=11))
    late = services.submit_attempt(db_session, attempt=attempt, enrollment=enrollment, answers=right(attempt),
                                   now=start + timedelta(minutes=11))
    assert late.attempt.late and late.attempt.score == 50 and not late.attempt.passed  # only the saved half

    manager = make_person(db_session, role=Role.TRAINING_MANAGER, agency=agency)
    with pytest.raises(PermissionDeniedError):
        services.grant_extra_time(db_session, actor=manager, person=manager, extra_percent=50, reason="Mine",
                                  now=start)
    services.grant_extra_time(db_session, actor=manager, person=officer, extra_percent=50,
                              reason="Reading accommodation on file", now=start)
    entry = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "quiz.extra_time")).one()
    assert entry.subject_id == officer.id and entry.details["to_percent"] == 50
    again = services.open_attempt(db_session, enrollment=enrollment, quiz=quiz, now=start + timedelta(hours=1))
    assert again.deadline == start + timedelta(hours=1, minutes=15)
    on_time = services.submit_attempt(db_session, attempt=again, enrollment=enrollment, answers=right(again),
                                      now=start + timedelta(hours=1, minutes=14))
    assert not on_time.attempt.late and on_time.attempt.passed


def test_a_package_may_refuse_late_submissions(db_session, course):
    enrollment, lessons, quiz, *_ = course(pools={"*": 5}, draw=None, limit=5, late="refuse")
    ready(db_session, enrollment, lessons)
    attempt = services.open_attempt(db_session, enrollment=enrollment, quiz=quiz, now=NOW + timedelta(hours=1))
    services.save_answers(db_session, attempt=attempt, answers=right(attempt), now=NOW + timedelta(hours=1))
    refused = services.submit_attempt(db_session, attempt=attempt, enrollment=enrollment, answers=right(attempt),
                                      now=NOW + timedelta(hours=1, minutes=6))
    assert refused.attempt.late and refused.attempt.score == 0 and not refused.attempt.passed


def test_lessons_open_in_order_and_count_after_their_time_and_the_time_is_kept(app, db_session, course):
    enrollment, lessons, quiz, officer, _ = course()
    version = enrollment.course_version
    assert any("Take the items in order" in line for line in credit_terms.credit_rules(db_session, version))
    first, second = lessons
    with pytest.raises(learning.OutOfOrderError, match="finish “Lesson one”"):
        learning.heartbeat(db_session, enrollment=enrollment, item=second, now=NOW)
    with pytest.raises(learning.OutOfOrderError, match="before the final assessment"):
        services.open_attempt(db_session, enrollment=enrollment, quiz=quiz, now=NOW)
    for _ in range(20):  # a burst of beats at one moment adds nothing
        learning.heartbeat(db_session, enrollment=enrollment, item=first, now=NOW)
    with pytest.raises(learning.SeatTimeError, match="at least 2 minutes"):
        learning.mark_lesson_viewed(db_session, enrollment=enrollment, item=first, now=NOW)
    learning.heartbeat(db_session, enrollment=enrollment, item=first, now=NOW + timedelta(hours=1))  # left open
    with pytest.raises(learning.SeatTimeError):  # an hour away counts 30 seconds, not an hour
        learning.mark_lesson_viewed(db_session, enrollment=enrollment, item=first, now=NOW + timedelta(hours=1))
    read(db_session, enrollment, first, NOW + timedelta(hours=2), 120)
    read(db_session, enrollment, second, NOW + timedelta(hours=3), 120)
    attempt = services.open_attempt(db_session, enrollment=enrollment, quiz=quiz, now=NOW + timedelta(hours=4))
    done = services.submit_attempt(db_session, attempt=attempt, enrollment=enrollment, answers=right(attempt),
                                   now=NOW + timedelta(hours=4))
    assert done.completed_course
    completion = db_session.scalars(select(Completion)).one()
    assert completion.seconds_spent >= 2 * 120 + 30
    assert worker.run_once(app.extensions["db_sessionmaker"], PosterSettings(), now=lambda: NOW) == 1
    rules = credit_terms.credit_rules(db_session, version, officer)
    assert rules[-1].startswith("Taking it again: already earned CPT for this course in the")  # said before


def test_content_validate_names_each_bad_rule(tmp_path):
    root = write_course(tmp_path / "bad", minutes=0, quiz=quiz_toml(pools={"stops": 3}, draw={"stops": 5, "x": 1},
                                                                   limit=0).replace('late = "grade_on_time"',
                                                                                    'late = "sometimes"'))
    problems = [str(p) for p in load_tree(root).problems]
    text = "\n".join(problems)
    assert "min_minutes is a lesson's minimum time" in text
    assert "asks 5 questions of a pool of 3: the pool is smaller than its draw" in text
    assert "draw names topic 'x', which no question has" in text
    assert "time_limit_minutes must be a whole number of minutes from 1 to 600" in text
    assert "late must be one of: grade_on_time, refuse" in text


def test_the_right_answers_are_in_no_response_before_the_rules_allow(db_session, course, signed_in):
    enrollment, lessons, quiz, officer, _ = course(pools={"*": 6}, draw={"*": 5}, attempts=2)
    ready(db_session, enrollment, lessons)
    db_session.commit()
    api = signed_in(officer)
    shown = api.get(f"/api/v1/quizzes/{quiz.id}").get_json()
    assert len(shown["questions"]) == 5 and shown["attempt_id"] and shown["review"] == "answers_after_pass"
    assert all("correct" not in q and "explanation" not in q for q in shown["questions"])
    attempt = db_session.get(QuizAttempt, shown["attempt_id"])
    first = api.post(f"/api/v1/quizzes/{quiz.id}/attempts", json={"answers": wrong(attempt),
                                                                   "attempt_id": attempt.id}).get_json()
    assert all("correct_choices" not in f and "explanation" not in f for f in first["feedback"])
    shown = api.get(f"/api/v1/quizzes/{quiz.id}").get_json()
    attempt = db_session.get(QuizAttempt, shown["attempt_id"])
    last = api.post(f"/api/v1/quizzes/{quiz.id}/attempts", json={
        "answers": wrong(attempt), "attempt_id": attempt.id}).get_json()
    assert last["attempts_left"] == 0
    assert all("correct_choices" not in f and "explanation" not in f for f in last["feedback"])  # out of attempts
    page = api.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    assert "badge-ok\">right answer" not in page and "Why " not in page
    exhausted = api.get(f"/api/v1/quizzes/{quiz.id}").get_json()
    assert exhausted["can_attempt"] is False and exhausted["questions"] == []  # the pool is not shown whole


def test_progress_calls_out_of_order_or_too_soon_get_409_with_the_reason(db_session, course, signed_in):
    enrollment, lessons, quiz, officer, _ = course()
    db_session.commit()
    api = signed_in(officer)
    ahead = api.post(f"/api/v1/items/{lessons[1].id}/progress", json={"viewed": True})
    assert ahead.status_code == 409 and ahead.get_json()["error"]["code"] == "out_of_order"
    assert api.get(f"/api/v1/quizzes/{quiz.id}").status_code == 409
    assert api.post(f"/api/v1/items/{lessons[0].id}/progress", json={"heartbeat": True}).status_code == 200
    soon = api.post(f"/api/v1/items/{lessons[0].id}/progress", json={"viewed": True})
    assert soon.status_code == 409 and soon.get_json()["error"]["code"] == "seat_time"
    assert "at least 2 minutes" in soon.get_json()["error"]["message"]
