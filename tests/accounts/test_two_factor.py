"""Two-factor sign-in: setting it up, signing in with the app or a recovery code, codes that work once,
guessing that locks the account, and roles that must use it (browser and API)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import select

from learning_portal.accounts import two_factor
from learning_portal.accounts.models import Role
from learning_portal.audit.models import AuditEntry
from tests.factories import PASSWORD, make_person

T0 = datetime(2026, 11, 2, 9, 0, 0, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch):
    """The views' clock, moved by the tests."""
    state = {"now": T0}
    from learning_portal.accounts import api, views
    from learning_portal.web import security
    for module in (views, api, security):
        monkeypatch.setattr(module, "utcnow", lambda: state["now"])
    return state


def turn_on(db, person, now=T0) -> tuple[str, list[str]]:
    secret = two_factor.begin_setup(db, person=person, now=now)
    codes = two_factor.confirm_setup(db, person=person, code=pyotp.TOTP(secret).at(now), now=now)
    db.flush()
    return secret, codes


def sign_in(client, person):
    return client.post("/login", data={"username": person.username, "password": PASSWORD})


def test_setting_it_up_from_the_account_page(client, login_as, db_session, clock):
    person = make_person(db_session)
    login_as(person)
    assert b"Set up two-factor sign-in" in client.get("/account/two-factor").data
    client.post("/account/two-factor/start")
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'<code class="mono" id="key">([A-Z2-7]+)</code>', page).group(1)
    assert 'src="data:image/svg+xml' in page  # the QR code, inline (the CSP allows data: images)
    wrong = client.post("/account/two-factor/confirm", data={"code": "000000"}, follow_redirects=True)
    assert b"That code is not right" in wrong.data and not two_factor.enabled(db_session, person)
    done = client.post("/account/two-factor/confirm", data={"code": pyotp.TOTP(secret).at(T0)})
    codes = re.findall(r"<li>([0-9a-f]{6}-[0-9a-f]{6})</li>", done.get_data(as_text=True))
    assert len(codes) == 10 and two_factor.enabled(db_session, person)
    actions = db_session.scalars(select(AuditEntry.action).where(AuditEntry.subject_id == person.id)).all()
    assert "two_factor.enabled" in actions


def test_signing_in_asks_for_a_code_that_works_once(app, db_session, clock):
    person = make_person(db_session)
    secret, _ = turn_on(db_session, person)
    clock["now"] = T0 + timedelta(minutes=2)
    code = pyotp.TOTP(secret).at(clock["now"])
    first = app.test_client()
    step_one = sign_in(first, person)
    assert step_one.status_code == 302 and step_one.headers["Location"].endswith("/login/code")
    assert first.get("/my/profile").status_code == 302  # not signed in yet
    assert first.post("/login/code", data={"code": code}).status_code == 302
    assert first.get("/my/profile").status_code == 200
    replay = app.test_client()
    sign_in(replay, person)
    refused = replay.post("/login/code", data={"code": code})
    assert refused.status_code == 401 and b"That code is not right" in refused.data


def test_a_recovery_code_works_once_and_guessing_locks_the_account(app, db_session, clock):
    person = make_person(db_session)
    _, codes = turn_on(db_session, person)
    client = app.test_client()
    sign_in(client, person)
    used = client.post("/login/code", data={"code": codes[0].upper()}, follow_redirects=True)
    assert b"recovery code; 9 left" in used.data
    again = app.test_client()
    sign_in(again, person)
    assert again.post("/login/code", data={"code": codes[0]}).status_code == 401
    for _ in range(4):  # with the recovery code tried again, the fifth failure (the default policy)
        answer = again.post("/login/code", data={"code": "123456"})
    assert answer.status_code == 429 and b"locked" in answer.data
    assert sign_in(app.test_client(), person).status_code == 429


def test_the_code_must_follow_the_password_within_five_minutes(app, db_session, clock):
    person = make_person(db_session)
    secret, _ = turn_on(db_session, person)
    client = app.test_client()
    sign_in(client, person)
    clock["now"] = T0 + timedelta(minutes=6)
    late = client.post("/login/code", data={"code": pyotp.TOTP(secret).at(clock["now"])})
    assert late.status_code == 302 and late.headers["Location"].endswith("/login")


def test_roles_that_require_it_set_it_up_before_anything_else(app_like, db_session, clock):
    app = app_like(TWO_FACTOR_REQUIRED_ROLES=["administrator", "training_manager"])
    manager = make_person(db_session, role=Role.TRAINING_MANAGER)
    officer = make_person(db_session, agency=manager.agency)
    browser = app.test_client()
    sign_in(browser, manager)
    gated = browser.get("/compliance/agency")
    assert gated.status_code == 302 and gated.headers["Location"].endswith("/account/two-factor")
    assert browser.get("/api/v1/me").status_code == 403
    token = app.test_client().post("/api/v1/auth/token", json={"username": manager.username, "password": PASSWORD})
    assert token.status_code == 403 and "two-factor" in token.json["error"]["message"]
    officer_token = app.test_client().post("/api/v1/auth/token",
                                           json={"username": officer.username, "password": PASSWORD})
    assert officer_token.status_code == 201  # optional for officers

    secret, _ = turn_on(db_session, manager)
    opened = browser.get("/compliance/agency")  # on now: through to the agency's dashboard
    assert opened.status_code == 302 and "/compliance/agencies/" in opened.headers["Location"]
    api = app.test_client()
    missing = api.post("/api/v1/auth/token", json={"username": manager.username, "password": PASSWORD})
    assert missing.status_code == 401 and missing.json["error"]["code"] == "otp_required"
    clock["now"] = T0 + timedelta(seconds=60)
    ok = api.post("/api/v1/auth/token", json={"username": manager.username, "password": PASSWORD,
                                              "otp": pyotp.TOTP(secret).at(clock["now"])})
    assert ok.status_code == 201
    off = browser.post("/account/two-factor/off", data={"password": PASSWORD})
    assert off.status_code == 403 and two_factor.enabled(db_session, manager)  # the role requires it


def test_an_administrator_resets_it_for_a_lost_phone(signed_in, db_session, clock):
    admin = make_person(db_session, role=Role.ADMINISTRATOR)
    person = make_person(db_session)
    turn_on(db_session, person)
    assert signed_in(admin).post(f"/admin/people/{person.id}/two-factor/reset").status_code == 302
    assert not two_factor.enabled(db_session, person)
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "two_factor.disabled"))
    assert (entry.actor_id, entry.subject_id) == (admin.id, person.id)
