"""POST /api/v1/records: signed, idempotent, and nothing written for a bad request."""

import json
import socket
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from learning_portal import migrate
from learning_portal.credits.gateways import ForwardError, HttpForwarder, sign
from learning_portal.db import make_engine, session_factory
from learning_portal.records.models import RecordSource, TrainingRecord
from tests.factories import load_content, make_person

KEY = "shared-secret-for-tests-0123456789"


@pytest.fixture
def receiver(app_like):
    return app_like(RECORDS_HMAC_KEY=KEY).test_client()


def payload(post_id, **overrides):
    body = {"post_id": post_id, "course_number": "9999-00101", "title": "Domestic Violence Response Update",
            "hours": "2.00", "categories": {"general": "2.00"}, "satisfies": ["CA-LM-DV-2Y", "CA-CPT-24"],
            "completed_on": "2026-03-02", "source": "online"}
    body.update(overrides)
    return json.dumps(body).encode()


def send(client, body, *, key="posting-key-0001", secret=KEY, timestamp=None, headers=None):
    timestamp = timestamp or str(int(time.time()))
    default = {"Content-Type": "application/json", "Idempotency-Key": key, "X-Portal-Timestamp": timestamp,
               "X-Portal-Signature": sign(secret, timestamp, key, body)}
    return client.post("/api/v1/records", data=body, headers=headers if headers is not None else default)


def count(session):
    return session.scalar(select(func.count(TrainingRecord.id)))


def test_a_signed_record_is_recorded_once_and_a_replay_gets_the_original_answer(receiver, db_session):
    person = make_person(db_session)
    first = send(receiver, payload(person.post_id))
    assert first.status_code == 201 and first.json["status"] == "recorded"
    record = db_session.get(TrainingRecord, first.json["record_id"])
    assert (record.person_id, record.source, record.inbound_key) == (person.id, RecordSource.FORWARDED,
                                                                     "posting-key-0001")
    replay = send(receiver, payload(person.post_id))  # re-signed later, same key and body
    assert replay.status_code == 200 and replay.json == first.json
    assert count(db_session) == 1


def test_the_same_key_for_other_content_is_a_conflict(receiver, db_session):
    person = make_person(db_session)
    send(receiver, payload(person.post_id))
    clash = send(receiver, payload(person.post_id, hours="4.00"))
    assert clash.status_code == 409 and count(db_session) == 1


@pytest.mark.parametrize("case", ["unsigned", "wrong_secret", "tampered", "stale", "no_key"])
def test_unauthenticated_requests_are_refused_and_write_nothing(receiver, db_session, case):
    person = make_person(db_session)
    body = payload(person.post_id)
    if case == "unsigned":
        response = send(receiver, body, headers={"Content-Type": "application/json", "Idempotency-Key": "k" * 10})
    elif case == "wrong_secret":
        response = send(receiver, body, secret="not-the-shared-secret")
    elif case == "tampered":
        timestamp = str(int(time.time()))
        response = send(receiver, payload(person.post_id, hours="40"), headers={
            "Content-Type": "application/json", "Idempotency-Key": "posting-key-0001",
            "X-Portal-Timestamp": timestamp, "X-Portal-Signature": sign(KEY, timestamp, "posting-key-0001", body)})
    elif case == "stale":
        response = send(receiver, body, timestamp=str(int(time.time()) - 3600))
    else:
        response = send(receiver, body, key="")
    assert response.status_code == 401
    if case == "stale":  # rightly signed by a clock an hour slow: told the receiver's time, to sign again by
        assert response.json["error"]["code"] == "stale_timestamp"
        assert abs(response.json["error"]["details"]["receiver_time"] - time.time()) < 60
    else:
        assert response.json["error"]["code"] == "invalid_signature"
    assert count(db_session) == 0


@pytest.mark.parametrize(("overrides", "field"), [
    ({"hours": "-1"}, "hours"), ({"course_number": "DV-101"}, "course_number"),
    ({"completed_on": "yesterday"}, "completed_on"), ({"categories": {"general": "9"}}, "categories"),
    ({"post_id": "NOBODY-HERE"}, "post_id"), ({"hours": "0.001"}, "hours"),
    ({"categories": {"general": "-1"}}, "categories"),
])
def test_malformed_records_get_422_and_nothing_is_written(receiver, db_session, overrides, field):
    person = make_person(db_session)
    response = send(receiver, payload(**{"post_id": person.post_id, **overrides}))
    assert response.status_code == 422 and field in response.json["error"]["details"]
    assert count(db_session) == 0


def test_not_json_is_422(receiver, db_session):
    assert send(receiver, b"{not json").status_code == 422


def test_a_portal_without_a_key_accepts_no_records(client, db_session):
    assert client.post("/api/v1/records", json={}).status_code == 404


