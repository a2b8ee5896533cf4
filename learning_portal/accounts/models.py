"""Agencies, people and API tokens."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint, literal_column
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learning_portal.clock import local_date
from learning_portal.db import Base, enum_column


class Role(enum.StrEnum):
    OFFICER = "officer"
    DISPATCHER = "dispatcher"
    INSTRUCTOR = "instructor"
    TRAINING_MANAGER = "training_manager"
    ADMINISTRATOR = "administrator"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class RankTier(enum.StrEnum):
    """Where a person sits in the chain of command; requirements key on it (e.g. PSP below middle management)."""

    LINE = "line"
    SUPERVISOR = "supervisor"
    MIDDLE_MANAGEMENT = "middle_management"
    EXECUTIVE = "executive"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Assignment(enum.StrEnum):
    PATROL = "patrol"
    TRAFFIC = "traffic"
    INVESTIGATIONS = "investigations"
    CUSTODY = "custody"
    DISPATCH = "dispatch"
    FIELD_TRAINING = "field_training"
    ADMINISTRATION = "administration"
    TRAINING = "training"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Jurisdiction(Base):
    """A regulator (e.g. CA-POST) and how it counts and credits training, as loaded from content."""

    __catalog__ = True  # read by every page: see refdata
    __tablename__ = "jurisdictions"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    cycle_months: Mapped[int]  # CPT cycle length
    cycle_anchor: Mapped[date]  # the first day of any one cycle
    repeat_credit_in_cycle: Mapped[bool] = mapped_column(default=False)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")  # IANA zone dates are counted in
    due_soon_days: Mapped[int] = mapped_column(default=90, server_default="90")  # compliance: "due soon" window
    judged_from: Mapped[date | None]  # compliance: where agencies' records start unless an agency says otherwise
    # compliance: the only grounds an exemption may be recorded on, as the content defines them
    # ([{"id", "title", "citation", "requirements": [...] or [] for all, "verified": bool}])
    exemption_grounds: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    # Training taken elsewhere, once approved, counts toward CPT: content_import.parser.EXTERNAL_CPT
    external_cpt: Mapped[str] = mapped_column(String(32), default="certified_only", server_default="certified_only")
    external_citation: Mapped[str] = mapped_column(String(300), default="", server_default="")
    # Who approves a submitted roster before it credits: "none" (it credits at once), "agency" (the host
    # agency's training manager), "commission" (commission staff). A course may say otherwise.
    roster_review: Mapped[str] = mapped_column(String(16), default="none", server_default="none")
    updated_at: Mapped[datetime]

    def local_date(self, moment: datetime) -> date:
        """The calendar date of ``moment`` where this jurisdiction counts training (a cycle ends at local
        midnight, not at UTC midnight)."""
        return local_date(moment, self.timezone)


class Agency(Base):
    __tablename__ = "agencies"
    __table_args__ = (UniqueConstraint("jurisdiction", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(String(16))  # regulator, e.g. "CA-POST", "CO-POST"
    number: Mapped[str] = mapped_column(String(16))  # agency number within the jurisdiction
    name: Mapped[str] = mapped_column(String(200))
    # The day the agency's training records start in the portal (None: the jurisdiction's judged_from). A
    # requirement with nothing on file for a window that began earlier is a data gap, not overdue.
    records_start: Mapped[date | None]
    created_at: Mapped[datetime]

    people: Mapped[list[Person]] = relationship(back_populates="agency", lazy="raise_on_sql")

    @property
    def label(self) -> str:
        return f"{self.name} ({self.jurisdiction} {self.number})"


class Person(Base):
    """Anyone with a training record or an account. Implements the Flask-Login user interface."""

    __tablename__ = "people"
    __table_args__ = (
        CheckConstraint("role = 'administrator' OR agency_id IS NOT NULL", name="agency_required"),
        Index("ix_people_agency_id_last_name", "agency_id", "last_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[str] = mapped_column(String(20), unique=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    rank_tier: Mapped[RankTier] = mapped_column(enum_column(RankTier), default=RankTier.LINE)
    assignment: Mapped[Assignment] = mapped_column(enum_column(Assignment), default=Assignment.OTHER)
    is_reserve: Mapped[bool] = mapped_column(default=False)
    is_clerical: Mapped[bool] = mapped_column(default=False)
    hire_date: Mapped[date | None]
    promotion_date: Mapped[date | None]
    assigned_on: Mapped[date | None]  # when the current assignment began (one-time requirements key on it)
    # Every role and assignment held now, each with the day it began (ISO date, or None: not known). ``role``
    # and ``assignment`` are the main ones, shown in lists; permissions and requirements read all of them.
    # Kept with ``person_terms`` (the history) by accounts.people, the one place that changes them.
    roles_held: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    assignments_held: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))

    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_enabled: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    # Part of the session id: rotating it signs the person out everywhere (password change, disable).
    login_nonce: Mapped[str] = mapped_column(String(32))
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    left_on: Mapped[date | None]  # left the agency: the account is closed, and after the retention period purged
    purged_at: Mapped[datetime | None]  # personal data removed; the training records stay, anonymous
    # Bumped by every UPDATE of the row, so stored compliance results know when a person's facts changed.
    revision: Mapped[int] = mapped_column(default=0, server_default="0",
                                          onupdate=literal_column("revision") + 1)

    agency: Mapped[Agency | None] = relationship(back_populates="people", lazy="joined")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset({self.role, *(Role(r) for r in self.roles_held or ())})

    def has_role(self, *roles: Role | str) -> bool:
        """Does the person hold any of ``roles`` (an officer who is also an instructor holds both)? Templates
        pass the values ("administrator")."""
        return not self.roles.isdisjoint(roles)

    @property
    def assignments(self) -> frozenset[Assignment]:
        return frozenset({self.assignment, *(Assignment(a) for a in self.assignments_held or ())})

    @property
    def sort_name(self) -> str:
        return f"{self.last_name}, {self.first_name}"

    # Flask-Login interface (duck-typed so models stay free of Flask).
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.is_enabled

    def get_id(self) -> str:
        return f"{self.id}:{self.login_nonce}"


class TermKind(enum.StrEnum):
    ROLE = "role"
    ASSIGNMENT = "assignment"
    RANK = "rank_tier"


class PersonTerm(Base):
    """A period in which a person held a role, an assignment or a rank (``ends_on`` None: held now). A
    requirement triggered "within 12 months of promotion" reads the start of the rank held now, so a second
    promotion moves it and the first stays on record."""

    __tablename__ = "person_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[TermKind] = mapped_column(enum_column(TermKind))
    value: Mapped[str] = mapped_column(String(32))
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    recorded_at: Mapped[datetime]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))


class AgencyMembership(Base):
    """A person's time with an agency (``ends_on`` None: with it now). A POST ID is one person statewide: a
    transfer ends one membership and starts the next, the training records stay with the person, and the
    former agency still reads what was done while the person was theirs."""

    __tablename__ = "agency_memberships"
    __table_args__ = (Index("ix_agency_memberships_agency_id_person_id", "agency_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    created_at: Mapped[datetime]


class ApiToken(Base):
    """A bearer token for the JSON API. Only a SHA-256 of the token is stored.

    A personal token (no scopes) acts as its person. A system token, issued by an administrator for another
    system, has scopes and one agency, and can call only the operations its scopes allow, for that agency.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="", server_default="")  # system tokens: the system
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship(lazy="joined")


class TwoFactor(Base):
    """A person's authenticator app (TOTP, RFC 6238). Kept apart from ``people`` so that signing in does not
    change the person's row (which would make their stored compliance stale)."""

    __tablename__ = "two_factor"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    secret: Mapped[str] = mapped_column(String(64))  # base32 key shared with the app
    created_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]  # None while being set up: not yet asked for at sign-in
    last_step: Mapped[int] = mapped_column(default=0)  # the last 30-second step accepted: no code works twice


class RecoveryCode(Base):
    """One-time codes for when the authenticator is lost. Only a SHA-256 of each is stored."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
