"""System tokens: issued by administrators for an agency's systems, limited to their scopes and their agency."""

import json
import re

import pytest
from sqlalchemy import select, update

from learning_portal.accounts.models import ApiToken, Role
from learning_portal.audit.models import AuditEntry
from learning_portal.records.models import RecordSource, TrainingRecord
from tests.factories import PASSWORD, make_agency, make_person


def record(post_id, course="00101", **overrides):
    return {"post_id": post_id, "course_number": f"9999-{course}", "title": "Domestic Violence Response Update",
            "hours": "2.00", "categories": {"general": "2.00"}, "satisfies": ["CA-CPT-24"],
            "completed_on": "2026-03-02", **overrides}


@pytest.fixture
def world(db_session):
    agency, other = make_agency(db_session), make_agency(db_session)
    return {"agency": agency, "other": other, "admin": make_person(db_session, role=Role.ADMINISTRATOR),
            "officers": [make_person(db_session, agency=agency) for _ in range(3)],
            "stranger": make_person(db_session, agency=other)}


@pytest.fixture
def issue(world, login_as):
    """Issue a token through the administrators' page, as an administrator would; returns the raw token."""
    admin = login_as(world["admin"])

    def _issue(*scopes, agency=None, name="Sheriff RMS"):
        form = {"name": name, "agency": str((agency or world["agency"]).id), "days": "365"}
        form.update({{"records:read": "read_records", "records:write": "write_records"}[s]: "y" for s in scopes})
        page = admin.post("/admin/api-tokens", data=form)
        assert page.status_code == 200, page.data
        return re.search(r'id="issued-token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)

    _issue.admin = admin
    return _issue


def call(client, method, path, token, body=None, key=None):
    headers = {"Authorization": f"Bearer {token}"}
    if key:
        headers["Idempotency-Key"] = key
    return client.open(f"/api/v1{path}", method=method, headers=headers,
                       data=json.dumps(body) if body is not None else None,
                       content_type="application/json" if body is not None else None)


def test_a_writing_system_posts_records_for_its_agency_only_and_once(app, client, db_session, world, issue):
    token = issue("records:write")
    officer = world["officers"][0]
    first = call(client, "POST", "/records", token, record(officer.post_id), key="rms-0001")
    assert first.status_code == 201 and first.json["status"] == "recorded"
    again = call(client, "POST", "/records", token, record(officer.post_id), key="rms-0001")
    assert again.status_code == 200 and again.json == first.json
    (saved,) = db_session.scalars(select(TrainingRecord).where(TrainingRecord.person_id == officer.id))
    assert saved.source is RecordSource.FORWARDED and saved.course_number == "9999-00101"

    stranger = call(client, "POST", "/records", token, record(world["stranger"].post_id), key="rms-0002")
    assert stranger.status_code == 422 and "in this agency" in stranger.json["error"]["message"]
    unkeyed = call(client, "POST", "/records", token, record(officer.post_id))
    assert unkeyed.status_code == 422 and "Idempotency-Key" in unkeyed.json["error"]["message"]


def test_two_agencies_may_use_the_same_key_without_meeting(app, client, db_session, world, issue):
    mine, theirs = issue("records:write"), issue("records:write", agency=world["other"], name="Other RMS")
    assert call(client, "POST", "/records", mine, record(world["officers"][0].post_id), key="key-00001").status_code \
        == 201
    answer = call(client, "POST", "/records", theirs, record(world["stranger"].post_id), key="key-00001")
    assert answer.status_code == 201 and answer.json["post_id"] == world["stranger"].post_id


def test_a_reading_system_pages_through_its_agencys_records_and_is_audited(app, client, db_session, world, issue):
    writer, reader = issue("records:write"), issue("records:read", name="Agency dashboard")
    for n, officer in enumerate(world["officers"]):
        call(client, "POST", "/records", writer, record(officer.post_id, course=f"0010{n}"), key=f"rms-000{n}")
    first = call(client, "GET", "/agencies/{}/records?limit=2".format(world["agency"].id), reader)
    assert first.status_code == 200
    assert [r["post_id"] for r in first.json["records"]] == [o.post_id for o in world["officers"][:2]]
    assert first.json["next_after"] == first.json["records"][-1]["id"]
    rest = call(client, "GET", "/agencies/{}/records?limit=2&after={}".format(
        world["agency"].id, first.json["next_after"]), reader)
    assert [r["course_number"] for r in rest.json["records"]] == ["9999-00102"] and rest.json["next_after"] is None
    assert rest.json["records"][0]["withdrawn"] is False
    beyond = call(client, "GET", "/agencies/{}/records?after=99999999999".format(world["agency"].id), reader)
    assert beyond.status_code == 200 and beyond.json == {"records": [], "next_after": None}

    tokens = dict(db_session.execute(select(ApiToken.name, ApiToken.id)).all())
    audit = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "records.exported")).all()
    assert len(audit) == 3 and audit[0].target == f"agency:{world['agency'].id}"
    assert audit[0].details == {"after": 0, "count": 2, "token_id": tokens["Agency dashboard"],
                                "scopes": ["records:read"]}
    written = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "records.received")).all()
    assert [(e.subject_id, e.details["token_id"]) for e in written] == [(o.id, tokens["Sheriff RMS"])
                                                                       for o in world["officers"]]


