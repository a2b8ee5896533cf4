"""Exemptions, and the stored evaluation that agency dashboards, exports and summaries read.

The stored evaluation is a cache of ``engine.evaluate`` per person and requirement, rebuilt when it goes
stale (see ``services.stale_people``). Status is not stored: it follows from the stored facts and the day asked
about (``compliance.status``), so a row stays right as days pass.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Numeric, String, Text, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learning_portal.accounts.models import Agency, Person
from learning_portal.db import Base


class Exemption(Base):
    """An agency's or one person's exemption from a requirement (e.g. an agency's PSP exemption, a leave)."""

    __tablename__ = "compliance_exemptions"
    __table_args__ = (
        CheckConstraint("(agency_id IS NULL) <> (person_id IS NULL)", name="agency_or_person"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    requirement_id: Mapped[str] = mapped_column(ForeignKey("requirements.id"))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40), default="", server_default="")  # the ground ("" before grounds)
    reason: Mapped[str] = mapped_column(String(300))  # the detail: a letter's reference, the leave's dates
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None]

    agency: Mapped[Agency | None] = relationship(lazy="joined")
    granted_by: Mapped[Person | None] = relationship(foreign_keys=[granted_by_id], lazy="joined")


class PersonEvaluation(Base):
    """When a person's stored statuses were computed, and from what; a mismatch makes them stale."""

    __tablename__ = "compliance_people"
    __table_args__ = (Index("ix_compliance_people_agency_id_worst_due_on", "agency_id", "worst_due_on"),)

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    definitions: Mapped[str] = mapped_column(String(64))  # hash of the jurisdiction's requirement definitions
    person_revision: Mapped[int]
    # The person's account is enabled. Statuses are stored only for enabled people, so summaries count rows
    # without joining people (disabling someone changes their revision, which makes them stale).
    active: Mapped[bool] = mapped_column(server_default=true())
    last_record_id: Mapped[int]  # the newest training record counted
    valid_until: Mapped[date | None]  # the first day after which a cycle or exemption boundary has passed
    stale: Mapped[bool] = mapped_column(default=False)  # set by exemption changes
    # The person's overall standing (compliance.status.overall_status): the earliest due date of anything
    # outstanding with a due date, and how many requirements are in force or exempt.
    worst_due_on: Mapped[date | None]
    outstanding: Mapped[bool] = mapped_column(default=False)
    tracked: Mapped[int] = mapped_column(default=0)  # requirements in force (neither exempt nor not applicable)
    exempt: Mapped[int] = mapped_column(default=0)
    # For compliance.status.overall_status: requirements with a date missing, with records possibly missing
    # (no_record, or a tracked window begun before the records start), and still owed.
    missing: Mapped[int] = mapped_column(default=0, server_default="0")
    gaps: Mapped[int] = mapped_column(default=0, server_default="0")
    owed: Mapped[int] = mapped_column(default=0, server_default="0")
    evaluated_at: Mapped[datetime]


class RequirementStatus(Base):
    """One person's standing on one requirement that concerns them (the audience matches)."""

    __tablename__ = "compliance_statuses"
    # Covers the per-requirement summary, so it is read from the index alone.
    __table_args__ = (Index("ix_compliance_statuses_summary", "agency_id", "requirement_id", "state", "done",
                            "due_on"),)

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    requirement_id: Mapped[str] = mapped_column(ForeignKey("requirements.id", ondelete="CASCADE"),
                                                primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16))  # compliance.status.STATES
    done: Mapped[bool]
    due_on: Mapped[date | None]
    gap: Mapped[bool] = mapped_column(default=False, server_default=false())  # records may be missing
    owed: Mapped[bool] = mapped_column(default=False, server_default=false())  # not yet done, still owed
    hours_done: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    hours_needed: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    reason: Mapped[str] = mapped_column(Text, server_default="")  # engine.reason_text(): read with engine.worded()
    finding: Mapped[dict[str, Any]] = mapped_column(JSON)  # engine.Finding.to_json()


class AgencyStatusVersion(Base):
    """A new random token at every change to an agency's stored statuses (``services.refresh`` and ``forget``
    set it in the same transaction), so a summary computed at one version stays right until the next: see
    ``queries.agency_summary``. Random rather than counted, so a version that was rolled back is never reused."""

    __tablename__ = "compliance_agency_versions"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[str] = mapped_column(String(32))