@pytest.fixture
def token_sender(db_session):
    """A records:write system token of an agency, the other way records arrive."""
    from learning_portal.accounts.models import Role
    from learning_portal.accounts.services import issue_system_token
    from tests.factories import NOW, make_agency

    agency = make_agency(db_session)
    raw, _ = issue_system_token(db_session, issuer=make_person(db_session, role=Role.ADMINISTRATOR), name="RMS",
                                scopes=["records:write"], agency=agency, now=NOW, ttl=timedelta(days=3650))
    return raw, agency


@pytest.mark.parametrize("sender", ["signed", "token"])
@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"completed_on": "2099-01-01"}, "completed_on", "in the future"),
    ({"completed_on": "1901-05-01"}, "completed_on", "years ago"),
    ({"hours": "400", "categories": {}}, "hours", "More than 120 hours"),
    ({"hours": "1e30", "categories": {}}, "hours", "Hours above 0"),  # too long to be hundredths
    ({"hours": "Infinity", "categories": {}}, "hours", "Hours above 0"),
    ({"course_number": "9998-00001", "hours": "8", "categories": {}}, "hours", "certified for 1.50 hours"),
])
def test_impossible_records_are_refused_from_every_sender(receiver, db_session, token_sender, sender, overrides,
                                                          field, message):
    load_content(db_session, slugs=("basic-course",))
    raw, agency = token_sender
    person = make_person(db_session, agency=agency)
    body = payload(person.post_id, **overrides)
    if sender == "signed":
        response = send(receiver, body)
    else:
        response = receiver.post("/api/v1/records", data=body, headers={
            "Content-Type": "application/json", "Idempotency-Key": "rms-00000001", "Authorization": f"Bearer {raw}"})
    assert response.status_code == 422
    assert message in response.json["error"]["details"][field]
    assert count(db_session) == 0


def test_plausible_records_at_the_edges_are_recorded(receiver, db_session):
    load_content(db_session, slugs=("basic-course",))
    person = make_person(db_session)
    tomorrow = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()  # already today east of UTC
    for n, overrides in enumerate([{"completed_on": tomorrow}, {"hours": "120", "categories": {}},
                                   {"course_number": "9998-00001", "hours": "1.50", "categories": {}}]):
        response = send(receiver, payload(person.post_id, **overrides), key=f"posting-key-edge{n}")
        assert response.status_code == 201, (overrides, response.json)
    assert count(db_session) == 3


def test_a_sender_whose_clock_is_an_hour_slow_still_delivers_over_http(app_on, tmp_path):
    url = f"sqlite:///{tmp_path / 'receiver.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    receiver = app_on(url, RECORDS_HMAC_KEY=KEY)
    with receiver.app_context(), session_factory()() as db:
        post_id = make_person(db).post_id
        db.commit()
    requests = []
    inner = receiver.wsgi_app
    receiver.wsgi_app = lambda environ, start: requests.append(environ["PATH_INFO"]) or inner(environ, start)
    server = make_server("127.0.0.1", 0, receiver, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        slow = HttpForwarder(f"http://127.0.0.1:{server.server_port}/api/v1/records", KEY, timeout=5,
                             clock=lambda: time.time() - 3600)
        first = slow.forward(idempotency_key="posting-key-skew-1", payload=json.loads(payload(post_id)))
        assert len(requests) == 2 and abs(slow.offset - 3600) < 60  # refused as stale, then signed again
        second = slow.forward(idempotency_key="posting-key-skew-2", payload=json.loads(payload(post_id)))
        assert len(requests) == 3  # signed by the receiver's clock from the start
    finally:
        server.shutdown()
        thread.join(timeout=10)
    with receiver.app_context(), session_factory()() as db:
        assert sorted(str(i) for i in db.scalars(select(TrainingRecord.id))) == sorted([first, second])


def test_an_unreachable_receiver_is_a_transient_failure():
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ForwardError) as failure:
        HttpForwarder(f"http://127.0.0.1:{port}/api/v1/records", KEY, timeout=2).forward(
            idempotency_key="posting-key-0001", payload={})
    assert failure.value.transient and failure.value.retryable


def withdrawal(record_key, reason="Dispute accepted: not present"):
    return json.dumps({"operation": "withdraw", "record_key": record_key, "reason": reason}).encode()


def test_a_withdrawal_withdraws_the_record_it_names_once(receiver, db_session):
    person = make_person(db_session)
    record_id = send(receiver, payload(person.post_id), key="posting-key-0001").json["record_id"]
    db_session.refresh(person)
    revision = person.revision
    first = send(receiver, withdrawal("posting-key-0001"), key="change-key-0001")
    assert first.status_code == 200 and first.json == {"record_id": record_id, "status": "withdrawn"}
    record = db_session.get(TrainingRecord, record_id)
    db_session.refresh(record)
    db_session.refresh(person)
    assert record.withdrawn_at is not None and "not present" in record.withdrawn_reason
    assert person.revision == revision + 1  # compliance evaluates them again
    withdrawn_at = record.withdrawn_at
    again = send(receiver, withdrawal("posting-key-0001"), key="change-key-0001")  # a resend: the same answer
    assert again.status_code == 200 and again.json == first.json
    other_key = send(receiver, withdrawal("posting-key-0001"), key="change-key-0002")  # already withdrawn: no change
    assert other_key.status_code == 200
    db_session.refresh(record)
    assert record.withdrawn_at == withdrawn_at and count(db_session) == 1


