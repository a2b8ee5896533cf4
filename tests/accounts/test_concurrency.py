"""Parallel guesses on a real, committed database lock an account at the limit, as sequential ones do."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from learning_portal import migrate
from learning_portal.accounts import services
from learning_portal.accounts.models import Person
from learning_portal.audit.models import AuditEntry
from learning_portal.db import make_engine
from tests.conftest import fresh_database_url
from tests.factories import NOW, make_agency, make_person

GUESSES = 16
POLICY = services.LoginPolicy(max_failures=5, lockout=timedelta(minutes=15), address_max_failures=1000)


@pytest.fixture
def factory(request, backend, tmp_path):
    engine = make_engine(fresh_database_url(request, backend, tmp_path))
    migrate.upgrade(engine)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


def test_parallel_wrong_passwords_lock_the_account_at_the_limit(factory):
    with factory() as db:
        person = make_person(db, agency=make_agency(db))
        db.commit()
        username, person_id = person.username, person.id
    barrier = threading.Barrier(GUESSES)

    def guess(_):
        barrier.wait()
        with factory() as db:
            try:
                services.check_password(db, username=username, password="a wrong guess", now=NOW, policy=POLICY)
            except services.AuthenticationError as exc:
                db.commit()  # as the sign-in view does
                return type(exc).__name__
            return "signed in"

    with ThreadPoolExecutor(GUESSES) as pool:
        answers = list(pool.map(guess, range(GUESSES)))
    # Four are told "wrong", the fifth locks the account, and the rest are refused without a check.
    assert answers.count("InvalidCredentialsError") == POLICY.max_failures - 1
    assert answers.count("AccountLockedError") == GUESSES - POLICY.max_failures + 1
    with factory() as db:
        assert db.get(Person, person_id).locked_until is not None
        checked = db.scalar(select(func.count()).select_from(AuditEntry)
                            .where(AuditEntry.action == "sign_in.failed", AuditEntry.subject_id == person_id,
                                   AuditEntry.details["reason"].as_string() == "wrong password"))
        assert checked == POLICY.max_failures
