"""CSRF on forms and on cookie-authenticated API calls, headers, cookie flags."""

from io import BytesIO

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from learning_portal.accounts.models import Role
from tests.factories import PASSWORD, make_person


@pytest.fixture
def csrf_client(app_like):
    return app_like(WTF_CSRF_ENABLED=True).test_client()


def csrf_token_from(html: bytes) -> str:
    marker = b'name="csrf-token" content="'
    start = html.index(marker) + len(marker)
    return html[start:html.index(b'"', start)].decode()


def test_forms_without_a_csrf_token_are_refused(csrf_client, db_session):
    person = make_person(db_session)
    refused = csrf_client.post("/login", data={"username": person.username, "password": PASSWORD})
    assert refused.status_code == 400 and b"form expired" in refused.data
    token = csrf_token_from(csrf_client.get("/login").data)
    accepted = csrf_client.post("/login", data={"username": person.username, "password": PASSWORD,
                                                "csrf_token": token})
    assert accepted.status_code == 302


def test_api_with_a_session_cookie_needs_csrf_but_bearer_does_not(csrf_client, db_session):
    person = make_person(db_session)
    # Bearer clients (and anonymous token requests) need no CSRF token.
    token = csrf_client.post("/api/v1/auth/token", json={"username": person.username, "password": PASSWORD})
    assert token.status_code == 201
    bearer = {"Authorization": f"Bearer {token.json['token']}"}
    # Signed in through the browser, a state-changing API call without the token is refused.
    page_token = csrf_token_from(csrf_client.get("/login").data)
    csrf_client.post("/login", data={"username": person.username, "password": PASSWORD, "csrf_token": page_token})
    refused = csrf_client.post("/api/v1/auth/token", json={"username": person.username, "password": PASSWORD})
    assert refused.status_code == 400 and refused.json["error"]["code"] == "csrf_failed"
    # The same browser with a bearer token: the token, not the cookie, authenticates, so no CSRF check.
    assert csrf_client.post("/api/v1/courses/none/enrollment", headers=bearer).status_code == 404
    allowed = csrf_client.post("/api/v1/auth/token", json={"username": person.username, "password": PASSWORD},
                               headers={"X-CSRFToken": csrf_token_from(csrf_client.get("/").data)})
    assert allowed.status_code == 201


def test_security_headers_and_cookie_flags(app, app_like, db_session):
    client = app.test_client()
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    secure = app_like(COOKIE_SECURE=True)
    person = make_person(db_session)
    signed_in = secure.test_client().post("/login", base_url="https://portal.test",
                                          data={"username": person.username, "password": PASSWORD})
    cookie = signed_in.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Strict-Transport-Security" in signed_in.headers


def test_an_idle_browser_is_signed_out_but_an_active_one_is_not(app, db_session, monkeypatch):
    from datetime import UTC, datetime, timedelta

    from learning_portal.web import security

    clock = {"now": datetime(2026, 11, 2, 8, 0, tzinfo=UTC)}
    monkeypatch.setattr(security, "utcnow", lambda: clock["now"])
    person = make_person(db_session)
    client = app.test_client()
    assert client.post("/login", data={"username": person.username, "password": PASSWORD}).status_code == 302
    for step in (20, 25, 25):  # a request within every 30 minutes keeps the session alive
        clock["now"] += timedelta(minutes=step)
        assert client.get("/my/profile").status_code == 200, step
    clock["now"] += timedelta(minutes=31)
    ended = client.get("/my/profile")
    assert ended.status_code == 302 and "/login" in ended.headers["Location"]
    page = client.get(ended.headers["Location"]).get_data(as_text=True)
    assert "signed out after 30 minutes without activity" in page
    assert client.get("/api/v1/me").status_code == 401  # and stays signed out


def test_a_nul_character_in_any_input_is_refused_not_a_server_error(client, login_as, db_session):
    login_as(make_person(db_session))
    assert client.get("/courses?q=a%00b").status_code == 400
    assert client.post("/checkin", data={"code": "12\x0034"}).status_code == 400
    refused = client.post("/api/v1/checkins", json={"code": "\x00"})
    assert refused.status_code == 400 and "NUL" in refused.json["error"]["message"]


@pytest.mark.parametrize("path, field", [("/admin/media/", "video"), ("/admin/scorm/", "package"),
                                         ("/admin/courses/import", "package")])
def test_uploads_above_the_form_limit_reach_their_view_with_csrf_on(app_like, db_session, tmp_path, path, field):
    """CSRF reads the form before any view runs: an upload's own limit must already hold then."""
    uploads = app_like(WTF_CSRF_ENABLED=True, MEDIA_STORAGE=f"local:{tmp_path / 'media'}",
                       MEDIA_MAX_UPLOAD_BYTES=12 * 1024**2)
    admin = uploads.test_client()
    with admin.session_transaction() as sess:
        sess["_user_id"] = make_person(db_session, role=Role.ADMINISTRATOR).get_id()
    token = csrf_token_from(admin.get("/").data)
    nine_mb = b"not a video or a zip " * (9 * 1024**2 // 21)  # over the 8 MB every other form gets

    def send(body: bytes):
        boundary, encoded = encode_multipart({"csrf_token": token, field: FileStorage(BytesIO(body), "big.zip")})
        return admin.post(path, data=encoded, content_type=f"multipart/form-data; boundary={boundary}",
                          headers={"Accept": "application/json"})

    refused_by_view = send(nine_mb)
    assert refused_by_view.status_code == 422  # read and judged by the view, not cut off at 8 MB
    assert not (tmp_path / "media").exists()
    if path == "/admin/media/":
        assert send(b"x" * (14 * 1024**2)).status_code == 413  # the upload's own limit still holds
    assert admin.post("/login", data={"username": "x", "password": "y", "csrf_token": token,
                                      "pad": "x" * (9 * 1024**2)}).status_code == 413  # other forms: 8 MB
