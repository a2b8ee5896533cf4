"""Training taken elsewhere, and records missing here: submitted by the person (or their training manager for
them) with the proof, approved or returned by the manager; approved, it is a record that counts for compliance.

Whether its hours count toward CPT is the jurisdiction's rule (``Jurisdiction.external_cpt``; California's
Regulation 1060: a POST-certified course, or a certificate or letter of completion of a non-POST course), and
the record says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from learning_portal import documents
from learning_portal.accounts.localdate import today_for
from learning_portal.accounts.models import Jurisdiction, Person
from learning_portal.accounts.permissions import can_manage_person, can_view_agency
from learning_portal.audit import services as audit
from learning_portal.catalog.models import PUBLISHED, Course, HourCategory
from learning_portal.catalog.services import get_current_version
from learning_portal.certification import services as certification
from learning_portal.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from learning_portal.formatting import human_date
from learning_portal.notices import services as notices
from learning_portal.records.models import (
    ExternalKind,
    ExternalStatus,
    ExternalTraining,
    ProofKind,
    RecordSource,
    TrainingRecord,
)
from learning_portal.records.services import RecordInput, write_record

MAX_PROOF_BYTES = documents.MAX_BYTES
COURSE_NUMBER = re.compile(r"^\d{4}-\d{5}$")
EARLIEST = date(1980, 1, 1)


@dataclass(frozen=True)
class Proof:
    filename: str
    data: bytes


@dataclass
class Submission:
    """What the form or the API sends; strings as typed, checked by ``submit``."""

    kind: str = ExternalKind.ELSEWHERE.value
    title: str = ""
    presenter: str = ""
    course_number: str = ""
    course_slug: str = ""  # a missing record: the course taken here
    completed_on: str = ""
    hours: str = ""
    categories: dict[str, str] = field(default_factory=dict)
    note: str = ""
    proof_kind: str = ""


def may_submit_for(actor: Person, person: Person) -> bool:
    return actor.id == person.id or can_manage_person(actor, person)


def submit(session: Session, storage, *, actor: Person, person: Person, data: Submission,  # noqa: ANN001
           proof: Proof | None, now: datetime, resubmitting: ExternalTraining | None = None) -> ExternalTraining:
    """Check everything, store the proof, add (or, for a returned one, change and resend) the submission; all
    or nothing, every problem named."""
    if not may_submit_for(actor, person):
        raise PermissionDeniedError("You submit training for yourself, or as the person's training manager.")
    problems: dict[str, str] = {}
    kind = data.kind if data.kind in {k.value for k in ExternalKind} else None
    if kind is None:
        problems["kind"] = "Training taken elsewhere, or a missing record."
    today = today_for(session, person, now)
    try:
        completed_on = date.fromisoformat(data.completed_on.strip())
        if completed_on > today:
            problems["completed_on"] = "Not in the future."
        elif completed_on < EARLIEST:
            problems["completed_on"] = f"On or after {human_date(EARLIEST)}."
    except ValueError:
        completed_on = None
        problems["completed_on"] = "A date such as 2026-03-31."
    title, presenter = " ".join(data.title.split()), " ".join(data.presenter.split())
    number, course = data.course_number.strip(), None
    hours, categories = None, {}
    if kind == ExternalKind.MISSING:
        course = session.scalar(select(Course).where(Course.slug == data.course_slug.strip(), PUBLISHED))
        if course is None:
            problems["course"] = "Choose the course you took here."
        else:
            version = get_current_version(session, course)
            title, number, hours = version.title, course.course_number, version.cpt_hours
            categories = {k: str(v) for k, v in version.hours.items()}
            presenter = "This portal"
    else:
        if not 3 <= len(title) <= 200:
            problems["title"] = "The course title, 3 to 200 characters."
        if not 2 <= len(presenter) <= 200:
            problems["presenter"] = "Who presented it (an academy, an agency, a college)."
        if number and not COURSE_NUMBER.match(number):
            problems["course_number"] = "A certified course's number looks like 1234-56789; leave it empty if none."
        hours = _hours(data.hours, problems, "hours")
        known = set(session.scalars(select(HourCategory.id)))
        for category, value in data.categories.items():
            if category not in known:
                problems[f"categories.{category}"] = "Not an hour category."
                continue
            amount = _hours(value, problems, f"categories.{category}")
            if amount:
                categories[category] = str(amount)
        if hours is not None and sum((Decimal(v) for v in categories.values()), Decimal(0)) > hours:
            problems["categories"] = "The hours by category add up to more than the hours."
        if data.proof_kind not in {k.value for k in ProofKind}:
            problems["proof_kind"] = "What the proof is: a certificate, a letter of completion, or other."
    note = " ".join(data.note.split())
    if len(note) > 1000:
        problems["note"] = "At most 1,000 characters."
    if kind == ExternalKind.MISSING and len(note) < 10:
        problems["note"] = "Say where and how you took it (10 characters or more)."
    key = name = None
    if proof is not None and proof.data:
        try:
            document = documents.accept(proof.data, proof.filename, folder="external", fallback="proof")
        except documents.DocumentError as exc:
            problems["proof"] = str(exc)
        else:
            key, name = document.key, document.name
    elif kind == ExternalKind.ELSEWHERE and (resubmitting is None or resubmitting.proof_key is None):
        problems["proof"] = "Attach the certificate or letter (PDF, PNG or JPEG)."
    if problems:
        raise ValidationError("The training was not submitted.", details=problems)
    if key is not None:
        storage.put_bytes(key, proof.data)  # an orphan file if the transaction fails; never a lost submission
    item = resubmitting or ExternalTraining(person_id=person.id)
    item.agency_id, item.kind, item.title, item.presenter = person.agency_id, ExternalKind(kind), title, presenter
    item.course_number, item.course_id, item.completed_on = number, course.id if course else None, completed_on
    item.hours, item.categories, item.note = hours, categories, note
    if key is not None:
        item.proof_key, item.proof_name = key, name
    item.proof_kind = ProofKind(data.proof_kind) if data.proof_kind in {k.value for k in ProofKind} else None
    item.status, item.submitted_by_id, item.submitted_at = ExternalStatus.PENDING, actor.id, now
    session.add(item)
    session.flush()
    audit.record(session, "external.submitted", actor_id=actor.id, subject_id=person.id, now=now,
                 target=f"external_training:{item.id}",
                 details={"kind": kind, "title": title, "again": resubmitting is not None, "proof": key is not None})
    return item


def _hours(text: str, problems: dict[str, str], name: str) -> Decimal | None:
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        problems[name] = "Hours such as 4 or 2.5."
        return None
    if not Decimal("0.25") <= value <= Decimal(120) or value % Decimal("0.25"):
        problems[name] = "Hours in quarter hours, from 0.25 to 120."
        return None
    return value


def get(session: Session, actor: Person, item_id: int) -> tuple[ExternalTraining, Person]:
    """The submission as the actor may see it: their own, or one of a person they manage (404 otherwise)."""
    item = session.get(ExternalTraining, item_id)
    person = session.get(Person, item.person_id) if item else None
    if item is None or person is None or not may_submit_for(actor, person):
        raise NotFoundError("No such training submission.")
    return item, person


def cpt_rule(jurisdiction: Jurisdiction | None, item: ExternalTraining,
             certified_through: date | None = None) -> tuple[bool, str]:
    """Whether approved, the hours count toward CPT where the person is, and the words that say why.
    ``certified_through``: the last day the course number's certification here covers, when it was."""
    if item.kind is ExternalKind.MISSING:
        return True, "A course taken on this portal."
    if certified_through is not None and item.completed_on > certified_through:
        return False, (f"Recorded for the mandates only: the certification of {item.course_number} ended on "
                       f"{human_date(certified_through)}, before this training.")
    rule = jurisdiction.external_cpt if jurisdiction else "never"
    cite = f" ({jurisdiction.external_citation})" if jurisdiction and jurisdiction.external_citation else ""
    certified = bool(item.course_number)
    proven = item.proof_kind in (ProofKind.CERTIFICATE, ProofKind.LETTER)
    if rule == "always":
        return True, f"Training taken elsewhere counts toward CPT{cite}."
    if certified and rule in ("certified_only", "certified_or_certificate"):
        return True, f"A certified course ({item.course_number}) counts toward CPT{cite}."
    if proven and rule == "certified_or_certificate":
        return True, f"A non-certified course proven by a {item.proof_kind.label.lower()} counts toward CPT{cite}."
    return False, (f"Recorded for the mandates only: {jurisdiction.code if jurisdiction else 'the jurisdiction'} "
                   f"counts {'no training taken elsewhere' if rule == 'never' else 'only certified courses'} "
                   f"toward CPT{cite}.")