def test_a_withdrawal_of_a_record_never_received_is_refused_and_changes_nothing(receiver, db_session):
    person = make_person(db_session)
    send(receiver, payload(person.post_id), key="posting-key-0001")
    unknown = send(receiver, withdrawal("posting-key-9999"), key="change-key-0001")
    assert unknown.status_code == 404 and "record_key" in unknown.json["error"]["details"]
    assert send(receiver, withdrawal("bad key!"), key="change-key-0002").status_code == 422
    odd = send(receiver, json.dumps({"operation": "rename"}).encode(), key="change-key-0003")
    assert odd.status_code == 422
    assert db_session.scalar(select(func.count()).where(TrainingRecord.withdrawn_at.is_not(None))) == 0


def test_a_token_sender_withdraws_only_its_own_records(receiver, db_session, token_sender):
    raw, agency = token_sender
    person = make_person(db_session, agency=agency)
    signed = send(receiver, payload(person.post_id), key="posting-key-0001").json["record_id"]
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {raw}"}
    mine = receiver.post("/api/v1/records", data=payload(person.post_id, completed_on="2026-02-01"),
                         headers={**headers, "Idempotency-Key": "rms-00000001"}).json["record_id"]
    theirs = receiver.post("/api/v1/records", data=withdrawal("posting-key-0001"),
                           headers={**headers, "Idempotency-Key": "rms-00000002"})
    assert theirs.status_code == 404  # the signed portal's record is not the token's to withdraw
    ok = receiver.post("/api/v1/records", data=withdrawal("rms-00000001"),
                       headers={**headers, "Idempotency-Key": "rms-00000003"})
    assert ok.status_code == 200 and ok.json["record_id"] == mine
    assert db_session.get(TrainingRecord, signed).withdrawn_at is None


def test_an_uncertified_course_taken_elsewhere_is_received_without_a_course_number(receiver, db_session):
    person = make_person(db_session)
    body = payload(person.post_id, course_number="", source="external", title="Academy course", categories={})
    assert send(receiver, body).status_code == 201
    assert send(receiver, payload(person.post_id, course_number=""), key="posting-key-0002").status_code == 422


def signed_read(client, query, *, secret=KEY, timestamp=None):
    from learning_portal.credits.gateways import read_target

    timestamp = timestamp or str(int(time.time()))
    return client.get(f"/api/v1/records/received?{query}", headers={
        "X-Portal-Timestamp": timestamp,
        "X-Portal-Signature": sign(secret, timestamp, read_target("/api/v1/records/received", query), b"")})


def test_the_sender_reads_what_is_held_for_an_agency_signed_and_every_page(receiver, db_session):
    from tests.factories import make_agency

    agency, elsewhere = make_agency(db_session, number="4711"), make_agency(db_session)
    people = [make_person(db_session, agency=agency) for _ in range(3)]
    for n, person in enumerate(people):
        send(receiver, payload(person.post_id), key=f"posting-key-{n:04d}")
    send(receiver, payload(make_person(db_session, agency=elsewhere).post_id), key="posting-key-other")
    send(receiver, withdrawal("posting-key-0001"), key="change-key-0001")
    code = f"{agency.jurisdiction}:4711"
    held, after = [], 0
    while after is not None:
        page = signed_read(receiver, f"agency={code}&after={after}&limit=2")
        assert page.status_code == 200 and len(page.json["records"]) <= 2
        held += page.json["records"]
        after = page.json["next_after"]
    assert [(h["key"], h["withdrawn"]) for h in held] == [("posting-key-0000", False), ("posting-key-0001", True),
                                                          ("posting-key-0002", False)]
    assert signed_read(receiver, f"agency={code}", secret="not-the-key-0123456789").status_code == 401
    assert signed_read(receiver, f"agency={code}", timestamp=str(int(time.time()) - 3600)).status_code == 401
    assert receiver.get(f"/api/v1/records/received?agency={code}").status_code == 401
    assert signed_read(receiver, "agency=ZZ:none").status_code == 404


def test_a_sender_cannot_withdraw_a_record_this_portal_made_itself(receiver, db_session):
    from decimal import Decimal

    from learning_portal.records.services import RecordInput, write_record

    person = make_person(db_session)
    own, _ = write_record(db_session, now=datetime.now(UTC), inbound_key="external-12", data=RecordInput(
        person_id=person.id, course_number="", title="Academy course", hours=Decimal(8), categories={},
        satisfies=[], completed_on=datetime.now(UTC).date(), source=RecordSource.EXTERNAL))
    assert send(receiver, withdrawal("external-12"), key="change-key-0001").status_code == 404
    db_session.refresh(own)
    assert own.withdrawn_at is None
