"""Training records: what a person has been credited with. Written idempotently, never edited; a record found
wrong through a dispute is withdrawn (kept, but no longer counted) and, where due, replaced by a correction."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    event,
    inspect,
    literal_column,
    true,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from learning_portal.db import Base, enum_column


class RecordSource(enum.StrEnum):
    ONLINE = "online"  # a self-paced completion on this portal
    ROSTER = "roster"  # a facilitated session's or presenter's roster
    FORWARDED = "forwarded"  # received from another portal through POST /api/v1/records
    CORRECTION = "correction"  # written by a training manager resolving a dispute
    IMPORTED = "imported"  # training from before the portal, imported from the agency's history
    EXTERNAL = "external"  # training taken elsewhere, submitted with its proof and approved by the manager

    @property
    def label(self) -> str:
        return {"online": "Online", "roster": "Roster", "forwarded": "Forwarded", "correction": "Correction",
                "imported": "Imported history", "external": "Taken elsewhere"}[self.value]

    @property
    def has_certificate(self) -> bool:
        """This portal certifies what happened here; imported history and training taken elsewhere have the
        original presenter's proof."""
        return self not in (RecordSource.IMPORTED, RecordSource.EXTERNAL)


class TrainingRecord(Base):
    __tablename__ = "training_records"
    __table_args__ = (
        # Every record has exactly one origin, and each origin yields one record (idempotent writes).
        CheckConstraint("(posting_id IS NULL) <> (inbound_key IS NULL)", name="one_origin"),
        Index("ix_training_records_person_id_completed_on", "person_id", "completed_on"),
        Index("ix_training_records_person_id_id", "person_id", "id"),  # compliance: "a record newer than..."
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    posting_id: Mapped[int | None] = mapped_column(ForeignKey("credit_postings.id"), unique=True)
    inbound_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"))
    course_number: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    hours: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    # The presentation whose roster credited it (a classroom session or briefing here), if one did.
    session_id: Mapped[int | None] = mapped_column(ForeignKey("training_sessions.id", ondelete="SET NULL"))
    # Whether the hours count toward CPT. Always recorded, a completion may earn no CPT hours again (a repeat
    # in one cycle, where the jurisdiction says so); it still counts for the mandates it satisfies.
    cpt_credited: Mapped[bool] = mapped_column(default=True, server_default=true())
    categories: Mapped[dict[str, Any]] = mapped_column(JSON)  # category id -> hours (strings, exact)
    satisfies: Mapped[list[str]] = mapped_column(JSON)  # requirement ids
    completed_on: Mapped[date]
    source: Mapped[RecordSource] = mapped_column(enum_column(RecordSource))
    verification_code: Mapped[str] = mapped_column(String(16), unique=True)
    created_at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None]  # an accepted dispute: the record no longer counts
    withdrawn_reason: Mapped[str | None] = mapped_column(String(300))


class ChangeOperation(enum.StrEnum):
    CREATED = "created"
    WITHDRAWN = "withdrawn"


