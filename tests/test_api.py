"""JSON API v1 skeleton: tokens, /me, error shapes, the OpenAPI document."""

from datetime import timedelta

import pytest

from learning_portal.accounts import services
from learning_portal.accounts.models import Role
from tests.factories import NOW, PASSWORD, make_person


def get_token(client, username, password=PASSWORD):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password})


def test_token_then_me(client, db_session):
    person = make_person(db_session, role=Role.DISPATCHER, first_name="Dee")
    response = get_token(client, person.username)
    assert response.status_code == 201
    token = response.json["token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json["post_id"] == person.post_id and me.json["role"] == "dispatcher"
    assert me.json["agency"]["id"] == person.agency_id
    assert "password_hash" not in me.json and "login_nonce" not in me.json


def test_browser_session_also_works_for_reads(client, db_session, login_as):
    person = make_person(db_session)
    login_as(person)
    assert client.get("/api/v1/me").json["username"] == person.username


@pytest.mark.parametrize(("kwargs", "status", "code"), [
    ({"json": {"username": "x"}}, 422, "validation_failed"),
    ({"json": {"username": 5, "password": "x"}}, 422, "validation_failed"),
    ({"json": ["username", "password"]}, 400, "bad_request"),
    ({"data": "{not json", "content_type": "application/json"}, 400, "bad_request"),
    ({"data": "username=a&password=b", "content_type": "application/x-www-form-urlencoded"}, 415,
     "unsupported_media_type"),
    ({"json": {"username": "nobody", "password": "whatever"}}, 401, "invalid_credentials"),
])
def test_token_request_errors_are_json(client, db_session, kwargs, status, code):
    response = client.post("/api/v1/auth/token", **kwargs)
    assert response.status_code == status
    assert response.json["error"]["code"] == code and response.json["error"]["message"]


def test_missing_fields_are_named(client, db_session):
    response = client.post("/api/v1/auth/token", json={})
    assert set(response.json["error"]["details"]) == {"username", "password"}


def test_wrong_password_then_lockout_over_the_api(client, db_session, app):
    person = make_person(db_session)
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        assert get_token(client, person.username, "bad").status_code == 401
    locked = get_token(client, person.username, "bad")
    assert locked.status_code == 429 and locked.json["error"]["code"] == "account_locked"
    assert get_token(client, person.username).status_code == 429


def test_expired_forged_and_malformed_tokens_are_refused(client, db_session):
    person = make_person(db_session)
    raw, _ = services.issue_api_token(db_session, person=person, now=NOW - timedelta(days=2),
                                      ttl=timedelta(hours=1))
    expired = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert expired.status_code == 401 and expired.json["error"]["code"] == "token_expired"
    forged = client.get("/api/v1/me", headers={"Authorization": "Bearer lp_" + "A" * 43})
    assert forged.status_code == 401 and forged.json["error"]["code"] == "invalid_token"
    basic = client.get("/api/v1/me", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert basic.status_code == 401
    anonymous = client.get("/api/v1/me")
    assert anonymous.status_code == 401 and anonymous.json["error"]["code"] == "unauthorized"


def test_a_bad_token_is_not_rescued_by_a_browser_session(client, db_session, login_as):
    login_as(make_person(db_session))
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer lp_forged"}).status_code == 401


def test_unknown_api_paths_and_methods_answer_json(client, db_session):
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"
    wrong_method = client.delete("/api/v1/me")
    assert wrong_method.status_code == 405 and wrong_method.json["error"]["code"] == "method_not_allowed"


def test_openapi_documents_every_api_route(app, client):
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.")
    documented = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = rule.rule.removeprefix("/api/v1")
        for converter in ("<int:", "<"):
            path = path.replace(converter, "{")
        path = path.replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method) in documented, f"{method} {path} is not in the OpenAPI document"
    # Every $ref points at a schema that exists.
    import re

    refs = set(re.findall(r"#/components/schemas/(\w+)", str(doc)))
    assert refs and refs <= set(doc["components"]["schemas"]), refs - set(doc["components"]["schemas"])


def test_every_operation_is_described_for_integrators_and_rendered_on_the_reference_page(client):
    doc = client.get("/api/v1/openapi.json").json
    tags = {t["name"] for t in doc["tags"]}
    page = client.get("/api/reference")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            where = f"{method.upper()} {path}"
            assert op.get("summary") and op.get("tags", [None])[0] in tags, where
            answers = op["responses"]
            assert any(s.startswith("2") and ("content" in r or s == "204") for s, r in answers.items()), where
            if op.get("security") != []:
                assert "401" in answers, f"{where} does not document the 401"
            for scope in op.get("x-token-scopes", []):
                assert scope in doc["components"]["securitySchemes"]["bearer"]["description"], where
            assert f'<span class="badge">{method.upper()}</span> <span class="mono">{path}</span>' in html, where
    for name in doc["components"]["schemas"]:
        assert f'id="schema-{name}"' in html
