"""The learner's path through the JSON API alone, with the shapes of DESIGN.md section 5."""

import pytest

from learning_portal.accounts.models import Role
from tests.factories import REAL_CONTENT, load_content, make_person


@pytest.fixture
def dv(db_session):
    load_content(db_session, REAL_CONTENT, slugs=("dv-response-update",))


@pytest.fixture
def officer(db_session, login_as):
    person = make_person(db_session, role=Role.OFFICER)
    login_as(person)
    return person


def test_officer_completes_the_dv_course_through_the_api(client, dv, officer):
    listing = client.get("/api/v1/courses?q=domestic").json["courses"]
    assert [c["number"] for c in listing] == ["9999-00101"]
    assert {"slug", "number", "title", "delivery", "cpt_hours", "satisfies"} <= set(listing[0])
    assert listing[0]["cpt_hours"] == 2 and "CA-LM-DV-2Y" in listing[0]["satisfies"]

    course = client.get("/api/v1/courses/dv-response-update").json
    kinds = [i["kind"] for i in course["items"]]
    assert kinds == ["lesson", "lesson", "lesson", "quiz"]
    assert all({"id", "kind", "title", "required"} <= set(i) for i in course["items"])
    quiz_item = course["items"][-1]

    assert client.post("/api/v1/courses/dv-response-update/enrollment").status_code == 201
    assert client.post("/api/v1/courses/dv-response-update/enrollment").status_code == 200  # once
    for item in course["items"][:3]:
        response = client.post(f"/api/v1/items/{item['id']}/progress", json={"viewed": True})
        assert response.status_code == 200 and response.json["completed_course"] is False

    quiz = client.get(f"/api/v1/quizzes/{quiz_item['quiz_id']}").json
    assert quiz["id"] == quiz_item["quiz_id"] and quiz["pass_mark"] == 80 and len(quiz["questions"]) == 8
    assert all(set(q) == {"id", "kind", "prompt", "choices"} for q in quiz["questions"])  # no answers
    assert all(set(c) == {"id", "text"} for q in quiz["questions"] for c in q["choices"])

    key = answer_key(client, quiz_item["quiz_id"])
    result = client.post(f"/api/v1/quizzes/{quiz['id']}/attempts",
                                json={"answers": key, "attempt_id": quiz["attempt_id"]})
    assert result.status_code == 201
    assert (result.json["score"], result.json["passed"], result.json["completed_course"]) == (100, True, True)
    repeat = client.post(f"/api/v1/quizzes/{quiz['id']}/attempts", json={"answers": key,
                                                                        "attempt_id": quiz["attempt_id"]})
    assert repeat.status_code == 200 and repeat.json["duplicate"] is True

    completions = client.get("/api/v1/me/completions").json["completions"]
    assert [(c["course_number"], c["source"]) for c in completions] == [("9999-00101", "online")]


def answer_key(client, quiz_id):
    """The answer key, read as an administrator would, from the database the API serves."""
    from learning_portal.db import get_session
    from learning_portal.quizzes.models import Quiz

    with client.application.app_context():
        quiz = get_session().get(Quiz, quiz_id)
        return {str(q.id): sorted(q.correct_ids) for q in quiz.questions}


def test_answer_key_is_for_administrators_only(app, client, db_session, dv, login_as):
    quiz_id = _quiz_id(client, db_session, login_as)
    for role in (Role.OFFICER, Role.INSTRUCTOR, Role.TRAINING_MANAGER):
        login_as(make_person(db_session, role=role))
        denied = client.get(f"/api/v1/quizzes/{quiz_id}?answers=1")
        assert denied.status_code == 403 and denied.json["error"]["code"] == "forbidden"
    login_as(make_person(db_session, role=Role.ADMINISTRATOR))
    key = client.get(f"/api/v1/quizzes/{quiz_id}?answers=1").json
    assert all(q["correct"] for q in key["questions"])


def _quiz_id(client, db_session, login_as):
    login_as(make_person(db_session))
    return client.get("/api/v1/courses/dv-response-update").json["items"][-1]["quiz_id"]


