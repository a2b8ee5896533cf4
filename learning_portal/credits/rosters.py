"""Amending a credited roster (credit's part, since it withdraws records): who, when, why, and the record
added or withdrawn. The roster itself is never edited after it credited."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from learning_portal.accounts.models import Person, Role
from learning_portal.audit import services as audit
from learning_portal.credits.models import CreditPosting
from learning_portal.errors import ConflictError, PermissionDeniedError, ValidationError
from learning_portal.learning import services as learning
from learning_portal.records.models import TrainingRecord
from learning_portal.sessions.models import (
    AmendmentAction,
    Attendance,
    AttendanceMethod,
    AttendanceStatus,
    RosterAmendment,
    SessionStatus,
    TrainingSession,
)
from learning_portal.sessions.services import admits, can_manage


def amend_roster(db: Session, *, ts: TrainingSession, actor: Person, person: Person, action: str, reason: str,
                 now: datetime) -> RosterAmendment:
    """A correction to a credited roster, recorded (who, when, why): add someone who was present (credited now)
    or withdraw someone who was not (their record from it is withdrawn). Never a silent edit."""
    if ts.status is not SessionStatus.SUBMITTED:
        raise ConflictError("Only a credited roster is amended; before that, correct the attendance itself.")
    if not (actor.id == ts.instructor_id or can_manage(actor, ts) or actor.has_role(Role.ADMINISTRATOR)
            or (actor.has_role(Role.TRAINING_MANAGER) and actor.agency_id == ts.agency_id)):
        raise PermissionDeniedError("The instructor, the host agency's training manager or an administrator "
                                    "amends a roster.")
    reason = " ".join(reason.split())
    if len(reason) < 5:
        raise ValidationError("Say why the roster is amended.", details={"reason": "5 characters or more."})
    attendance = next((a for a in ts.attendances if a.person_id == person.id), None)
    amendment = RosterAmendment(session_id=ts.id, person_id=person.id, action=AmendmentAction(action),
                                reason=reason[:500], by_id=actor.id, at=now)
    if amendment.action is AmendmentAction.ADD:
        if attendance is not None and attendance.completion_id is not None:
            raise ConflictError(f"{person.full_name} is credited on this roster already.")
        if not admits(ts, person):
            raise ValidationError(f"{person.full_name} is not of an agency this session was open to.")
        if attendance is None:
            attendance = Attendance(person_id=person.id, status=AttendanceStatus.PRESENT,
                                    method=AttendanceMethod.INSTRUCTOR, recorded_at=now, recorded_by_id=actor.id)
            ts.attendances.append(attendance)
        attendance.status = AttendanceStatus.PRESENT
        completion = learning.record_roster_completion(
            db, person_id=person.id, version=ts.course_version, completed_at=ts.starts_at, now=now,
            note=f"{ts.kind.label} session {ts.id}, {ts.location} (roster amended)")
        attendance.completion_id = amendment.completion_id = completion.id
    else:
        if attendance is None or attendance.completion_id is None:
            raise ConflictError(f"{person.full_name} was not credited on this roster.")
        record = db.scalar(select(TrainingRecord).join(CreditPosting, CreditPosting.id == TrainingRecord.posting_id)
                           .where(CreditPosting.completion_id == attendance.completion_id))
        if record is None:
            raise ConflictError("The credit is still being posted; amend the roster again in a minute.")
        if record.withdrawn_at is None:
            record.withdrawn_at, record.withdrawn_reason = now, f"Roster of session {ts.id} amended: {reason}"[:300]
        db.execute(update(Person).where(Person.id == person.id).values(revision=Person.revision + 1))
        amendment.record_id = record.id
    db.add(amendment)
    db.flush()
    audit.record(db, "roster.amended", actor_id=actor.id, subject_id=person.id, now=now,
                 target=f"training_session:{ts.id}", details={"action": action, "reason": reason[:500]})
    return amendment