@pytest.mark.parametrize(("method", "path"), [("GET", "/me/profile"), ("GET", "/courses"), ("GET", "/me"),
                                              ("GET", "/credits/postings")])
def test_a_system_token_reaches_nothing_beyond_its_scopes(client, world, issue, method, path):
    token = issue("records:read", "records:write")
    answer = call(client, method, path, token)
    assert answer.status_code == 403 and answer.json["error"]["code"] == "scope_not_granted"


def test_scopes_and_agencies_do_not_stretch(client, world, issue):
    reader, writer = issue("records:read"), issue("records:write")
    other = world["other"].id
    assert call(client, "GET", f"/agencies/{other}/records", reader).status_code == 403
    assert call(client, "GET", f"/agencies/{world['agency'].id}/records", writer).json["error"]["code"] \
        == "scope_not_granted"
    assert call(client, "POST", "/records", reader, record(world["officers"][0].post_id), key="k-000001") \
        .json["error"]["code"] == "scope_not_granted"


def test_a_system_token_without_scopes_reaches_nothing(client, db_session, world, issue):
    token = issue("records:read")
    db_session.execute(update(ApiToken).where(ApiToken.agency_id.is_not(None)).values(scopes=[]))
    db_session.flush()
    for method, path in (("GET", "/me"), ("GET", f"/agencies/{world['agency'].id}/records")):
        assert call(client, method, path, token).json["error"]["code"] == "scope_not_granted"


def test_a_personal_token_cannot_post_records(client, world):
    login = client.post("/api/v1/auth/token", json={"username": world["admin"].username, "password": PASSWORD})
    token = login.json["token"]
    answer = call(client, "POST", "/records", token, record(world["officers"][0].post_id), key="k-000001")
    assert answer.status_code == 403


def test_a_revoked_token_stops_at_once_and_the_page_says_so(client, db_session, world, issue):
    token = issue("records:read")
    path = f"/agencies/{world['agency'].id}/records"
    assert call(client, "GET", path, token).status_code == 200
    page = issue.admin.get("/admin/api-tokens")
    token_id = re.search(r"/admin/api-tokens/(\d+)/revoke", page.get_data(as_text=True)).group(1)
    revoked = issue.admin.post(f"/admin/api-tokens/{token_id}/revoke", follow_redirects=True)
    assert "The token for Sheriff RMS no longer works." in revoked.get_data(as_text=True)
    assert "Revoked" in revoked.get_data(as_text=True)
    assert call(client, "GET", path, token).status_code == 401
    actions = set(db_session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("api_token.%"))))
    assert actions == {"api_token.issued", "api_token.revoked"}


def test_a_token_without_a_scope_is_not_issued(world, login_as):
    admin = login_as(world["admin"])
    page = admin.post("/admin/api-tokens", data={"name": "RMS", "agency": str(world["agency"].id), "days": "30"})
    assert page.status_code == 422 and "Choose at least one scope." in page.get_data(as_text=True)
    assert 'id="issued-token"' not in page.get_data(as_text=True)
