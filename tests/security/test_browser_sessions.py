"""How a browser session is authenticated and ended: the Authorization header changes nothing outside the API,
sign-out ends every copy of the cookie, and a session ends 12 hours after sign-in however active it is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from learning_portal.accounts.models import Role
from tests.factories import PASSWORD, make_person

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch):
    state = {"now": T0}
    from learning_portal.accounts import views
    from learning_portal.web import security
    for module in (views, security):
        monkeypatch.setattr(module, "utcnow", lambda: state["now"])
    return state


def sign_in(client, person):
    assert client.post("/login", data={"username": person.username, "password": PASSWORD}).status_code == 302
    return client


@pytest.mark.parametrize("header", ["Basic Zm9vOmJhcg==", "Bearer lp_made-up", "anything"])
def test_an_authorization_header_does_not_skip_the_required_two_factor_set_up(app_like, db_session, clock, header):
    app = app_like(TWO_FACTOR_REQUIRED_ROLES=["administrator"])
    admin = make_person(db_session, role=Role.ADMINISTRATOR)
    browser = sign_in(app.test_client(), admin)
    for path in ("/admin/audit", "/admin/system-tokens"):
        gated = browser.get(path, headers={"Authorization": header})
        assert gated.status_code == 302 and gated.headers["Location"].endswith("/account/two-factor"), path


def test_an_authorization_header_does_not_skip_the_idle_timeout(app, db_session, clock):
    browser = sign_in(app.test_client(), make_person(db_session))
    clock["now"] += timedelta(minutes=31)
    ended = browser.get("/my/profile", headers={"Authorization": "Basic Zm9vOmJhcg=="})
    assert ended.status_code == 302 and "/login" in ended.headers["Location"]


def test_signing_out_ends_a_copy_of_the_cookie_taken_before(app, db_session, clock):
    person = make_person(db_session)
    browser = sign_in(app.test_client(), person)
    copied = browser.get_cookie("session").value
    assert browser.post("/logout").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/my/profile").status_code == 302
    assert thief.get("/api/v1/me").status_code == 401
    assert sign_in(app.test_client(), person).get("/my/profile").status_code == 200  # signing in again works


def test_a_session_ends_twelve_hours_after_sign_in_however_active(app, db_session, clock):
    browser = sign_in(app.test_client(), make_person(db_session))
    for _ in range(12 * 3):  # a request every 20 minutes keeps it open for 12 hours
        clock["now"] += timedelta(minutes=20)
        assert browser.get("/my/profile").status_code == 200
    clock["now"] += timedelta(minutes=1)
    ended = browser.get("/my/profile")
    assert ended.status_code == 302 and "/login" in ended.headers["Location"]
    assert "12 hours after signing in" in browser.get(ended.headers["Location"]).get_data(as_text=True)
    assert browser.get("/api/v1/me").status_code == 401