class RecordChange(Base):
    """The change log behind the records feed: one row per record created or withdrawn, written in the same
    flush (records are never edited otherwise). Read in (txid, id) order: on PostgreSQL ``txid`` is the writing
    transaction's id and the feed reads only transactions older than every one still running, so a change that
    commits late is never skipped; on SQLite writers are serialised and ``txid`` is 0."""

    __tablename__ = "record_changes"
    __table_args__ = (Index("ix_record_changes_txid_id", "txid", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    txid: Mapped[int] = mapped_column(BigInteger)
    record_id: Mapped[int] = mapped_column(ForeignKey("training_records.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    operation: Mapped[ChangeOperation] = mapped_column(enum_column(ChangeOperation))
    at: Mapped[datetime]


def current_txid(dialect: str) -> object:
    """The value of ``record_changes.txid`` for a row written now, as SQL."""
    return literal_column("pg_current_xact_id()::text::bigint" if dialect == "postgresql" else "0")


def _just_withdrawn(record: TrainingRecord) -> bool:
    history = inspect(record).attrs.withdrawn_at.history
    return bool(history.added) and history.added[0] is not None and (not history.deleted or history.deleted[0] is None)


@event.listens_for(Session, "after_flush")
def _log_record_changes(session: Session, _context: object) -> None:
    rows = [{"record_id": o.id, "person_id": o.person_id, "operation": ChangeOperation.CREATED, "at": o.created_at}
            for o in session.new if isinstance(o, TrainingRecord)]
    rows += [{"record_id": o.id, "person_id": o.person_id, "operation": ChangeOperation.WITHDRAWN,
              "at": o.withdrawn_at}
             for o in session.dirty if isinstance(o, TrainingRecord) and _just_withdrawn(o)]
    if rows:
        connection = session.connection()
        txid = current_txid(connection.dialect.name)
        for start in range(0, len(rows), 1000):  # a bulk flush: within SQLite's limit of bound values
            connection.execute(RecordChange.__table__.insert().values(
                [{**row, "txid": txid} for row in rows[start:start + 1000]]))


class DisputeStatus(enum.StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"  # the record was withdrawn (and corrected, when a correction was given)
    REJECTED = "rejected"  # the record stands

    @property
    def label(self) -> str:
        return {"open": "Open", "accepted": "Accepted", "rejected": "Rejected"}[self.value]


class Dispute(Base):
    """A person contests the accuracy of one of their training records; their training manager resolves it."""

    __tablename__ = "record_disputes"
    __table_args__ = (Index("ix_record_disputes_status_created_at", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("training_records.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(2000))
    attachment_key: Mapped[str | None] = mapped_column(String(200))  # in media storage
    attachment_name: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[DisputeStatus] = mapped_column(enum_column(DisputeStatus), default=DisputeStatus.OPEN)
    resolution_note: Mapped[str | None] = mapped_column(String(2000))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None]
    correction_id: Mapped[int | None] = mapped_column(ForeignKey("training_records.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]


class ExternalKind(enum.StrEnum):
    ELSEWHERE = "elsewhere"  # training taken at an academy or another presenter's course
    MISSING = "missing"  # a course taken here that has no record

    @property
    def label(self) -> str:
        return {"elsewhere": "Training taken elsewhere", "missing": "Missing record"}[self.value]


class ExternalStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for the training manager
    RETURNED = "returned"  # sent back with a comment; the person may change and resubmit it
    APPROVED = "approved"  # a record was written

    @property
    def label(self) -> str:
        return {"pending": "Waiting for review", "returned": "Returned", "approved": "Approved"}[self.value]


class ProofKind(enum.StrEnum):
    CERTIFICATE = "certificate"  # a certificate of completion
    LETTER = "letter"  # a letter of completion from the presenter
    OTHER = "other"  # a roster extract, a transcript, ...

    @property
    def label(self) -> str:
        return {"certificate": "Certificate of completion", "letter": "Letter of completion",
                "other": "Other proof"}[self.value]


class ExternalTraining(Base):
    """Training to add to a person's record, submitted by them (or their manager) with its proof: approved,
    it becomes a record; returned, they see why and may resubmit."""

    __tablename__ = "external_training"
    __table_args__ = (Index("ix_external_training_agency_id_status", "agency_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="SET NULL"))
    kind: Mapped[ExternalKind] = mapped_column(enum_column(ExternalKind))
    title: Mapped[str] = mapped_column(String(200))
    presenter: Mapped[str] = mapped_column(String(200), default="")
    course_number: Mapped[str] = mapped_column(String(16), default="")  # when the course is certified
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"))  # a missing record: the course here
    completed_on: Mapped[date]
    hours: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    categories: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # category id -> hours (strings)
    note: Mapped[str] = mapped_column(String(1000), default="")
    proof_key: Mapped[str | None] = mapped_column(String(200))  # in media storage
    proof_name: Mapped[str | None] = mapped_column(String(200))
    proof_kind: Mapped[ProofKind | None] = mapped_column(enum_column(ProofKind))
    status: Mapped[ExternalStatus] = mapped_column(enum_column(ExternalStatus), default=ExternalStatus.PENDING)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    comment: Mapped[str] = mapped_column(String(1000), default="")  # the manager's, when returned or approved
    record_id: Mapped[int | None] = mapped_column(ForeignKey("training_records.id", ondelete="SET NULL"))
    cpt_credited: Mapped[bool | None]  # as approved: whether the hours count toward CPT, and why (below)
    cpt_reason: Mapped[str] = mapped_column(String(300), default="")
