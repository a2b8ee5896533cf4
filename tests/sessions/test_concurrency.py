"""Racing requests on a real, committed database: a roster is credited once, a check-in recorded once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from learning_portal import migrate
from learning_portal.accounts.models import Person, Role
from learning_portal.catalog.queries import get_course
from learning_portal.db import make_engine
from learning_portal.learning.models import Completion
from learning_portal.sessions import services
from learning_portal.sessions.models import Attendance, SessionKind, TrainingSession
from tests.conftest import fresh_database_url
from tests.factories import NOW, REAL_CONTENT, load_content, make_agency, make_person

RACERS = 4


def fresh(request, backend, tmp_path):
    engine = make_engine(fresh_database_url(request, backend, tmp_path))
    migrate.upgrade(engine)
    return engine, sessionmaker(engine, expire_on_commit=False)


@pytest.fixture
def seeded(request, backend, tmp_path):
    engine, factory = fresh(request, backend, tmp_path)
    with factory() as db:
        load_content(db, REAL_CONTENT, slugs=("vehicle-pursuit-policy-update",))
        agency = make_agency(db, jurisdiction="CA-POST")
        instructor = make_person(db, role=Role.INSTRUCTOR, agency=agency)
        officers = [make_person(db, agency=agency) for _ in range(3)]
        ts = services.create_session(db, actor=instructor, course=get_course(db, "vehicle-pursuit-policy-update")[0],
                                     kind=SessionKind.BRIEFING, starts_at=NOW - timedelta(minutes=5),
                                     location="Room 1", agency=agency, now=NOW)
        services.start_check_in(ts, now=NOW)
        db.commit()
        ids = (ts.id, instructor.id, [o.id for o in officers])
    yield factory, *ids
    engine.dispose()


def race(worker, n: int = RACERS) -> list:
    barrier = threading.Barrier(n)

    def run(_):
        barrier.wait()
        return worker()

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def test_racing_submissions_credit_the_roster_once(seeded):
    factory, session_id, instructor_id, officer_ids = seeded
    with factory() as db:
        ts = db.get(TrainingSession, session_id)
        for officer_id in officer_ids:
            services.add_attendee_by_id(db, ts=ts, actor=db.get(Person, instructor_id), person_id=officer_id, now=NOW)
        db.commit()

    def submit():
        with factory() as db:
            actor = db.get(Person, instructor_id)
            ts = services.get_session(db, actor=actor, session_id=session_id, manage=True, lock=True)
            outcome = services.submit_roster(db, ts=ts, actor=actor, now=NOW)
            db.commit()
            return outcome

    outcomes = race(submit)
    assert sorted(o.already_submitted for o in outcomes) == [False] + [True] * (RACERS - 1)
    with factory() as db:
        assert db.scalar(select(func.count()).select_from(Completion)) == len(officer_ids)


def test_racing_check_ins_of_one_person_record_one_attendance(seeded):
    factory, session_id, _, officer_ids = seeded
    with factory() as db:
        code = services.current_code(db.get(TrainingSession, session_id), NOW).code

    def check_in():
        with factory() as db:
            result = services.check_in(db, person=db.get(Person, officer_ids[0]), code=code, now=NOW)
            db.commit()
            return result.created

    assert sorted(race(check_in)) == [False] * (RACERS - 1) + [True]
    with factory() as db:
        assert db.scalar(select(func.count()).select_from(Attendance)) == 1


def test_racing_registrations_take_the_last_seat_once(request, backend, tmp_path):
    from learning_portal.errors import ConflictError
    from learning_portal.sessions import registration

    engine, factory = fresh(request, backend, tmp_path)
    with factory() as db:
        load_content(db, REAL_CONTENT, slugs=("vehicle-pursuit-policy-update",))
        agency = make_agency(db, jurisdiction="CA-POST")
        instructor = make_person(db, role=Role.INSTRUCTOR, agency=agency)
        officer_ids = [make_person(db, agency=agency).id for _ in range(RACERS)]
        ts = services.create_session(db, actor=instructor, course=get_course(db, "vehicle-pursuit-policy-update")[0],
                                     kind=SessionKind.CLASSROOM, starts_at=NOW + timedelta(days=3),
                                     location="Room 1", agency=agency, now=NOW, capacity=1)
        db.commit()
        session_id = ts.id
    people = iter(officer_ids)
    lock = threading.Lock()

    def take():
        with lock:
            person_id = next(people)
        with factory() as db:
            try:
                registration.register(db, person=db.get(Person, person_id), session_id=session_id, now=NOW)
            except ConflictError:
                return False
            db.commit()
            return True

    try:
        assert sorted(race(take)) == [False] * (RACERS - 1) + [True]
        with factory() as db:
            assert len(registration.registrations(db, db.get(TrainingSession, session_id))) == 1
    finally:
        engine.dispose()
