"""Whether a completion earns CPT credit, and if not, a reason the officer can read.

The rules that vary by jurisdiction (cycle, repeats within a cycle) come from content/requirements.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from learning_portal.accounts.models import Jurisdiction, Person
from learning_portal.catalog.models import CourseVersion, CreditMode, ItemKind
from learning_portal.formatting import human_date
from learning_portal.learning.models import Completion, CompletionSource
from learning_portal.quizzes.models import QuizAttempt
from learning_portal.records.models import TrainingRecord
from learning_portal.records.services import cycle_for


class MissingJurisdictionError(RuntimeError):
    """The agency's jurisdiction has no rules loaded: retried until content/requirements defines it."""


@dataclass(frozen=True)
class Decision:
    eligible: bool
    reason: str = ""


def decide(session: Session, *, completion: Completion, person: Person) -> Decision:
    version: CourseVersion = completion.course_version
    if version.credit_mode is CreditMode.NONE or version.cpt_hours <= 0:
        return Decision(False, "This course carries no CPT credit.")
    if completion.source is CompletionSource.ONLINE and version.credit_mode is CreditMode.ROSTER:
        return Decision(False, "Credit for this course is posted from the roster of the in-person or facilitated "
                               "session, not from the online part.")
    if not _assessments_passed(session, completion, version):
        return Decision(False, "The course assessment was not passed.")
    if person.agency is None:
        return Decision(False, "Your account has no agency, so there is no training profile to credit.")
    jurisdiction = session.get(Jurisdiction, person.agency.jurisdiction)
    if jurisdiction is None:
        raise MissingJurisdictionError(f"No credit rules for jurisdiction {person.agency.jurisdiction}: import its "
                                       "definition into content/requirements, then retry.")
    if not jurisdiction.repeat_credit_in_cycle:
        earlier = _earlier_credit_in_cycle(session, completion, person, jurisdiction)
        if earlier is not None:
            cycle = cycle_for(jurisdiction.local_date(completion.completed_at), months=jurisdiction.cycle_months,
                              anchor=jurisdiction.cycle_anchor)
            return Decision(False, f"You already earned CPT for this course in the {cycle.label} cycle "
                                   f"(completed {human_date(earlier)}); {jurisdiction.code} does not credit the same "
                                   "course twice in one cycle.")
    return Decision(True)


def _assessments_passed(session: Session, completion: Completion, version: CourseVersion) -> bool:
    quiz_ids = [item.id for item in version.items if item.kind is ItemKind.QUIZ and item.is_required]
    if not quiz_ids or completion.source is CompletionSource.ROSTER:
        return True  # roster credit attests attendance; the instructor assessed in person
    passed = set(session.scalars(select(QuizAttempt.quiz_id).where(
        QuizAttempt.enrollment_id == completion.enrollment_id, QuizAttempt.quiz_id.in_(quiz_ids),
        QuizAttempt.passed.is_(True))))
    return passed == set(quiz_ids)


def _earlier_credit_in_cycle(session: Session, completion: Completion, person: Person,
                             jurisdiction: Jurisdiction) -> date | None:
    day = jurisdiction.local_date(completion.completed_at)
    cycle = cycle_for(day, months=jurisdiction.cycle_months, anchor=jurisdiction.cycle_anchor)
    return session.scalar(select(TrainingRecord.completed_on).where(
        TrainingRecord.person_id == person.id, TrainingRecord.course_id == completion.course_id,
        TrainingRecord.completed_on >= cycle.start, TrainingRecord.completed_on <= cycle.end,
        TrainingRecord.posting_id.is_not(None), TrainingRecord.withdrawn_at.is_(None))
        .order_by(TrainingRecord.completed_on).limit(1))
