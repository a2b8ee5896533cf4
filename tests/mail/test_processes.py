"""The mail sender as operators run it: two ``portal-mail-worker`` processes on PostgreSQL, sending through
the SMTP server process; every message arrives once."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from learning_portal import migrate
from learning_portal.config import ROOT
from learning_portal.db import make_engine
from learning_portal.mail import services as mail
from learning_portal.mail.models import OutgoingMail
from learning_portal.outbox import OutboxStatus
from tests import pg
from tests.factories import NOW

pytestmark = pytest.mark.slow
MESSAGES = 400


@pytest.fixture
def pg_url(request) -> str:
    if "postgresql" not in os.environ.get("PORTAL_TEST_BACKENDS", "sqlite,postgresql"):
        pytest.skip("PostgreSQL tests turned off with PORTAL_TEST_BACKENDS")
    return pg.create_database(request.getfixturevalue("postgres_url"))


def test_two_senders_deliver_every_message_exactly_once(pg_url, tmp_path, smtp):
    engine = make_engine(pg_url)
    migrate.upgrade(engine)
    content = mail.letter("password_reset", subject="Reset your password", name="Ana", username="ana",
                          link="http://portal.test/account/password/x", expires="soon", reason="a test.")
    with Session(engine) as session:
        for n in range(MESSAGES):
            mail.queue(session, key=f"load:{n}", kind="password_reset", to=f"p{n}@example.test", content=content,
                       now=NOW)
        session.commit()
    environment = {**os.environ, "PORTAL_DATABASE_URL": pg_url, "PORTAL_SECRET_KEY": "k" * 40,
                   "PORTAL_INSTANCE_PATH": str(tmp_path), "PORTAL_SMTP_URL": smtp.url, "PORTAL_MAIL_BATCH_SIZE": "5"}
    workers = [subprocess.Popen([sys.executable, "-m", "learning_portal.mail.worker", "--once"], cwd=ROOT,
                                env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
               for _ in range(2)]
    outputs = [w.communicate(timeout=120)[0] for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs

    received = sorted(m["To"] for m in smtp.messages())
    assert received == sorted(f"p{n}@example.test" for n in range(MESSAGES))  # each once
    with Session(engine) as session:
        assert set(session.scalars(select(OutgoingMail.status))) == {OutboxStatus.SENT}
    done = [int(o.rsplit("stopped after ", 1)[1].split()[0]) for o in outputs]
    assert sum(done) == MESSAGES and min(done) > 0, done  # both really worked side by side
    engine.dispose()
