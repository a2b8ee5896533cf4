"""POST /api/v1/records: signed, idempotent, and nothing written for a bad request."""

import json
import time

import pytest
from sqlalchemy import func, select

from learning_portal.credits.gateways import sign
from learning_portal.records.models import RecordSource, TrainingRecord
from tests.factories import make_person

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
    assert response.status_code == 401 and response.json["error"]["code"] == "invalid_signature"
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
