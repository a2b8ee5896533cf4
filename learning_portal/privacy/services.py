"""Everything the portal holds about one person, section by section, as plain values (for JSON and CSV).

Secrets are left out (password and token hashes, the two-factor key, recovery code hashes, session nonce);
everything else about the person is in. A new table with a person_id must be added here: a test checks that
every table with a person column appears (or is listed in NOT_PERSONAL with the reason).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect, or_, select
from sqlalchemy.orm import Session

from learning_portal.accounts.models import AgencyMembership, ApiToken, Person, PersonTerm, RecoveryCode, TwoFactor
from learning_portal.audit.models import AuditEntry
from learning_portal.certification.models import CertificationStep, Consultant, Coordinator
from learning_portal.compliance.models import Exemption, RequirementStatus
from learning_portal.credits.models import CreditPosting
from learning_portal.invitations.models import SignInLink
from learning_portal.learning.models import Completion, CourseAssignment, Enrollment, ItemProgress, RuleHit
from learning_portal.mail.models import OutgoingMail
from learning_portal.notices.models import NoticeOptOut, Notification
from learning_portal.quizzes.models import Accommodation, QuizAttempt
from learning_portal.records.models import Dispute, ExternalTraining, RecordChange, TrainingRecord
from learning_portal.scorm.models import ScormState
from learning_portal.sessions.models import Attendance, FacilitatorQualification, Registration, RosterAmendment
from learning_portal.xapi.models import XapiStatement

SECRET_COLUMNS = {"password_hash", "login_nonce", "token_hash", "secret", "code_hash"}
# (section, model, which rows are the person's)
SECTIONS = (
    ("training_records", TrainingRecord, lambda pid: TrainingRecord.person_id == pid),
    ("record_changes", RecordChange, lambda pid: RecordChange.person_id == pid),
    ("disputes", Dispute, lambda pid: Dispute.person_id == pid),
    ("enrollments", Enrollment, lambda pid: Enrollment.person_id == pid),
    ("item_progress", ItemProgress,
     lambda pid: ItemProgress.enrollment_id.in_(select(Enrollment.id).where(Enrollment.person_id == pid))),
    ("scorm_states", ScormState, lambda pid: ScormState.progress_id.in_(
        select(ItemProgress.id).join(Enrollment).where(Enrollment.person_id == pid))),
    ("completions", Completion, lambda pid: Completion.person_id == pid),
    ("quiz_attempts", QuizAttempt, lambda pid: QuizAttempt.person_id == pid),
    ("attendances", Attendance, lambda pid: Attendance.person_id == pid),
    ("registrations", Registration, lambda pid: Registration.person_id == pid),
    ("course_assignments", CourseAssignment, lambda pid: CourseAssignment.person_id == pid),
    ("credit_postings", CreditPosting, lambda pid: CreditPosting.person_id == pid),
    ("xapi_statements", XapiStatement, lambda pid: XapiStatement.person_id == pid),
    ("exemptions", Exemption, lambda pid: Exemption.person_id == pid),
    ("compliance_statuses", RequirementStatus, lambda pid: RequirementStatus.person_id == pid),
    ("facilitator_qualifications", FacilitatorQualification, lambda pid: FacilitatorQualification.person_id == pid),
    ("api_tokens", ApiToken, lambda pid: ApiToken.person_id == pid),
    ("two_factor", TwoFactor, lambda pid: TwoFactor.person_id == pid),
    ("recovery_codes", RecoveryCode, lambda pid: RecoveryCode.person_id == pid),
    ("email", OutgoingMail, lambda pid: OutgoingMail.person_id == pid),
    ("sign_in_links", SignInLink, lambda pid: SignInLink.person_id == pid),
    ("roles_assignments_and_ranks", PersonTerm, lambda pid: PersonTerm.person_id == pid),
    ("agency_memberships", AgencyMembership, lambda pid: AgencyMembership.person_id == pid),
    ("course_coordinator_of", Coordinator, lambda pid: Coordinator.person_id == pid),
    ("certification_consultant_for", Consultant, lambda pid: Consultant.person_id == pid),
    ("certification_steps_taken", CertificationStep, lambda pid: CertificationStep.by_id == pid),
    ("notifications", Notification, lambda pid: Notification.person_id == pid),
    ("notification_settings", NoticeOptOut, lambda pid: NoticeOptOut.person_id == pid),
    ("assignment_rule_hits", RuleHit, lambda pid: RuleHit.person_id == pid),
    ("quiz_extra_time", Accommodation, lambda pid: Accommodation.person_id == pid),
    ("external_training", ExternalTraining, lambda pid: ExternalTraining.person_id == pid),
    ("roster_amendments", RosterAmendment, lambda pid: RosterAmendment.person_id == pid),
)
# Tables with a person column that are not about that person's own data, and why.
NOT_PERSONAL = {
    "compliance_people": "bookkeeping of when statuses were computed (the statuses themselves are included)",
    "audit_entries": "included as its own section, by actor and by subject",
}


def plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _row(obj: Any) -> dict[str, Any]:
    return {c.key: plain(getattr(obj, c.key)) for c in inspect(type(obj)).column_attrs
            if c.key not in SECRET_COLUMNS}


def everything(session: Session, person: Person) -> dict[str, list[dict[str, Any]]]:
    data = {"account": [_row(person) | {"agency": person.agency.label if person.agency else None}]}
    for name, model, mine in SECTIONS:
        data[name] = [_row(o) for o in session.scalars(select(model).where(mine(person.id)))]
    data["audit_log"] = [
        _row(e) | {"about_you": e.subject_id == person.id, "by_you": e.actor_id == person.id}
        for e in session.scalars(select(AuditEntry).where(or_(AuditEntry.subject_id == person.id,
                                                              AuditEntry.actor_id == person.id))
                                 .order_by(AuditEntry.seq))]
    return data


def views_by_others(session: Session, person: Person, limit: int = 100) -> list[AuditEntry]:
    """Who opened this person's record, newest first."""
    return list(session.scalars(select(AuditEntry).where(AuditEntry.subject_id == person.id,
                                                         AuditEntry.action == "personal_data.viewed")
                                .order_by(AuditEntry.seq.desc()).limit(limit)))


def csv_files(data: dict[str, list[dict[str, Any]]]) -> Iterator[tuple[str, list[list[Any]]]]:
    """One table per section: a header of every key seen, then the rows."""
    for name, rows in data.items():
        columns = list(dict.fromkeys(k for row in rows for k in row)) or ["(none)"]
        yield f"{name}.csv", [columns] + [[_cell(row.get(c)) for c in columns] for row in rows]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return str(value)
