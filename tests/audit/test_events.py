"""What the audit log records about sign-ins, and the per-address sign-in throttle built on it."""

from __future__ import annotations

from sqlalchemy import select

from learning_portal.accounts.models import Role
from learning_portal.audit.models import AuditEntry
from tests.factories import PASSWORD, REAL_CONTENT, load_content, make_person


def entries_since(db, seq: int) -> list[AuditEntry]:
    return list(db.scalars(select(AuditEntry).where(AuditEntry.seq > seq).order_by(AuditEntry.seq)))


def last_seq(db) -> int:
    return db.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1)) or 0


def sign_in(client, username: str, password: str, address: str):
    return client.post("/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_sign_ins_and_failures_are_recorded_with_the_address(client, db_session):
    person = make_person(db_session)
    start = last_seq(db_session)
    assert sign_in(client, "nobody", "x" * 12, "198.51.100.7").status_code == 401
    assert sign_in(client, person.username, "wrong-password", "198.51.100.7").status_code == 401
    assert sign_in(client, person.username, PASSWORD, "198.51.100.7").status_code == 302
    got = [(e.action, e.actor_id, e.subject_id, e.address, e.details.get("reason"))
           for e in entries_since(db_session, start)]
    assert got == [("sign_in.failed", None, None, "198.51.100.7", "unknown username"),
                   ("sign_in.failed", None, person.id, "198.51.100.7", "wrong password"),
                   ("sign_in", person.id, person.id, "198.51.100.7", None)]


def test_one_address_guessing_across_accounts_is_throttled(app_like, db_session):
    client = app_like(LOGIN_ADDRESS_MAX_FAILURES=3).test_client()
    people = [make_person(db_session) for _ in range(4)]
    for p in people[:3]:  # one failure per account: no account reaches its own lock-out
        assert sign_in(client, p.username, "wrong-password", "203.0.113.9").status_code == 401
    refused = sign_in(client, people[3].username, PASSWORD, "203.0.113.9")
    assert refused.status_code == 429 and b"network address" in refused.data
    assert sign_in(client, people[3].username, PASSWORD, "203.0.113.10").status_code == 302  # another address


def test_opening_another_persons_record_is_recorded_but_not_ones_own(signed_in, db_session):
    load_content(db_session, REAL_CONTENT, slugs=())  # the requirements, for the compliance page
    officer = make_person(db_session)
    manager = make_person(db_session, role=Role.TRAINING_MANAGER, agency=officer.agency)
    start = last_seq(db_session)
    assert signed_in(officer).get(f"/people/{officer.id}/profile").status_code == 200
    assert entries_since(db_session, start) == []
    as_manager = signed_in(manager)
    for url in (f"/people/{officer.id}/profile", f"/people/{officer.id}", f"/compliance/people/{officer.id}"):
        assert as_manager.get(url).status_code == 200, url
    got = [(e.action, e.actor_id, e.subject_id, e.target) for e in entries_since(db_session, start)]
    assert got == [("personal_data.viewed", manager.id, officer.id, "training profile"),
                   ("personal_data.viewed", manager.id, officer.id, "account"),
                   ("personal_data.viewed", manager.id, officer.id, "compliance")]
    other = make_person(db_session, role=Role.TRAINING_MANAGER)  # another agency: refused, and nothing seen
    before = last_seq(db_session)
    assert signed_in(other).get(f"/people/{officer.id}/profile").status_code == 404
    assert entries_since(db_session, before) == []


def test_exports_and_exemptions_are_recorded(signed_in, db_session):
    load_content(db_session, REAL_CONTENT, slugs=())
    manager = make_person(db_session, role=Role.TRAINING_MANAGER)
    officer = make_person(db_session, agency=manager.agency)
    client, start = signed_in(manager), last_seq(db_session)
    assert client.get(f"/compliance/agencies/{manager.agency_id}/export.csv?status=overdue").status_code == 200
    granted = client.post(f"/compliance/people/{officer.id}/exemptions",
                          data={"requirement_ids": "CA-PSP-AC", "kind": "leave", "reason": "Medical leave",
                                "starts_on": "2026-01-01"})
    assert granted.status_code == 302
    got = [(e.action, e.actor_id, e.subject_id, e.details) for e in entries_since(db_session, start)]
    assert got[0] == ("compliance.exported", manager.id, None, {"filters": {"status": "overdue"}})
    assert got[1][:3] == ("exemption.granted", manager.id, officer.id)
    assert got[1][3]["requirement"] == "CA-PSP-AC"


def test_administrators_search_the_log_and_others_cannot(signed_in, db_session):
    admin = make_person(db_session, role=Role.ADMINISTRATOR)
    manager = make_person(db_session, role=Role.TRAINING_MANAGER)
    officer = make_person(db_session, agency=manager.agency, post_id="AUD-1234")
    assert signed_in(manager).get(f"/people/{officer.id}/profile").status_code == 200
    as_admin = signed_in(admin)
    page = as_admin.get("/admin/audit?action=personal_data.viewed&subject=aud-1234").get_data(as_text=True)
    assert "personal_data.viewed" in page and manager.sort_name in page and "training profile" in page
    none = as_admin.get("/admin/audit?actor=" + officer.username).get_data(as_text=True)
    assert "No entries match" in none
    unknown = as_admin.get("/admin/audit?subject=NOBODY-99")
    assert unknown.status_code == 422 and b"No one has the POST ID or username NOBODY-99" in unknown.data
    assert signed_in(manager).get("/admin/audit").status_code == 403