def test_quiz_submission_errors_are_422_with_reasons(client, dv, officer):
    items = client.get("/api/v1/courses/dv-response-update").json["items"]
    quiz_id = items[-1]["quiz_id"]
    assert client.get(f"/api/v1/quizzes/{quiz_id}").json["error"]["code"] == "not_enrolled"
    client.post("/api/v1/courses/dv-response-update/enrollment")
    quiz = client.get(f"/api/v1/quizzes/{quiz_id}").json
    first = quiz["questions"][0]
    missing = client.post(f"/api/v1/quizzes/{quiz_id}/attempts",
                          json={"answers": {str(first["id"]): [first["choices"][0]["id"]]}})
    assert missing.status_code == 422 and "7 questions are not answered" in missing.json["error"]["message"]
    unknown = client.post(f"/api/v1/quizzes/{quiz_id}/attempts", json={"answers": {"123456789": [1]}})
    assert unknown.status_code == 422
    assert unknown.json["error"]["details"]["123456789"] == "Not a question of this quiz."
    assert client.post(f"/api/v1/quizzes/{quiz_id}/attempts", json={}).status_code == 422
    key = answer_key(client, quiz_id)
    wrong = {str(q["id"]): [next(c["id"] for c in q["choices"] if c["id"] not in key[str(q["id"])])]
             for q in quiz["questions"]}
    for left in (2, 1, 0):  # three attempts allowed
        response = client.post(f"/api/v1/quizzes/{quiz_id}/attempts", json={"answers": wrong})
        assert (response.status_code, response.json["score"], response.json["attempts_left"]) == (201, 0, left)
    exhausted = client.post(f"/api/v1/quizzes/{quiz_id}/attempts", json={"answers": wrong})
    assert exhausted.status_code == 422 and exhausted.json["error"]["code"] == "attempts_exhausted"


def test_progress_needs_enrollment_and_a_lesson(client, dv, officer):
    items = client.get("/api/v1/courses/dv-response-update").json["items"]
    not_enrolled = client.post(f"/api/v1/items/{items[0]['id']}/progress", json={"viewed": True})
    assert not_enrolled.status_code == 409 and not_enrolled.json["error"]["code"] == "not_enrolled"
    client.post("/api/v1/courses/dv-response-update/enrollment")
    assert client.post(f"/api/v1/items/{items[-1]['id']}/progress", json={"viewed": True}).status_code == 422
    assert client.post(f"/api/v1/items/{items[0]['id']}/progress", json={"viewed": False}).status_code == 422
    assert client.post("/api/v1/items/987654/progress", json={"viewed": True}).status_code == 404


def test_catalogue_filters(client, db_session, officer):
    load_content(db_session)
    load_content(db_session, REAL_CONTENT, slugs=("dv-response-update",))
    numbers = lambda q: [c["number"] for c in client.get(f"/api/v1/courses?{q}").json["courses"]]  # noqa: E731
    assert numbers("") == ["9998-00001", "9999-00101"]
    assert numbers("q=9999-00101") == ["9999-00101"]
    assert numbers("q=range+safety") == ["9998-00001"]
    assert numbers("requirement=ZZ-FIRE") == ["9998-00001"]
    assert numbers("delivery=instructor_led") == []
    assert numbers("audience=dispatcher") == []
    assert client.get("/api/v1/courses/no-such-course").status_code == 404


def test_failed_attempt_feedback_gives_no_explanations_away(client, dv, officer):
    items = client.get("/api/v1/courses/dv-response-update").json["items"]
    quiz_id = items[-1]["quiz_id"]
    client.post("/api/v1/courses/dv-response-update/enrollment")
    quiz = client.get(f"/api/v1/quizzes/{quiz_id}").json
    key = answer_key(client, quiz_id)
    wrong = {str(q["id"]): [next(c["id"] for c in q["choices"] if c["id"] not in key[str(q["id"])])]
             for q in quiz["questions"]}
    failed = client.post(f"/api/v1/quizzes/{quiz_id}/attempts", json={"answers": wrong}).json
    assert failed["passed"] is False and failed["attempts_left"] == 2
    assert all(set(f) == {"question_id", "correct"} and f["correct"] is False for f in failed["feedback"])
    passed = client.post(f"/api/v1/quizzes/{quiz_id}/attempts", json={"answers": key}).json
    assert passed["passed"] and all(f["explanation"] for f in passed["feedback"])
