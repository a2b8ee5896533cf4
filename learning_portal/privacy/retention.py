"""The retention purge: people who left more than RETENTION_YEARS_AFTER_LEAVING years ago lose their personal
data. Their training records, completions and attendances stay, now anonymous, so statistics (who trained in
what, per agency, role and year) still add up; free text they or others wrote about them is cleared, documents
are deleted, and their sign-in material and links, e-mail and xAPI statements go. The audit log keeps its
entries (they name ids, not people)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from learning_portal.accounts.localdate import today_in
from learning_portal.accounts.models import Agency, ApiToken, Person, PersonTerm, RecoveryCode, TwoFactor
from learning_portal.audit import services as audit
from learning_portal.compliance import services as compliance
from learning_portal.compliance.engine import add_months
from learning_portal.compliance.models import Exemption
from learning_portal.invitations.models import SignInLink
from learning_portal.mail.models import OutgoingMail
from learning_portal.notices.models import NoticeOptOut, Notification
from learning_portal.records.models import Dispute
from learning_portal.xapi.models import XapiStatement

REMOVED = "(removed under the retention policy)"


def due(session: Session, *, years: int, now: datetime) -> list[int]:
    """Ids of people whose personal data is due for removal: they left more than ``years`` before today where
    their agency is."""
    left = session.execute(select(Person.id, Person.left_on, Agency.jurisdiction).outerjoin(Agency).where(
        Person.left_on.is_not(None), Person.purged_at.is_(None)).order_by(Person.id)).all()
    cutoffs = {j: add_months(today_in(session, j, now), -12 * years) for j in {row.jurisdiction for row in left}}
    return [row.id for row in left if row.left_on < cutoffs[row.jurisdiction]]


def purge(session: Session, storage, person_id: int, *, now: datetime) -> None:  # noqa: ANN001
    person = session.get(Person, person_id)
    person.first_name, person.last_name = "Former member", f"#{person.id}"
    person.username, person.post_id = f"purged-{person.id}", f"PURGED-{person.id}"
    person.email = person.password_hash = None
    person.hire_date = person.promotion_date = person.assigned_on = None
    person.roles_held = dict.fromkeys(person.roles_held or {})  # what was held stays, not since when
    person.assignments_held = dict.fromkeys(person.assignments_held or {})
    person.is_enabled, person.purged_at = False, now
    compliance.forget(session, person.id)
    # Agency memberships stay: they say which agency may read which of the (now anonymous) records.
    for model in (TwoFactor, RecoveryCode, ApiToken, XapiStatement, SignInLink, OutgoingMail, PersonTerm, Notification,
                  NoticeOptOut):
        session.execute(delete(model).where(model.person_id == person.id))
    for dispute in session.scalars(select(Dispute).where(Dispute.person_id == person.id)):
        if dispute.attachment_key:
            storage.delete_prefix(dispute.attachment_key.rsplit("/", 1)[0])  # its own folder: disputes/<uuid>
        dispute.reason, dispute.attachment_key, dispute.attachment_name = REMOVED, None, None
        dispute.resolution_note = REMOVED if dispute.resolution_note else None
    session.execute(update(Exemption).where(Exemption.person_id == person.id).values(reason=REMOVED))
    audit.record(session, "account.purged", actor_id=None, subject_id=person.id, now=now)
    session.flush()


def run(session_factory: Callable[[], Session], storage, *, years: int, now: datetime,  # noqa: ANN001
        progress: Callable[[int], None] = lambda n: None) -> int:
    """Purge everyone due, one transaction per person (an interruption loses nothing: rerun to finish)."""
    with session_factory() as session:
        ids = due(session, years=years, now=now)
    for n, person_id in enumerate(ids, 1):
        with session_factory() as session:
            purge(session, storage, person_id, now=now)
            session.commit()
        progress(n)
    return len(ids)
