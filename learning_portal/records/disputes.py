"""Contesting a training record: the person says what is wrong (with an optional document), their training
manager or an administrator resolves it with a note. An accepted dispute withdraws the record (kept for
history, no longer counted) and, when the right details are known, writes a corrected record in its place.
Every step goes in the audit log; the person sees each one on their profile and in My data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from learning_portal import documents
from learning_portal.accounts.models import Person, Role
from learning_portal.accounts.permissions import can_manage_person
from learning_portal.audit import services as audit
from learning_portal.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from learning_portal.formatting import human_date
from learning_portal.notices import services as notices
from learning_portal.records.models import Dispute, DisputeStatus, RecordSource, TrainingRecord
from learning_portal.records.services import RecordInput, write_record

MAX_ATTACHMENT_BYTES = documents.MAX_BYTES


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes


def open_dispute(session: Session, storage, *, person: Person, record_id: int, reason: str,  # noqa: ANN001
                 attachment: Attachment | None, now: datetime) -> Dispute:
    record = session.get(TrainingRecord, record_id)
    if record is None or record.person_id != person.id:
        raise NotFoundError("No such training record of yours.")
    if record.withdrawn_at is not None:
        raise ConflictError("This record was already withdrawn.")
    if session.scalar(select(Dispute.id).where(Dispute.record_id == record.id,
                                               Dispute.status == DisputeStatus.OPEN)) is not None:
        raise ConflictError("You already contested this record; your training manager has not answered yet.")
    reason = reason.strip()
    errors = {}
    if not 10 <= len(reason) <= 2000:
        errors["reason"] = "Say what is wrong with the record, in 10 to 2,000 characters."
    key = name = None
    if attachment is not None and attachment.data:
        try:
            document = documents.accept(attachment.data, attachment.filename, folder="disputes", fallback="document")
        except documents.DocumentError as exc:
            errors["attachment"] = str(exc)
        else:
            key, name = document.key, document.name
    if errors:
        raise ValidationError("The dispute was not sent.", details=errors)
    if key is not None:
        storage.put_bytes(key, attachment.data)  # an orphan file if the transaction fails; never a lost dispute
    dispute = Dispute(record_id=record.id, person_id=person.id, reason=reason, attachment_key=key,
                      attachment_name=name, created_at=now)
    session.add(dispute)
    session.flush()
    audit.record(session, "dispute.opened", actor_id=person.id, subject_id=person.id, now=now,
                 target=f"training_record:{record.id}", details={"dispute": dispute.id, "attachment": key is not None})
    return dispute


def can_resolve(actor: Person, dispute: Dispute, person: Person) -> bool:
    """The person's training manager or an administrator, never the person themselves."""
    return dispute.person_id == person.id and can_manage_person(actor, person)


def get_dispute(session: Session, *, actor: Person, dispute_id: int) -> tuple[Dispute, TrainingRecord, Person]:
    """The dispute as the actor may see it: their own, or one they may resolve (404 otherwise)."""
    dispute = session.get(Dispute, dispute_id)
    person = session.get(Person, dispute.person_id) if dispute else None
    if dispute is None or person is None or not (dispute.person_id == actor.id or can_resolve(actor, dispute, person)):
        raise NotFoundError("No such dispute.")
    return dispute, session.get(TrainingRecord, dispute.record_id), person


@dataclass(frozen=True)
class Correction:
    completed_on: date
    hours: Decimal


def resolve(session: Session, *, actor: Person, dispute: Dispute, accept: bool, note: str,
            correction: Correction | None, now: datetime) -> None:
    person = session.get(Person, dispute.person_id)
    if person is None or not can_resolve(actor, dispute, person):
        raise PermissionDeniedError("Only the person's training manager or an administrator resolves a dispute.")
    if dispute.status is not DisputeStatus.OPEN:
        raise ConflictError("This dispute is already resolved.")
    note = note.strip()
    if not 3 <= len(note) <= 2000:
        raise ValidationError("Say how it was resolved.", details={"note": "3 to 2,000 characters."})
    if correction is not None and not accept:
        raise ValidationError("A correction goes with accepting the dispute.", details={"outcome": "Accept it."})
    if correction is not None and not Decimal(0) < correction.hours <= Decimal(999):
        raise ValidationError("Give the hours actually earned.", details={"hours": "More than 0."})
    record = session.get(TrainingRecord, dispute.record_id)
    dispute.status = DisputeStatus.ACCEPTED if accept else DisputeStatus.REJECTED
    dispute.resolution_note, dispute.resolved_by_id, dispute.resolved_at = note, actor.id, now
    details: dict[str, object] = {"dispute": dispute.id, "outcome": dispute.status.value}
    if accept:
        record.withdrawn_at, record.withdrawn_reason = now, f"Dispute {dispute.id}: {note}"[:300]
        if correction is not None:
            corrected, _ = write_record(session, now=now, inbound_key=f"dispute-{dispute.id}", data=RecordInput(
                person_id=record.person_id, course_number=record.course_number, title=record.title,
                hours=correction.hours, categories=_scaled(record, correction.hours), satisfies=record.satisfies,
                completed_on=correction.completed_on, source=RecordSource.CORRECTION, course_id=record.course_id))
            dispute.correction_id = corrected.id
            details["correction"] = corrected.id
        # The person's standing changed: bump their revision so stored compliance is re-evaluated.
        session.execute(update(Person).where(Person.id == person.id).values(revision=Person.revision + 1))
    session.flush()
    audit.record(session, "dispute.resolved", actor_id=actor.id, subject_id=person.id, now=now,
                 target=f"training_record:{record.id}", details=details)
    outcome = ("accepted: the record was " + ("corrected" if correction is not None else "withdrawn")
               if accept else "not accepted: the record stays as it is")
    notices.send(session, [notices.Notice(
        person.id, "dispute_resolved", f"dispute:{dispute.id}:resolved", f"Your dispute about {record.title}",
        f"Your dispute about {record.title} of {human_date(record.completed_on)} was {outcome}.\n\n"
        f"{actor.full_name} wrote: {note}", link="/my/profile", agency_id=person.agency_id)], now=now)


def _scaled(record: TrainingRecord, hours: Decimal) -> dict[str, Decimal]:
    """The record's category hours scaled to the corrected total (to the quarter hour)."""
    if not record.hours:
        return {}
    return {c: (Decimal(h) * hours / record.hours * 4).quantize(Decimal(1), ROUND_HALF_UP) / 4
            for c, h in record.categories.items()}


def disputes_of(session: Session, person: Person) -> list[Dispute]:
    return list(session.scalars(select(Dispute).where(Dispute.person_id == person.id)
                                .order_by(Dispute.created_at.desc())))


def open_disputes_for(session: Session, actor: Person) -> list[tuple[Dispute, Person]]:
    """Open disputes the actor resolves: their agency's (training managers) or everyone's (administrators)."""
    query = (select(Dispute, Person).join(Person, Person.id == Dispute.person_id)
             .where(Dispute.status == DisputeStatus.OPEN, Dispute.person_id != actor.id)
             .order_by(Dispute.created_at))
    if not actor.has_role(Role.ADMINISTRATOR):
        query = query.where(Person.agency_id == actor.agency_id)
    return [(d, p) for d, p in session.execute(query).all()]