def decide(session: Session, *, actor: Person, item: ExternalTraining, approve: bool, comment: str,
           now: datetime) -> ExternalTraining:
    person = session.get(Person, item.person_id)
    if not can_manage_person(actor, person):
        raise PermissionDeniedError("The person's training manager or an administrator decides, never for their "
                                    "own training.")
    if item.status is not ExternalStatus.PENDING:
        raise ConflictError(f"This submission is {item.status.label.lower()} already.")
    comment = " ".join(comment.split())[:1000]
    if not approve and len(comment) < 5:
        raise ValidationError("Say why it is returned, so they can fix it.", details={"comment": "Required."})
    item.decided_by_id, item.decided_at, item.comment = actor.id, now, comment
    if approve:
        jurisdiction = session.get(Jurisdiction, person.agency.jurisdiction) if person.agency else None
        credited, reason = cpt_rule(jurisdiction, item, certification.certified_through(
            session, item.course_number) if item.course_number else None)
        course = session.get(Course, item.course_id) if item.course_id else (
            _certified_course(session, item.course_number))
        satisfies = [r.id for r in get_current_version(session, course).requirements] if course else []
        record, _ = write_record(session, now=now, inbound_key=f"external-{item.id}", data=RecordInput(
            person_id=person.id, course_number=item.course_number, title=item.title, hours=item.hours,
            categories={k: Decimal(v) for k, v in (item.categories or {}).items()}, satisfies=satisfies,
            completed_on=item.completed_on,
            source=RecordSource.CORRECTION if item.kind is ExternalKind.MISSING else RecordSource.EXTERNAL,
            course_id=course.id if course else None, cpt_credited=credited))
        item.status, item.record_id, item.cpt_credited, item.cpt_reason = (
            ExternalStatus.APPROVED, record.id, credited, reason)
        session.execute(update(Person).where(Person.id == person.id).values(revision=Person.revision + 1))
        told = (f"{item.title} ({human_date(item.completed_on)}, {item.hours} hours) is on your training "
                f"record. {reason}")
    else:
        item.status = ExternalStatus.RETURNED
        told = f"{item.title} was returned to you: {comment} Change it and send it again from My training."
    session.flush()
    audit.record(session, "external.decided", actor_id=actor.id, subject_id=person.id, now=now,
                 target=f"external_training:{item.id}",
                 details={"decision": "approved" if approve else "returned", "comment": comment,
                          "record": item.record_id, "cpt": item.cpt_credited})
    notices.send(session, [notices.Notice(
        person.id, "external_decided", f"external:{item.id}:{item.status.value}:{now.isoformat()}",
        f"{'Approved' if approve else 'Returned'}: {item.title}", told + (f"\n\n{actor.full_name} wrote: {comment}"
                                                                          if approve and comment else ""),
        link="/my/external-training", agency_id=person.agency_id)], now=now)
    return item


