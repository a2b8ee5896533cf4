"""The learner's path in HTML: catalogue, course page, enrolling, lessons, the quiz form, My learning."""

import re

import pytest
from sqlalchemy import select

from learning_portal.learning.models import Completion
from learning_portal.quizzes.models import Quiz, QuizAttempt
from tests.factories import REAL_CONTENT, load_content, make_person


@pytest.fixture
def officer(db_session, login_as):
    load_content(db_session)
    load_content(db_session, REAL_CONTENT, slugs=("dv-response-update",))
    person = make_person(db_session)
    login_as(person)
    return person


def test_catalogue_search_and_course_page(client, officer):
    page = client.get("/courses?q=domestic").data.decode()
    assert "Domestic Violence Response Update" in page and "Basic Test Course" not in page
    assert "Posts credit automatically" in page and "1 course match" in page
    course = client.get("/courses/dv-response-update").data.decode()
    assert "9999-00101" in course and "Domestic Violence Update (every 2 years)" in course
    assert "Penal Code 13519" in course and "Posts to your training profile automatically" in course
    assert "Enroll and start" in course and "not POST-certified" in course


def test_enroll_read_lessons_take_quiz_and_see_it_in_my_learning(client, db_session, officer):
    response = client.post("/courses/dv-response-update/enroll")
    assert response.status_code == 302
    lesson_url = response.headers["Location"]
    for _ in range(3):
        lesson = client.get(lesson_url)
        assert lesson.status_code == 200 and b"I have read this lesson" in lesson.data
        action = re.search(r'action="([^"]+/viewed)"', lesson.data.decode()).group(1)
        lesson_url = client.post(action).headers["Location"]
    assert "/quiz/" in lesson_url
    quiz_page = client.get(lesson_url).data.decode()
    assert quiz_page.count("<fieldset") == 8 and "correct" not in quiz_page.lower()  # no answers in the page
    attempt_id = re.search(r'name="attempt_id" value="(\d+)"', quiz_page).group(1)

    incomplete = client.post(lesson_url, data={"attempt_id": attempt_id})
    assert incomplete.status_code == 422 and b"8 questions are not answered" in incomplete.data

    quiz = db_session.get(Quiz, int(lesson_url.rsplit("/", 1)[1]))
    form = {"attempt_id": attempt_id}
    for q in quiz.questions:
        form[f"q-{q.id}"] = [str(c) for c in q.correct_ids]
    result = client.post(lesson_url, data=form)
    assert result.status_code == 302
    page = client.get(result.headers["Location"]).data.decode()
    assert "Your score: 100%" in page and "passed" in page
    assert client.post(lesson_url, data=form).status_code == 302  # a double submit changes nothing
    assert len(db_session.scalars(select(Completion)).all()) == 1
    submitted = db_session.scalars(select(QuizAttempt).where(QuizAttempt.submitted_at.is_not(None))).all()
    assert len(submitted) == 1

    mine = client.get("/my/learning").data.decode()
    assert "No completed courses yet" not in mine and "Domestic Violence Response Update" in mine


def test_lessons_of_a_course_you_are_not_enrolled_in_redirect_to_the_course_page(client, officer):
    response = client.get("/learn/dv-response-update")
    assert response.status_code == 302 and response.headers["Location"].endswith("/courses/dv-response-update")


def test_someone_elses_quiz_result_is_not_found(client, db_session, officer, login_as):
    client.post("/courses/basic-course/enroll")
    course_home = client.get("/learn/basic-course").data.decode()
    quiz_url = re.search(r'href="(/learn/basic-course/items/\d+)"[^>]*>Check', course_home).group(1)
    take_url = client.get(quiz_url).headers["Location"]
    attempt_id = re.search(r'name="attempt_id" value="(\d+)"', client.get(take_url).data.decode()).group(1)
    quiz = db_session.get(Quiz, int(take_url.rsplit("/", 1)[1]))
    form = {"attempt_id": attempt_id, **{f"q-{q.id}": [str(c) for c in q.correct_ids] for q in quiz.questions}}
    assert client.post(take_url, data=form).status_code == 302
    assert client.get(f"/attempts/{attempt_id}").status_code == 200  # the owner sees it
    login_as(make_person(db_session))
    assert client.get(f"/attempts/{attempt_id}").status_code == 404
