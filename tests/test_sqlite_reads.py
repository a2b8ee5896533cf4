"""SQLite under `make run`: a GET begins DEFERRED, so reading never waits for a writer; a GET that writes after
another connection committed since it began is run again with the write lock, and its write is kept."""

from __future__ import annotations

import sqlite3
import threading
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from learning_portal.accounts.models import Person
from learning_portal.accounts.services import issue_api_token
from learning_portal.clock import utcnow
from learning_portal.db import session_factory
from learning_portal.learning.models import ItemProgress
from tests.conftest import migrated
from tests.factories import load_content, make_person


def commit_elsewhere_before_the_first_write(engine, path):
    """Another connection commits a change just before the request's first write: its snapshot is then old."""
    meddled = []

    @event.listens_for(engine, "before_cursor_execute")
    def _meddle(conn, cursor, statement, *args):  # noqa: ANN001, ANN202
        if not meddled and statement.lstrip().upper().startswith(("INSERT", "UPDATE")):
            meddled.append(statement)
            other = sqlite3.connect(path, isolation_level=None, timeout=30)
            other.execute("UPDATE people SET failed_logins = failed_logins + 1")  # a real change: a new snapshot
            other.close()

    return meddled, lambda: event.remove(engine, "before_cursor_execute", _meddle)


@pytest.fixture
def portal(app_on, tmp_path):
    path = tmp_path / "portal.db"
    app = app_on(migrated(f"sqlite:///{path}"))
    with app.app_context(), session_factory()() as db:
        load_content(db)
        person = make_person(db)
        db.commit()
        login = person.get_id()
    client = app.test_client()
    with client.session_transaction() as cookie:
        cookie["_user_id"], cookie["_fresh"] = login, True
    return app, client, path


def test_a_page_is_read_while_another_connection_holds_the_write_lock(portal):
    app, client, path = portal
    writer = sqlite3.connect(path, isolation_level=None, timeout=30)
    writer.execute("BEGIN IMMEDIATE")  # a long write (an import, the poster's batch) holds the lock
    answers = []
    reader = threading.Thread(target=lambda: answers.append(client.get("/courses").status_code))
    try:
        reader.start()
        reader.join(timeout=10)  # IMMEDIATE would wait for the writer (up to the 30 s busy timeout)
        assert answers == [200]
    finally:
        writer.execute("ROLLBACK")
        writer.close()
        reader.join(timeout=40)


def test_a_get_that_writes_after_a_concurrent_commit_runs_again_and_keeps_its_write(portal, caplog):
    app, client, path = portal
    enrolled = client.post("/courses/basic-course/enroll")
    assert enrolled.status_code == 302
    lesson = enrolled.headers["Location"]
    meddled, stop = commit_elsewhere_before_the_first_write(app.extensions["db_engine"], path)
    with caplog.at_level("INFO", logger="learning_portal.db"):
        page = client.get(lesson, follow_redirects=True)
    stop()
    assert page.status_code == 200 and meddled
    assert "run again with the write lock" in caplog.text  # the first run's write was refused
    with app.app_context(), session_factory()() as db:
        assert db.scalars(select(ItemProgress)).all()  # the lesson's opening was written, on the second run


def test_a_token_read_whose_first_write_is_the_token_stamp_is_run_again_signed_in(portal, caplog):
    app, _, path = portal
    with app.app_context(), session_factory()() as db:
        person = db.scalars(select(Person)).first()
        raw, _ = issue_api_token(db, person=person, now=utcnow(), ttl=timedelta(hours=1))
        db.commit()
        post_id = person.post_id
    meddled, stop = commit_elsewhere_before_the_first_write(app.extensions["db_engine"], path)
    with caplog.at_level("INFO", logger="learning_portal.db"):
        me = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    stop()
    assert meddled and "run again with the write lock" in caplog.text
    assert me.status_code == 200 and me.json["post_id"] == post_id  # the token checked again on the second run
