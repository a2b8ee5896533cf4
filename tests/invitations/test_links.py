"""Sign-in for everyone: an invitation or reset e-mailed through a real SMTP server, its link followed."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from learning_portal.accounts.models import ApiToken, Person, Role
from learning_portal.audit.models import AuditEntry
from learning_portal.invitations import views
from learning_portal.mail import worker
from learning_portal.mail.models import OutgoingMail
from learning_portal.mail.transport import SmtpTransport
from tests.factories import NOW, make_agency, make_person

NEW_PASSWORD = "a long and new passphrase"


@pytest.fixture
def clock(monkeypatch):
    state = {"now": NOW}
    monkeypatch.setattr(views, "utcnow", lambda: state["now"])
    return state


def deliver(app, smtp, clock) -> list:
    """Send what is queued through the SMTP server; returns every message it has received."""
    worker.run_once(app.extensions["db_sessionmaker"], SmtpTransport(smtp.url), worker.settings(app.config),
                    now=lambda: clock["now"])
    return smtp.messages()


def link_in(message) -> str:
    text = message.get_body(("plain",)).get_content()
    return urlsplit(re.search(r"http://\S+/account/password/\S+", text).group(0)).path


def sign_in(client, username: str, password: str):
    return client.post("/login", data={"username": username, "password": password})


def test_an_invited_person_sets_a_password_from_the_e_mail_and_signs_in(app, db_session, smtp, clock, signed_in,
                                                                         client):
    admin = make_person(db_session, role=Role.ADMINISTRATOR, first_name="Alex", last_name="Admin")
    newcomer = make_person(db_session, password=None, first_name="Nia", email="nia@example.test")
    answer = signed_in(admin).post(f"/people/{newcomer.id}/invite", data={"next": f"/admin/people/{newcomer.id}"})
    assert answer.status_code == 302 and answer.headers["Location"] == f"/admin/people/{newcomer.id}"

    (message,) = deliver(app, smtp, clock)
    assert message["To"] == "nia@example.test" and message["Subject"] == "Set your password · Learning Portal"
    text = message.get_body(("plain",)).get_content()
    assert "Alex Admin has opened an account for you" in text and f"Your username is {newcomer.username}" in text
    assert "Why you are getting this: Alex Admin invited you" in text

    path = link_in(message)
    page = client.get(path).get_data(as_text=True)
    assert "Set your password" in page
    short = client.post(path, data={"password": "short", "confirm": "short"})
    assert short.status_code == 422  # nothing used up by a refused password
    done = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert sign_in(client, newcomer.username, NEW_PASSWORD).status_code == 302

    again = client.get(path)
    assert again.status_code == 410 and "already been used" in again.get_data(as_text=True)


def test_expired_and_forged_links_are_refused_with_a_clear_message(app, db_session, smtp, clock, signed_in, client):
    manager = make_person(db_session, role=Role.TRAINING_MANAGER)
    newcomer = make_person(db_session, password=None, agency=manager.agency)
    signed_in(manager).post(f"/people/{newcomer.id}/invite")
    path = link_in(deliver(app, smtp, clock)[0])

    forged = client.get(path[:-4] + "AAAA")
    assert forged.status_code == 410 and "This link is not valid" in forged.get_data(as_text=True)
    clock["now"] = NOW + timedelta(days=7, seconds=1)
    expired = client.get(path).get_data(as_text=True)
    assert "This link expired on" in expired and "Ask your training manager for a new invitation." in expired
    late = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert late.status_code == 410
    assert db_session.get(Person, newcomer.id).password_hash is None


def test_managers_invite_only_their_own_people_and_never_themselves(db_session, signed_in, smtp):
    manager = make_person(db_session, role=Role.TRAINING_MANAGER, password_hash=None)
    elsewhere = make_person(db_session, password=None, agency=make_agency(db_session))
    has_password = make_person(db_session, agency=manager.agency)
    no_email = make_person(db_session, password=None, agency=manager.agency, email=None)
    as_manager = signed_in(manager)
    assert as_manager.post(f"/people/{elsewhere.id}/invite").status_code == 404  # not theirs to know of
    assert as_manager.post(f"/people/{manager.id}/invite").status_code == 403  # another manager must
    for person, message in ((has_password, "already has a password"), (no_email, "has no e-mail address")):
        page = as_manager.post(f"/people/{person.id}/invite", follow_redirects=True).get_data(as_text=True)
        assert message in page, person
    officer = signed_in(make_person(db_session, agency=manager.agency))
    assert officer.post(f"/people/{no_email.id}/invite").status_code == 403
    assert db_session.scalars(select(OutgoingMail)).all() == []


def test_inviting_everyone_without_a_password_reaches_each_once(app, db_session, smtp, clock, signed_in):
    manager = make_person(db_session, role=Role.TRAINING_MANAGER)
    for n in range(3):
        make_person(db_session, password=None, agency=manager.agency, email=f"new{n}@example.test")
    make_person(db_session, password=None, agency=manager.agency, email=None)
    make_person(db_session, password=None, agency=make_agency(db_session))  # another agency's
    client = signed_in(manager)
    first = client.post("/people/invite-all", follow_redirects=True).get_data(as_text=True)
    assert "3 invitations sent." in first and "1 have no e-mail address on file" in first
    second = client.post("/people/invite-all", follow_redirects=True).get_data(as_text=True)
    assert "0 invitations sent. 3 already hold an invitation still valid." in second
    assert sorted(m["To"] for m in deliver(app, smtp, clock)) == [f"new{n}@example.test" for n in range(3)]


def test_forgot_password_answers_alike_sends_one_link_and_ends_every_other_session(app, db_session, smtp, clock,
                                                                                   client, signed_in):
    officer = make_person(db_session, email="ofc@example.test")
    other_browser = signed_in(officer)
    assert other_browser.get("/account").status_code == 200
    db_session.add(ApiToken(person_id=officer.id, token_hash="x" * 64, created_at=NOW,
                            expires_at=NOW + timedelta(hours=12)))
    db_session.flush()

    def page(login: str) -> str:  # the CSRF token carries the second it was made: not part of the answer
        text = client.post("/forgot-password", data={"login": login}).get_data(as_text=True)
        return re.sub(r'<meta name="csrf-token" content="[^"]*">', "", text)

    known, unknown = page("OFC@example.test "), page("nobody-here")
    assert "If an account matches" in known and known == unknown
    (message,) = deliver(app, smtp, clock)
    assert message["To"] == "ofc@example.test" and "Reset your password" in message["Subject"]

    path = link_in(message)
    assert client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    assert other_browser.get("/account").status_code == 302  # signed out by the reset
    assert db_session.scalar(select(ApiToken.revoked_at).where(ApiToken.person_id == officer.id)) is not None
    assert sign_in(client, officer.username, NEW_PASSWORD).status_code == 302


def test_reset_requests_are_throttled_per_account(app, db_session, smtp, clock, client):
    officer = make_person(db_session)
    for _ in range(5):
        client.post("/forgot-password", data={"login": officer.username})
    assert len(deliver(app, smtp, clock)) == 3  # resets_per_account within the hour
    requested = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "password_reset.requested")).all()
    assert len(requested) == 5 and sum(e.subject_id == officer.id for e in requested) == 3
    clock["now"] = NOW + timedelta(hours=1, minutes=1)
    client.post("/forgot-password", data={"login": officer.username})
    assert len(deliver(app, smtp, clock)) == 4
