"""E-mail through a real SMTP server on loopback: written with its event, sent once, retried, dead, never lost."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from learning_portal import outbox
from learning_portal.accounts.models import Role
from learning_portal.mail import services as mail
from learning_portal.mail import worker
from learning_portal.mail.models import OutgoingMail
from learning_portal.mail.transport import FileTransport, SmtpTransport
from learning_portal.outbox import OutboxStatus
from tests.factories import NOW, make_person
from tests.net import free_port

POLICY = outbox.Policy(batch_size=5, max_attempts=2, retry_base=timedelta(seconds=30))
SETTINGS = worker.MailSettings(sender="Learning Portal <portal@portal.test>", policy=POLICY)


def hello(to: str = "ana@example.test", key: str = "test:1") -> tuple[str, str, mail.Letter]:
    content = mail.letter("password_reset", subject="Reset your password", name="Ana", username="ana",
                          link="http://portal.test/account/password/abc", expires="7 Dec 2026, 09:00 PST",
                          reason="you asked for it on the sign-in page.")
    return key, to, content


def queue(db, *, to: str = "ana@example.test", key: str = "test:1"):
    key, to, content = hello(to, key)
    return mail.queue(db, key=key, kind="password_reset", to=to, content=content, now=NOW)


def send(app, transport, *, at=NOW) -> int:
    return worker.run_once(app.extensions["db_sessionmaker"], transport, SETTINGS, now=lambda: at)


def test_a_queued_message_arrives_once_with_text_and_html(app, db_session, smtp):
    queue(db_session)
    db_session.commit()
    assert send(app, SmtpTransport(smtp.url)) == 1
    assert send(app, SmtpTransport(smtp.url)) == 0  # nothing due: sent once
    (message,) = smtp.messages()
    assert message["To"] == "ana@example.test" and message["From"] == "Learning Portal <portal@portal.test>"
    assert message["Subject"] == "Reset your password · Learning Portal"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "http://portal.test/account/password/abc" in text
    assert 'href="http://portal.test/account/password/abc"' in html
    assert "Why you are getting this: you asked for it on the sign-in page." in text
    row = db_session.scalars(select(OutgoingMail)).one()
    assert row.status is OutboxStatus.SENT and message["Message-ID"] == row.message_id


def test_an_event_rolled_back_sends_nothing_and_one_event_is_one_message(app, db_session, smtp):
    savepoint = db_session.begin_nested()
    queue(db_session, key="rolled-back")
    savepoint.rollback()
    assert queue(db_session, key="once") is not None
    assert queue(db_session, key="once") is None  # a rerun of the same event
    db_session.commit()
    assert send(app, SmtpTransport(smtp.url)) == 1
    assert len(smtp.messages()) == 1


def test_a_server_that_is_down_keeps_mail_waiting_however_long(app, db_session, smtp):
    queue(db_session)
    db_session.commit()
    down = SmtpTransport(f"smtp://127.0.0.1:{free_port()}")
    at = NOW
    for _ in range(5):  # more than max_attempts: an outage is not the message's fault
        assert send(app, down, at=at) == 0
        at += timedelta(hours=2)
    row = db_session.scalars(select(OutgoingMail)).one()
    db_session.refresh(row)
    assert row.status is OutboxStatus.FAILED and row.attempts == 5 and "cannot reach" in row.last_error
    assert send(app, SmtpTransport(smtp.url), at=at) == 1
    assert len(smtp.messages()) == 1


def test_a_refused_recipient_is_dead_at_once_and_a_deferral_is_retried(app, db_session, smtp):
    queue(db_session, to="nobody@refused.invalid", key="refused")
    queue(db_session, to="busy@later.invalid", key="later")
    queue(db_session, to="ana@example.test", key="fine")
    db_session.commit()
    assert send(app, SmtpTransport(smtp.url)) == 1  # the good one is not held up by the others
    rows = {r.key: r for r in db_session.scalars(select(OutgoingMail))}
    for row in rows.values():
        db_session.refresh(row)
    assert rows["refused"].status is OutboxStatus.DEAD and "550" in rows["refused"].last_error
    assert rows["later"].status is OutboxStatus.FAILED and rows["later"].attempts == 1
    assert rows["fine"].status is OutboxStatus.SENT
    assert send(app, SmtpTransport(smtp.url), at=NOW + timedelta(hours=1)) == 0  # 451 again: now dead (2 tries)
    db_session.refresh(rows["later"])
    assert rows["later"].status is OutboxStatus.DEAD


def test_administrators_see_dead_mail_and_send_it_again(app, db_session, smtp, signed_in):
    queue(db_session, to="nobody@refused.invalid")
    db_session.commit()
    send(app, SmtpTransport(smtp.url))
    admin = signed_in(make_person(db_session, role=Role.ADMINISTRATOR))
    page = admin.get("/admin/mail/?status=dead").get_data(as_text=True)
    assert "nobody@refused.invalid" in page and "Dead: 1" in page and "550" in page
    assert admin.post("/admin/mail/retry-dead").status_code == 302
    row = db_session.scalars(select(OutgoingMail)).one()
    db_session.refresh(row)
    assert row.status is OutboxStatus.PENDING and row.attempts == 0
    officer = signed_in(make_person(db_session))
    assert officer.get("/admin/mail/").status_code == 403


def test_without_a_server_messages_are_written_as_eml_files(app, db_session, tmp_path):
    queue(db_session)
    db_session.commit()
    assert send(app, FileTransport(tmp_path / "mail")) == 1
    (eml,) = (tmp_path / "mail").glob("*.eml")
    assert b"Subject: Reset your password" in eml.read_bytes()
    assert not list((tmp_path / "mail").glob(".*.part"))  # whole files only
