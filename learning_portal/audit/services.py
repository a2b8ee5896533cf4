"""Appending to the audit log and verifying its chain.

``record`` runs inside the caller's transaction, so an action and its entry commit (or roll back) together.
It updates the head row before anything else, so concurrent appends queue on that row (a row lock on
PostgreSQL, the write lock on SQLite) and the chain never forks.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from learning_portal.audit.models import AuditEntry, AuditHead

GENESIS = "0" * 64  # the hash before the first entry
# Every action the portal records, with what it means (the audit search offers these; SECURITY.md lists them).
ACTIONS = {
    "sign_in": "Signed in (form or API token)",
    "sign_out": "Signed out: every browser session of the account ended",
    "sign_in.failed": "A sign-in was refused (unknown username, wrong password or code, locked or disabled)",
    "account.locked": "An account was locked after repeated failures",
    "check_in.failed": "A check-in code was wrong (counted toward the check-in limits)",
    "two_factor.enabled": "Two-factor sign-in was turned on",
    "two_factor.disabled": "Two-factor sign-in was turned off or reset",
    "two_factor.recovery_code_used": "A recovery code was used to sign in",
    "two_factor.recovery_codes_renewed": "New recovery codes replaced the old ones",
    "account.created": "An account was created",
    "account.password_set": "A password was set or changed",
    "account.invited": "Someone was e-mailed an invitation to set their password",
    "password_reset.requested": "A password reset was asked for (the account, or a hash of the name given)",
    "account.link_used": "An e-mailed invitation or reset link was used to set a password",
    "accounts.imported": "People were imported from a CSV file",
    "account.left": "Someone was recorded as having left: their account is closed",
    "account.reopened": "A leaving was undone, or someone was re-hired: their account is open again",
    "agency.records_start": "An administrator set where an agency's training records start in the portal",
    "assignment_rule.created": "An assignment rule was made for an agency",
    "assignment_rule.ended": "An assignment rule was turned off",
    "assignment_rule.ran": "An assignment rule assigned a course to the people it selects",
    "external.submitted": "Training taken elsewhere, or a missing record, was submitted with its proof",
    "external.decided": "Training taken elsewhere was approved (a record written) or returned with a comment",
    "roster.approved": "A roster waiting for approval was approved, crediting everyone present",
    "roster.amended": "A credited roster was amended: someone added (credited) or withdrawn (record withdrawn)",
    "quiz.extra_time": "Extra time on timed quizzes was granted to a person, changed or taken away (with why)",
    "notices.settings": "A person turned kinds of notice off or on",
    "assignment.changed": "An assignment's due date was changed, or it was cancelled or excused (with why)",
    "person.updated": "A person's details, roles, assignments or rank were changed (what, from when)",
    "person.transferred": "Someone moved to another agency (from, to, on)",
    "account.purged": "The personal data of someone who left long ago was removed (retention)",
    "agency.created": "An agency was created",
    "courses.imported": "Course packages were imported from a zip",
    "courses.published": "A course's draft version was published",
    "scorm.uploaded": "A SCORM package was uploaded",
    "personal_data.viewed": "Someone opened another person's record",
    "compliance.exported": "An agency's compliance was exported",
    "roster.exported": "A session roster was downloaded",
    "roster.submitted": "A roster was submitted (or imported), crediting those present",
    "exemption.granted": "An exemption from a requirement was granted",
    "exemption.revoked": "An exemption was ended",
    "course.assigned": "A course was assigned to people",
    "dispute.opened": "Someone contested one of their training records",
    "dispute.resolved": "A dispute was resolved (an accepted one withdraws the record, maybe with a correction)",
    "enrollment.new_start": "A learner was allowed to start a course over",
    "api_token.issued": "An administrator issued a system token (its scopes and agency in the details)",
    "api_token.revoked": "A system token was revoked",
    "records.exported": "An agency's training records were read through the API (by a person or a system token)",
    "records.received": "A system token posted a training record (the token in the details)",
    "records.imported": "An agency's training history was imported from CSV (how many added)",
    "records.reconciled": "An administrator compared an agency's records with the receiving portal's",
    "certification.step": "A certification request moved on (submitted, returned, certified, denied)",
    "certification.granted": "A person was made a course coordinator of a presenter or a certification consultant",
    "records.resent": "An administrator queued records to be sent again to the receiving portal",
}
# The client address of the web request being served, set by the web layer (services never see requests).
client_address: ContextVar[str | None] = ContextVar("client_address", default=None)


def record(session: Session, action: str, *, actor_id: int | None, now: datetime, subject_id: int | None = None,
           target: str = "", details: Mapping[str, Any] | None = None) -> AuditEntry:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}: add it to ACTIONS")
    head = AuditHead.__table__
    seq, prev = session.execute(update(head).where(head.c.id == 1).values(seq=head.c.seq + 1)
                                .returning(head.c.seq, head.c.hash)).one()
    entry = AuditEntry(seq=seq, at=now.astimezone(UTC), action=action, actor_id=actor_id, subject_id=subject_id,
                       target=target, details=dict(details or {}), address=client_address.get(), prev_hash=prev)
    entry.hash = entry_hash(entry)
    session.execute(update(head).where(head.c.id == 1).values(hash=entry.hash))
    session.add(entry)
    session.flush()
    return entry


def recent_times(session: Session, action: str, *where: ColumnElement[bool], since: datetime,
                 limit: int) -> list[datetime]:
    """When ``action`` was recorded after ``since`` for entries matching ``where``, newest first, at most
    ``limit``: the counts behind the sign-in and check-in limits."""
    return list(session.scalars(select(AuditEntry.at).where(AuditEntry.action == action, AuditEntry.at > since,
                                                             *where)
                                .order_by(AuditEntry.at.desc()).limit(limit)))


def viewed(session: Session, *, actor_id: int, subject_id: int, what: str, now: datetime) -> None:
    """Someone looked at another person's personal data (looking at one's own is not recorded)."""
    if actor_id != subject_id:
        record(session, "personal_data.viewed", actor_id=actor_id, subject_id=subject_id, target=what, now=now)


def entry_hash(entry: Any) -> str:
    """The hash of an entry (an AuditEntry or a row of the table) and the link to the one before."""
    payload = json.dumps([entry.seq, entry.at.astimezone(UTC).isoformat(timespec="microseconds"), entry.action,
                          entry.actor_id, entry.subject_id, entry.target, entry.details, entry.address,
                          entry.prev_hash], sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class Verification:
    checked: int
    head_hash: str
    broken_at: int | None = None  # the first entry whose link does not hold
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify(session: Session, *, batch: int = 5000) -> Verification:
    """Walk the chain from the first entry; report the first entry that is missing, altered or out of place."""
    prev, expected, checked = GENESIS, 1, 0
    for entry in _entries(session, batch):
        if entry.seq != expected:
            return Verification(checked, prev, expected, f"Entry {expected} is missing.")
        if entry.prev_hash != prev:
            return Verification(checked, prev, entry.seq, f"Entry {entry.seq} does not link to entry {expected - 1}.")
        if entry_hash(entry) != entry.hash:
            return Verification(checked, prev, entry.seq, f"Entry {entry.seq} was altered after it was written.")
        prev, expected, checked = entry.hash, expected + 1, checked + 1
    head = session.get(AuditHead, 1)
    if head is None or head.seq != checked or head.hash != prev:
        return Verification(checked, prev, checked + 1, f"Entries after {checked} were removed (the head records "
                                                         f"{head.seq if head else 0}).")
    return Verification(checked, prev)


def _entries(session: Session, batch: int) -> Iterator[Any]:
    """Rows (not ORM objects, so nothing piles up in the session), in chain order, a batch at a time."""
    table, last = AuditEntry.__table__, 0
    while True:
        rows = session.execute(select(table).where(table.c.seq > last).order_by(table.c.seq).limit(batch)).all()
        yield from rows
        if len(rows) < batch:
            return
        last = rows[-1].seq
