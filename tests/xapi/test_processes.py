"""The sender as operators run it: ``portal-xapi-worker`` in its own process, configured from the environment."""

import os
import subprocess
import sys

import pytest
from sqlalchemy import select

from learning_portal import migrate
from learning_portal.config import ROOT, ConfigError
from learning_portal.db import make_engine, session_factory
from learning_portal.xapi.models import StatementStatus, XapiStatement
from tests.credits.helpers import complete_course
from tests.factories import NOW, REAL_CONTENT, load_content, make_agency, make_person
from tests.xapi.receiver import BASE_URL, CREDENTIALS, HOMEPAGE


def worker(environment, *args):
    return subprocess.run([sys.executable, "-m", "learning_portal.xapi.worker", *args], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=120)


def test_the_worker_process_sends_what_the_web_app_recorded(app_on, tmp_path, lrs):
    url = f"sqlite:///{tmp_path / 'portal.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    settings = {"XAPI_LRS_URL": lrs.endpoint, "XAPI_LRS_USERNAME": CREDENTIALS[0],
                "XAPI_LRS_PASSWORD": CREDENTIALS[1], "XAPI_BASE_URL": BASE_URL + "/",
                "XAPI_ACCOUNT_HOMEPAGE": HOMEPAGE}
    app = app_on(url, **settings)
    with session_factory(app)() as session:  # the app's own sessions record statements: no test wiring
        load_content(session, REAL_CONTENT, slugs=("dv-response-update",))
        person = make_person(session, agency=make_agency(session, jurisdiction="CA-POST"))
        complete_course(session, person, "dv-response-update", now=NOW)
        session.commit()
        recorded = len(session.scalars(select(XapiStatement)).all())
    assert recorded == 9  # 3 lessons: completed, progressed; the quiz: passed, completed; the course: completed

    environment = {**os.environ, "PORTAL_DATABASE_URL": url, "PORTAL_SECRET_KEY": "k" * 40,
                   "PORTAL_INSTANCE_PATH": str(tmp_path), **{f"PORTAL_{k}": v for k, v in settings.items()}}
    result = worker(environment, "--once")
    assert result.returncode == 0, result.stderr
    stored = lrs.statements(person.post_id)
    assert len(stored) == recorded
    assert all(s["object"]["id"].startswith(f"{BASE_URL}/xapi/courses/9999-00101") for s in stored)
    with session_factory(app)() as session:
        assert set(session.scalars(select(XapiStatement.status))) == {StatementStatus.SENT}


def test_the_worker_says_what_is_missing_without_an_lrs(tmp_path):
    environment = {**os.environ, "PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
                   "PORTAL_SECRET_KEY": "k" * 40, "PORTAL_INSTANCE_PATH": str(tmp_path)}
    environment.pop("PORTAL_XAPI_LRS_URL", None)
    result = worker(environment, "--once")
    assert result.returncode != 0 and "PORTAL_XAPI_LRS_URL" in result.stderr


@pytest.mark.parametrize(("settings", "message"), [
    ({"XAPI_LRS_URL": "http://127.0.0.1:9/xapi/"}, "PORTAL_XAPI_BASE_URL"),
    ({"XAPI_LRS_URL": "ftp://lrs/", "XAPI_BASE_URL": BASE_URL}, "PORTAL_XAPI_LRS_URL"),
    ({"XAPI_SENDER": "cron"}, "PORTAL_XAPI_SENDER"),
])
def test_settings_that_cannot_work_stop_the_start(app_on, tmp_path, settings, message):
    with pytest.raises(ConfigError, match=message):
        app_on(f"sqlite:///{tmp_path / 'x.db'}", **settings)
