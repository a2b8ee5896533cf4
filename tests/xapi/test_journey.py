"""A learner's journey told to a real LRS process: launch, progress, quiz results, completion, credit."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from learning_portal.accounts.models import Role
from learning_portal.catalog.queries import get_course
from learning_portal.clock import utcnow
from learning_portal.credits import services as credits
from learning_portal.credits import worker as poster
from learning_portal.learning import services as learning
from learning_portal.quizzes import services as quizzes
from learning_portal.xapi import services, worker
from learning_portal.xapi.lrs import LrsClient
from learning_portal.xapi.models import StatementStatus, XapiStatement
from learning_portal.xapi.statements import PROGRESS, VERBS
from tests.credits.helpers import complete_course
from tests.factories import NOW, REAL_CONTENT, load_content, make_agency, make_person
from tests.xapi.receiver import BASE_URL, CREDENTIALS, HOMEPAGE

COURSE_IRI = f"{BASE_URL}/xapi/courses/9999-00101"


@pytest.fixture
def officer(db_session):
    load_content(db_session, REAL_CONTENT, slugs=("dv-response-update",))
    return make_person(db_session, agency=make_agency(db_session, jurisdiction="CA-POST"))


def send(app, lrs, now=NOW, client=None):
    return worker.run_once(app.extensions["db_sessionmaker"], client or lrs.client(), services.SenderSettings(),
                           now=lambda: now)


def take_course(session, person, *, fail_first: bool):
    """Open every item, view the lessons, fail the quiz once (if asked) and pass it."""
    course, _ = get_course(session, "dv-response-update")
    enrollment, _ = learning.enroll(session, person=person, course=course, now=NOW)
    for item in enrollment.course_version.required_items:
        learning.launch(session, enrollment=enrollment, item=item, now=NOW)
        if item.kind.value == "lesson":
            learning.mark_lesson_viewed(session, enrollment=enrollment, item=item, now=NOW)
            continue
        quiz = quizzes.get_quiz(session, item.id)
        tries = [False, True] if fail_first else [True]
        for right in tries:
            attempt = quizzes.open_attempt(session, enrollment=enrollment, quiz=quiz, now=NOW)
            answers = {str(q.id): sorted(q.correct_ids) if right else [_wrong(q)] for q in quiz.questions}
            quizzes.submit_attempt(session, attempt=attempt, enrollment=enrollment, answers=answers, now=NOW)
    return enrollment


def _wrong(question):
    return next(c.id for c in question.choices if c.id not in question.correct_ids)


def test_the_whole_journey_arrives_at_the_lrs_in_order(app, db_session, officer, xapi_on, lrs):
    take_course(db_session, officer, fail_first=True)
    db_session.commit()
    poster.run_once(app.extensions["db_sessionmaker"], credits.PosterSettings(), now=lambda: NOW)
    assert send(app, lrs) == 15

    stored = lrs.statements(officer.post_id)
    verbs = [s["verb"]["display"]["en-US"] for s in stored]
    assert verbs == ["launched", "completed", "progressed"] * 3 + [
        "launched", "failed", "passed", "completed", "completed", "satisfied"]
    for statement in stored:
        assert statement["actor"] == {"objectType": "Agent", "account": {"homePage": HOMEPAGE,
                                                                         "name": officer.post_id}}
        assert statement["verb"]["id"] == VERBS[statement["verb"]["display"]["en-US"]]
    assert len({s["context"]["registration"] for s in stored}) == 1  # one enrollment

    lesson = stored[0]["object"]
    assert lesson["id"] == f"{COURSE_IRI}/v1/items/1"
    assert lesson["definition"]["type"] == "http://adlnet.gov/expapi/activities/lesson"
    assert stored[0]["context"]["contextActivities"]["parent"][0]["id"] == COURSE_IRI
    assert [s["result"]["extensions"][PROGRESS] for s in stored if s["verb"]["display"]["en-US"] == "progressed"] \
        == [25, 50, 75]  # 1, 2 and 3 of 4 required items

    failed, passed = stored[10], stored[11]
    assert failed["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/assessment"
    assert failed["result"]["success"] is False and failed["result"]["score"]["scaled"] == 0
    assert passed["result"] == {"score": {"scaled": 1.0, "raw": 100, "min": 0, "max": 100}, "success": True,
                                "completion": True}

    course_completed, credited = stored[13], stored[14]
    assert course_completed["object"]["id"] == COURSE_IRI and "contextActivities" not in course_completed["context"]
    assert credited["verb"]["id"] == "https://w3id.org/xapi/adl/verbs/satisfied"
    extensions = credited["context"]["extensions"]
    assert extensions[f"{BASE_URL}/xapi/extensions/cpt-hours"] == "2.00"
    assert set(extensions[f"{BASE_URL}/xapi/extensions/satisfies"]) == {"CA-CPT-24", "CA-LM-DV-2Y"}


def test_nothing_is_recorded_where_no_lrs_is_configured(db_session, officer):
    complete_course(db_session, officer, "dv-response-update", now=NOW)
    assert db_session.scalar(select(func.count()).select_from(XapiStatement)) == 0


def rows(session):
    return list(session.scalars(select(XapiStatement).order_by(XapiStatement.id)
                                .execution_options(populate_existing=True)))


def test_an_lrs_that_is_down_gets_the_statements_later_once(app, db_session, officer, xapi_on, lrs):
    complete_course(db_session, officer, "dv-response-update", now=NOW)
    db_session.commit()
    count = len(rows(db_session))
    lrs.control(fail_next=1)
    assert send(app, lrs) == 0
    waiting = rows(db_session)
    assert {r.status for r in waiting} == {StatementStatus.FAILED}
    assert "HTTP 503" in waiting[0].last_error and all(r.next_attempt_at > NOW for r in waiting)
    assert send(app, lrs) == 0  # not due yet: nothing is sent before the retry time
    assert send(app, lrs, now=NOW + timedelta(hours=2)) == count
    assert {r.status for r in rows(db_session)} == {StatementStatus.SENT}
    assert len(lrs.statements(officer.post_id)) == count


def test_a_sender_that_died_after_sending_leaves_each_statement_once(app, db_session, officer, xapi_on, lrs):
    complete_course(db_session, officer, "dv-response-update", now=NOW)
    db_session.commit()
    factory, settings = app.extensions["db_sessionmaker"], services.SenderSettings()
    with factory() as session:  # the first sender claims and sends, then dies before recording it
        batch = services.claim_due(session, now=NOW, settings=settings)
        session.commit()
    assert lrs.client().send([statement for _, statement in batch]) == [None] * len(batch)

    assert send(app, lrs, now=NOW + timedelta(seconds=30)) == 0  # leased: nobody else takes them yet
    assert send(app, lrs, now=NOW + settings.lease + timedelta(seconds=1)) == len(batch)
    assert {r.status for r in rows(db_session)} == {StatementStatus.SENT}
    assert len(lrs.statements(officer.post_id)) == len(batch)  # sent again with the same ids: kept once


def test_a_statement_the_lrs_refuses_dies_alone_and_can_be_sent_again(app, db_session, officer, xapi_on, lrs,
                                                                     login_as):
    take_course(db_session, officer, fail_first=True)
    db_session.commit()
    lrs.control(reject_verb=VERBS["failed"])
    sent = send(app, lrs)
    dead = [r for r in rows(db_session) if r.status is StatementStatus.DEAD]
    assert [r.verb for r in dead] == ["failed"] and "HTTP 400" in dead[0].last_error
    assert sent == len(rows(db_session)) - 1

    lrs.control(reject_verb=None)
    admin = make_person(db_session, role=Role.ADMINISTRATOR)
    client = login_as(admin)
    page = client.get("/admin/xapi/?status=dead")
    assert b"Dead: 1" in page.data and b"Final assessment" in page.data
    response = client.post("/admin/xapi/retry-dead", follow_redirects=True)
    assert b"1 statement will be sent again." in response.data
    assert send(app, lrs, now=utcnow() + timedelta(seconds=1)) == 1  # the page made it due now
    assert "failed" in [s["verb"]["display"]["en-US"] for s in lrs.statements(officer.post_id)]


def test_an_outage_or_a_wrong_address_never_kills_a_statement(app, db_session, officer, xapi_on, lrs):
    complete_course(db_session, officer, "dv-response-update", now=NOW)
    db_session.commit()
    factory, settings = app.extensions["db_sessionmaker"], services.SenderSettings(max_attempts=1)
    lrs.control(fail_next=2)
    wrong = LrsClient(lrs.root + "/not-xapi/", *CREDENTIALS, timeout=5)
    for hours, client in ((0, lrs.client()), (2, lrs.client()), (4, wrong)):  # 503, 503, 404
        assert worker.run_once(factory, client, settings, now=lambda h=hours: NOW + timedelta(hours=h)) == 0
        assert {r.status for r in rows(db_session)} == {StatementStatus.FAILED}
    assert rows(db_session)[0].attempts == 3
    count = worker.run_once(factory, lrs.client(), settings, now=lambda: NOW + timedelta(hours=8))
    assert count == len(rows(db_session)) == len(lrs.statements(officer.post_id))


def test_refused_credentials_keep_the_statements_for_the_operator_to_fix(app, db_session, officer, xapi_on, lrs):
    complete_course(db_session, officer, "dv-response-update", now=NOW)
    db_session.commit()
    assert send(app, lrs, client=lrs.client(password="wrong")) == 0
    waiting = rows(db_session)
    assert {r.status for r in waiting} == {StatementStatus.FAILED} and "HTTP 401" in waiting[0].last_error
    assert send(app, lrs, now=NOW + timedelta(hours=2)) == len(waiting)


def test_sent_statements_are_deleted_after_the_keeping_time(app, db_session, officer, xapi_on, lrs):
    complete_course(db_session, officer, "dv-response-update", now=NOW)
    db_session.commit()
    count = send(app, lrs)
    assert count and len(rows(db_session)) == count
    send(app, lrs, now=NOW + timedelta(days=29))
    assert len(rows(db_session)) == count
    send(app, lrs, now=NOW + timedelta(days=31))
    assert rows(db_session) == []
    assert len(lrs.statements(officer.post_id)) == count  # the LRS keeps them


def test_a_roster_completion_is_told_as_completed_when_the_session_was_held(db_session, officer, xapi_on):
    _, version = get_course(db_session, "dv-response-update")
    held = NOW - timedelta(days=2)
    learning.record_roster_completion(db_session, person_id=officer.id, version=version, completed_at=held,
                                      note="briefing", now=NOW)
    (row,) = rows(db_session)
    statement = row.statement
    assert (row.verb, statement["object"]["id"]) == ("completed", COURSE_IRI)
    assert statement["timestamp"] == held.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert statement["context"]["extensions"][f"{BASE_URL}/xapi/extensions/source"] == "roster"
    assert row.created_at == NOW
