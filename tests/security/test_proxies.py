"""Behind PORTAL_PROXY_HOPS proxies the client's address and scheme come from X-Forwarded-*; without it the
headers are anyone's to forge and are ignored."""

import pytest
from sqlalchemy import select

from learning_portal.audit.models import AuditEntry
from learning_portal.config import ConfigError
from tests.factories import make_person

PROXY = {"REMOTE_ADDR": "10.0.0.2"}


def sign_in_fails(client, username: str, client_address: str, proto: str = "https"):
    return client.post("/login", data={"username": username, "password": "wrong-password"}, environ_base=PROXY,
                       headers={"X-Forwarded-For": f"198.51.100.66, {client_address}",
                                "X-Forwarded-Proto": proto})


def failed_sign_in_addresses(db_session) -> list[str | None]:
    return list(db_session.scalars(select(AuditEntry.address).where(AuditEntry.action == "sign_in.failed")
                                   .order_by(AuditEntry.seq)))


@pytest.mark.parametrize("hops", [0, 1])
def test_client_address_and_scheme_follow_the_proxy_setting(app_like, db_session, hops):
    client = app_like(PROXY_HOPS=hops, LOGIN_ADDRESS_MAX_FAILURES=3).test_client()
    person = make_person(db_session)
    for _ in range(3):
        assert sign_in_fails(client, person.username, "203.0.113.7").status_code == 401
    # Only the address the trusted proxy saw counts: the client's own leftmost entry is never believed.
    assert failed_sign_in_addresses(db_session) == ["203.0.113.7" if hops else "10.0.0.2"] * 3
    # Another officer behind the same proxy is only throttled when the proxy's address stands for everyone.
    other = sign_in_fails(client, "someone-else", "203.0.113.8")
    assert other.status_code == (401 if hops else 429)
    page = client.get("/login", environ_base=PROXY, headers={"X-Forwarded-Proto": "https"})
    assert ("Strict-Transport-Security" in page.headers) is bool(hops)
    plain = client.get("/login", environ_base=PROXY, headers={"X-Forwarded-Proto": "http"})
    assert "Strict-Transport-Security" not in plain.headers


def test_a_proxy_count_that_is_not_a_number_is_refused_at_start(app_like):
    with pytest.raises(ConfigError, match="PORTAL_PROXY_HOPS"):
        app_like(PROXY_HOPS="one")