def _certified_course(session: Session, number: str) -> Course | None:
    """A certified course number that is this catalogue's course: its record satisfies what the course does."""
    if not COURSE_NUMBER.match(number or ""):
        return None
    presenter, course_no = number.split("-")
    return session.scalar(select(Course).where(Course.presenter == presenter, Course.number == course_no, PUBLISHED))


def of_person(session: Session, person_id: int) -> list[ExternalTraining]:
    return list(session.scalars(select(ExternalTraining).where(ExternalTraining.person_id == person_id)
                                .order_by(ExternalTraining.submitted_at.desc(), ExternalTraining.id.desc())))


def queue(session: Session, actor: Person, agency_id: int, *, status: ExternalStatus | None = ExternalStatus.PENDING,
          limit: int = 200, after: int = 0) -> list[tuple[ExternalTraining, Person]]:
    """An agency's submissions (waiting ones by default), oldest first, for its managers and administrators."""
    if not can_view_agency(actor, agency_id):
        raise NotFoundError("No such agency.")
    query = (select(ExternalTraining, Person).join(Person, Person.id == ExternalTraining.person_id)
             .where(Person.agency_id == agency_id, ExternalTraining.id > after))
    if status is not None:
        query = query.where(ExternalTraining.status == status)
    return list(session.execute(query.order_by(ExternalTraining.id).limit(limit)).all())


def record_of(session: Session, item: ExternalTraining) -> TrainingRecord | None:
    return session.get(TrainingRecord, item.record_id) if item.record_id else None
