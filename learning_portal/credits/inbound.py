"""Receiving records from another portal: authenticate, check, record once per Idempotency-Key."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from learning_portal import jsoninput
from learning_portal.accounts.models import Agency, Person
from learning_portal.catalog.models import Course, CourseVersion
from learning_portal.credits.gateways import sign
from learning_portal.credits.models import InboundReceipt
from learning_portal.errors import AuthenticationError, ConflictError, NotFoundError, ValidationError
from learning_portal.records.models import RecordSource, TrainingRecord
from learning_portal.records.services import RecordInput, write_record

MAX_SKEW_SECONDS = 300
KEY_RE = re.compile(r"^[A-Za-z0-9._:-]{8,120}$")
COURSE_NUMBER_RE = re.compile(r"^\d{4}-\d{5}$")
DEFAULT_MAX_HOURS = Decimal(120)  # PORTAL_RECORDS_MAX_HOURS: longer than any course certified for CPT
OLDEST_RECORD_YEARS = 60


class SignatureError(AuthenticationError):
    code = "invalid_signature"


class StaleTimestampError(SignatureError):
    """Rightly signed, but by a clock too far from ours: the answer carries our time, to sign again by."""

    code = "stale_timestamp"


@dataclass(frozen=True)
class InboundAnswer:
    status: int
    body: dict[str, Any]
    replay: bool


def check_key(idempotency_key: str | None) -> str:
    """A token sender's key (up to 100 characters: the receiver prefixes it with the sender's agency)."""
    if not idempotency_key or not KEY_RE.match(idempotency_key) or len(idempotency_key) > 100:
        raise ValidationError("Send an Idempotency-Key header (8-100 letters, digits, . _ : -).")
    return idempotency_key


def verify_signature(*, hmac_key: str, idempotency_key: str | None, timestamp: str | None, signature: str | None,
                     body: bytes) -> str:
    """The validated idempotency key, or 401: unsigned or wrongly signed requests are refused."""
    if not idempotency_key or not KEY_RE.match(idempotency_key):
        raise SignatureError("Send an Idempotency-Key header (8-120 letters, digits, . _ : -).")
    if not timestamp or not signature:
        raise SignatureError("The request is not signed (X-Portal-Timestamp and X-Portal-Signature).")
    expected = sign(hmac_key, timestamp, idempotency_key, body)
    if not hmac.compare_digest(expected, signature):
        raise SignatureError("The request signature does not match.")
    return idempotency_key


def receive(session: Session, *, idempotency_key: str, timestamp: str | None, body: bytes, now: datetime,
            agency_id: int | None = None, max_hours: Decimal = DEFAULT_MAX_HOURS) -> InboundAnswer:
    """Record ``body`` once. A replay of a key gets the original answer and writes nothing.

    ``timestamp`` is the signed time of an HMAC request (None for a token); ``agency_id`` limits a system
    token to the people of its agency; ``max_hours`` caps a record of a course this catalogue does not have.
    """
    digest = hashlib.sha256(body).hexdigest()
    receipt = session.get(InboundReceipt, idempotency_key)
    if receipt is not None:
        return _replay(receipt, digest)
    if timestamp is not None and (not timestamp.isdigit() or abs(now.timestamp() - int(timestamp)) > MAX_SKEW_SECONDS):
        raise StaleTimestampError("The request timestamp is stale or in the future; sign it again.",
                                  details={"receiver_time": int(now.timestamp())})
    raw = _json_object(body)
    if raw.get("operation", "create") == "withdraw":
        answer = _withdraw(session, raw, idempotency_key=idempotency_key, now=now, agency_id=agency_id)
        return _keep(session, idempotency_key, digest, 200, answer, now)
    data = _parse(raw)
    _check_plausible(session, data, now=now, max_hours=max_hours)
    person = session.scalar(select(Person).where(Person.post_id == data["post_id"]))
    if person is None or (agency_id is not None and person.agency_id != agency_id):
        raise ValidationError(f"No person with POST ID {data['post_id']} in "
                              f"{'this agency' if agency_id is not None else 'this portal'}.",
                              details={"post_id": "Unknown POST ID."})
    record, _ = write_record(session, inbound_key=idempotency_key, now=now, data=RecordInput(
        person_id=person.id, course_number=data["course_number"], title=data["title"], hours=data["hours"],
        categories=data["categories"], satisfies=data["satisfies"], completed_on=data["completed_on"],
        source=RecordSource.FORWARDED, cpt_credited=data["cpt_credited"]))
    answer = {"record_id": record.id, "post_id": person.post_id, "course_number": record.course_number,
              "status": "recorded"}
    return _keep(session, idempotency_key, digest, 201, answer, now)


def _keep(session: Session, idempotency_key: str, digest: str, status: int, answer: dict[str, Any],
          now: datetime) -> InboundAnswer:
    """Keep the answer under its key, so a replay gets it again and writes nothing."""
    try:
        with session.begin_nested():
            session.add(InboundReceipt(idempotency_key=idempotency_key, body_sha256=digest, status_code=status,
                                       response=answer, received_at=now))
    except IntegrityError:  # the same key arrived concurrently and won
        return _replay(session.get(InboundReceipt, idempotency_key), digest)
    return InboundAnswer(status, answer, replay=False)


def _withdraw(session: Session, raw: dict[str, Any], *, idempotency_key: str, now: datetime,
              agency_id: int | None) -> dict[str, Any]:
    """Withdraw a record this portal received, named by the key it was sent under; once (a withdrawn
    record stays as it is)."""
    record_key, reason = raw.get("record_key"), raw.get("reason", "")
    if not isinstance(record_key, str) or not KEY_RE.match(record_key) or not isinstance(reason, str):
        raise ValidationError("A withdrawal names the record_key it was sent under, with a reason.",
                              details={"record_key": "The Idempotency-Key the record was sent with."})
    # A token sender's keys carry its agency (as when it sent the record); a signed portal's are its own.
    stored_key = idempotency_key.split("/", 1)[0] + "/" + record_key if agency_id is not None else record_key
    # Only a record received from a sender (never this portal's own), locked: a concurrent delivery of the same
    # withdrawal waits, then finds it withdrawn.
    record = session.scalar(select(TrainingRecord).where(TrainingRecord.inbound_key == stored_key,
                                                         TrainingRecord.source == RecordSource.FORWARDED)
                            .with_for_update().execution_options(populate_existing=True))
    if record is None:
        raise NotFoundError("No record was received under that record_key.",
                            details={"record_key": "Send the record first."})
    if record.withdrawn_at is None:
        record.withdrawn_at = now
        record.withdrawn_reason = f"Withdrawn by the sending portal: {reason.strip()}"[:300]
        # Their standing changed: stored compliance is evaluated again.
        session.execute(update(Person).where(Person.id == record.person_id).values(revision=Person.revision + 1))
        session.flush()
    return {"record_id": record.id, "status": "withdrawn"}


def _check_plausible(session: Session, data: dict[str, Any], *, now: datetime, max_hours: Decimal) -> None:
    """Refuse what cannot have happened, whoever sends it (a signed portal or a records:write token).

    A completion is not dated after today anywhere on Earth (UTC+14 is a day ahead at most), nor before
    anyone now serving could have trained. Its hours are at most what the course is certified for when this
    catalogue has the course, and at most ``max_hours`` when it does not.
    """
    problems: dict[str, str] = {}
    today = now.date()  # UTC's: the day of slack below covers every zone
    if data["completed_on"] > today + timedelta(days=1):
        problems["completed_on"] = "A completion cannot be dated in the future."
    elif data["completed_on"] < today.replace(year=today.year - OLDEST_RECORD_YEARS, day=1):
        problems["completed_on"] = f"A completion more than {OLDEST_RECORD_YEARS} years ago is not accepted."
    certified = None
    if data["course_number"]:
        presenter, number = data["course_number"].split("-")
        certified = session.scalar(select(func.max(CourseVersion.cpt_hours)).join(Course).where(
            Course.presenter == presenter, Course.number == number))
    if certified is not None and data["hours"] > certified:
        problems["hours"] = f"Course {data['course_number']} is certified for {certified} hours, not more."
    elif certified is None and data["hours"] > max_hours:
        problems["hours"] = f"More than {max_hours} hours in one record is not accepted."
    if problems:
        raise ValidationError("The record is not possible.", details=problems)


def _replay(receipt: InboundReceipt, digest: str) -> InboundAnswer:
    if receipt.body_sha256 != digest:
        raise ConflictError("This Idempotency-Key was already used for a different record.")
    return InboundAnswer(200, receipt.response, replay=True)


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        raw = jsoninput.loads(body)
    except jsoninput.MalformedJsonError as exc:
        raise ValidationError(exc.message) from exc
    if not isinstance(raw, dict):
        raise ValidationError("The body must be a JSON object.")
    if raw.get("operation", "create") not in ("create", "withdraw"):
        raise ValidationError("operation is create (the default) or withdraw.", details={"operation": "Unknown."})
    return raw


def _parse(raw: dict[str, Any]) -> dict[str, Any]:
    problems: dict[str, str] = {}
    data: dict[str, Any] = {}

    def text(name: str, pattern: re.Pattern[str] | None = None, max_len: int = 200) -> None:
        value = raw.get(name)
        if not isinstance(value, str) or not value.strip() or len(value) > max_len or (
                pattern and not pattern.match(value)):
            problems[name] = "Missing or not valid."
        else:
            data[name] = value.strip()

    text("post_id", re.compile(r"^[A-Z0-9][A-Z0-9-]{2,19}$"), 20)
    if raw.get("source") == "external" and raw.get("course_number") == "":
        data["course_number"] = ""  # training taken elsewhere, in a course not certified
    else:
        text("course_number", COURSE_NUMBER_RE, 16)
    text("title")
    try:
        hours = Decimal(str(raw.get("hours")))
        if not hours.is_finite() or hours <= 0 or hours != hours.quantize(Decimal("0.01")):
            raise InvalidOperation
        data["hours"] = hours
    except (InvalidOperation, ValueError):
        problems["hours"] = "Hours above 0, in hundredths."
    categories = raw.get("categories", {})
    try:
        data["categories"] = {str(k): Decimal(str(v)) for k, v in categories.items()}
        if any(v < 0 for v in data["categories"].values()):
            problems["categories"] = "Category hours cannot be negative."
        elif sum(data["categories"].values(), Decimal(0)) > data.get("hours", Decimal(0)):
            problems["categories"] = "Category hours add up to more than the record's hours."
    except (AttributeError, InvalidOperation, ValueError):
        problems["categories"] = "An object of category: hours."
    satisfies = raw.get("satisfies", [])
    if not isinstance(satisfies, list) or not all(isinstance(s, str) and len(s) <= 40 for s in satisfies):
        problems["satisfies"] = "A list of requirement ids."
    else:
        data["satisfies"] = satisfies
    try:
        data["completed_on"] = date.fromisoformat(str(raw.get("completed_on")))
    except ValueError:
        problems["completed_on"] = "A date such as 2026-03-02."
    data["cpt_credited"] = raw.get("cpt_credited", True)  # False: recorded for its mandates, no CPT hours
    if not isinstance(data["cpt_credited"], bool):
        problems["cpt_credited"] = "true or false."
    if problems:
        raise ValidationError("The record is not valid.", details=problems)
    return data


def verify_read(*, hmac_key: str, target: str, timestamp: str | None, signature: str | None, now: datetime) -> None:
    """A signed read (reconciliation): signed like a record, over the method, path and query, in time."""
    if not timestamp or not signature:
        raise SignatureError("The request is not signed (X-Portal-Timestamp and X-Portal-Signature).")
    if not hmac.compare_digest(sign(hmac_key, timestamp, target, b""), signature):
        raise SignatureError("The request signature does not match.")
    if not timestamp.isdigit() or abs(now.timestamp() - int(timestamp)) > MAX_SKEW_SECONDS:
        raise StaleTimestampError("The request timestamp is stale or in the future; sign it again.",
                                  details={"receiver_time": int(now.timestamp())})


def received(session: Session, *, agency: str, after: int, limit: int = 500) -> tuple[list[dict[str, Any]], int | None]:
    """What this portal holds from the signed sending portal for one agency ("jurisdiction:number"), in record
    order after ``after``: each record under the key it was sent with, withdrawn or not."""
    jurisdiction, _, number = agency.partition(":")
    found = session.scalar(select(Agency.id).where(Agency.jurisdiction == jurisdiction, Agency.number == number))
    if found is None:
        raise NotFoundError(f"No agency {agency} here.", details={"agency": "jurisdiction:number"})
    rows = session.execute(
        select(TrainingRecord, Person.post_id).join(Person, Person.id == TrainingRecord.person_id)
        .where(Person.agency_id == found, TrainingRecord.source == RecordSource.FORWARDED,
               TrainingRecord.inbound_key.not_like("%/%"), TrainingRecord.id > after)
        .order_by(TrainingRecord.id).limit(limit)).all()
    return [{"key": r.inbound_key, "post_id": post_id, "course_number": r.course_number, "title": r.title,
             "hours": str(r.hours), "completed_on": r.completed_on.isoformat(), "cpt_credited": r.cpt_credited,
             "withdrawn": r.withdrawn_at is not None} for r, post_id in rows], (
        rows[-1][0].id if len(rows) == limit else None)
