"""What the audit log records about sign-ins, and the per-address sign-in throttle built on it."""

from __future__ import annotations

from sqlalchemy import select

from learning_portal.audit.models import AuditEntry
from tests.factories import PASSWORD, make_person


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
