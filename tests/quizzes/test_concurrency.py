"""Learners submitting the same quiz at the same moment never wait for each other (PostgreSQL row locks)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from learning_portal import migrate
from learning_portal.catalog.models import ItemKind
from learning_portal.catalog.queries import get_course
from learning_portal.db import make_engine
from learning_portal.learning import services as learning
from learning_portal.quizzes import services
from tests.conftest import fresh_database_url
from tests.factories import NOW, REAL_CONTENT, load_content, make_agency, make_person


@pytest.fixture
def two_learners(request, backend, tmp_path):
    if backend != "postgresql":
        pytest.skip("row locks: PostgreSQL (SQLite runs one writer at a time)")
    engine = make_engine(fresh_database_url(request, backend, tmp_path))
    migrate.upgrade(engine)
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as db:
        load_content(db, REAL_CONTENT, slugs=("dv-response-update",))
        course, version = get_course(db, "dv-response-update")
        quiz_id = next(i.id for i in version.items if i.kind is ItemKind.QUIZ)
        agency = make_agency(db)
        people = [make_person(db, agency=agency) for _ in range(2)]
        for p in people:
            learning.enroll(db, person=p, course=course, now=NOW)
        db.commit()
        ids = [p.id for p in people]
    yield factory, quiz_id, course.id, ids
    engine.dispose()


def submission_lock(db, quiz_id: int, course_id: int, person_id: int) -> None:
    quiz = services.get_quiz(db, quiz_id)
    enrollment = learning.open_enrollment(db, person_id=person_id, course_id=course_id)
    services.attempt_for_submission(db, enrollment=enrollment, quiz=quiz, attempt_id=None, now=NOW)


def test_one_learners_submission_does_not_lock_another(two_learners):
    factory, quiz_id, course_id, (first, second) = two_learners
    with factory() as one, factory() as two:
        submission_lock(one, quiz_id, course_id, first)  # holds its locks, as a slow submission would
        two.execute(text("SET lock_timeout = '2s'"))
        submission_lock(two, quiz_id, course_id, second)  # the shared quiz and course rows were locked too
        two.rollback()
        one.rollback()
