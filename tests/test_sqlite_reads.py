"""SQLite under `make run`: a GET begins DEFERRED, so reading never waits for a writer; a GET that writes after
another connection committed since it began is run again with the write lock, and its write is kept."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import event, select

from learning_portal import migrate
from learning_portal.db import make_engine, session_factory
from learning_portal.learning.models import ItemProgress
from tests.factories import load_content, make_person


@pytest.fixture
def portal(app_on, tmp_path):
    path = tmp_path / "portal.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    app = app_on(f"sqlite:///{path}")
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
    engine = app.extensions["db_engine"]
    meddled = []

    @event.listens_for(engine, "before_cursor_execute")
    def _commit_elsewhere_first(conn, cursor, statement, *args):  # noqa: ANN001, ANN202
        # The first write of the GET: another connection commits just before it, so the GET's snapshot is old.
        if not meddled and statement.lstrip().upper().startswith(("INSERT", "UPDATE")):
            meddled.append(statement)
            other = sqlite3.connect(path, isolation_level=None, timeout=30)
            other.execute("UPDATE people SET failed_logins = failed_logins + 1")  # a real change: a new snapshot
            other.close()

    with caplog.at_level("INFO", logger="learning_portal.db"):
        page = client.get(lesson, follow_redirects=True)
    event.remove(engine, "before_cursor_execute", _commit_elsewhere_first)
    assert page.status_code == 200 and meddled
    assert "run again with the write lock" in caplog.text  # the first run's write was refused
    with app.app_context(), session_factory()() as db:
        assert db.scalars(select(ItemProgress)).all()  # the lesson's opening was written, on the second run
