"""Whether a completion earns CPT credit, and if not, a reason the officer can read.

The rules that vary by jurisdiction (cycle, repeats within a cycle) come from content/requirements. The
database facts a decision needs are read for a whole batch of completions at once (``Facts.load``), so the
poster decides fifty postings with two queries rather than two per posting.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from learning_portal.accounts.models import Jurisdiction, Person
from learning_portal.catalog.models import CourseVersion, CreditMode, ItemKind
from learning_portal.certification import services as certification
from learning_portal.formatting import human_date
from learning_portal.learning.models import Completion, CompletionSource
from learning_portal.quizzes.models import QuizAttempt
from learning_portal.records.models import TrainingRecord
from learning_portal.records.services import cycle_for

NO_CPT = "Recorded, without CPT hours: "  # how a reason for a record without CPT begins


class MissingJurisdictionError(RuntimeError):
    """The agency's jurisdiction has no rules loaded: retried until content/requirements defines it."""


@dataclass(frozen=True)
class Decision:
    eligible: bool  # a record is written (it counts for the mandates the course satisfies)
    reason: str = ""
    cpt: bool = True  # ... and its hours count toward CPT (False: the reason says why not)


@dataclass
class Facts:
    """What the decisions for a set of completions read from the database."""

    passed: set[tuple[int, int]]  # (enrollment id, quiz id) with a passing attempt
    credited: dict[tuple[int, int], list[date]] = field(default_factory=lambda: defaultdict(list))
    # ^ (person id, course id): completion days of the posted, not withdrawn records that earned CPT
    certified_until: dict[int, date] = field(default_factory=dict)  # course id: its certification's last day

    @classmethod
    def load(cls, session: Session, completions: list[Completion]) -> Facts:
        facts = cls(set())
        if not completions:
            return facts
        facts.passed.update((enrollment_id, quiz_id) for enrollment_id, quiz_id in session.execute(
            select(QuizAttempt.enrollment_id, QuizAttempt.quiz_id).where(
                QuizAttempt.enrollment_id.in_({c.enrollment_id for c in completions}), QuizAttempt.passed.is_(True))))
        people, courses = {c.person_id for c in completions}, {c.course_id for c in completions}
        for person_id, course_id, day in session.execute(
                select(TrainingRecord.person_id, TrainingRecord.course_id, TrainingRecord.completed_on).where(
                    TrainingRecord.person_id.in_(people), TrainingRecord.course_id.in_(courses),
                    TrainingRecord.posting_id.is_not(None), TrainingRecord.withdrawn_at.is_(None),
                    TrainingRecord.cpt_credited.is_(True))):
            facts.credited[(person_id, course_id)].append(day)
        facts.certified_until = certification.certified_until(session, courses)
        return facts

    def credit(self, person_id: int, course_id: int, day: date) -> None:
        """A record decided in this batch counts for the decisions after it."""
        self.credited[(person_id, course_id)].append(day)


def decide(completion: Completion, person: Person, jurisdiction: Jurisdiction | None, facts: Facts, *,
           credit_samples: bool = True) -> Decision:
    """``jurisdiction`` is the person's agency's, or None when its rules are not loaded. Sample courses (made-up
    course numbers) are credited only where ``credit_samples`` (the demo) says so."""
    version: CourseVersion = completion.course_version
    if version.credit_mode is CreditMode.NONE or version.cpt_hours <= 0:
        return Decision(False, "This course carries no CPT credit.")
    if version.is_sample and not credit_samples:
        return Decision(False, "This is a sample course with a made-up course number: it is not certified and "
                               "earns no CPT credit outside the demonstration portal.")
    if completion.source is CompletionSource.ONLINE and version.credit_mode is CreditMode.ROSTER:
        return Decision(False, "Credit for this course is posted from the roster of the in-person or facilitated "
                               "session, not from the online part.")
    if not _assessments_passed(completion, version, facts):
        return Decision(False, "The course assessment was not passed.")
    if person.agency is None:
        return Decision(False, "Your account has no agency, so there is no training profile to credit.")
    if jurisdiction is None:
        raise MissingJurisdictionError(f"No credit rules for jurisdiction {person.agency.jurisdiction}: import its "
                                       "definition into content/requirements, then retry.")
    until = facts.certified_until.get(completion.course_id)
    if until is not None and jurisdiction.local_date(completion.completed_at) > until:
        return Decision(True, f"{NO_CPT}the course's certification ended on "
                              f"{human_date(until)}, before you completed it.", cpt=False)
    if not jurisdiction.repeat_credit_in_cycle:
        # Recording is not crediting: the completion is recorded and counts for its mandates (an annual pursuit
        # course in a cycle's second year); only its CPT hours are not counted again.
        cycle = cycle_for(jurisdiction.local_date(completion.completed_at), months=jurisdiction.cycle_months,
                          anchor=jurisdiction.cycle_anchor)
        earlier = [day for day in facts.credited.get((person.id, completion.course_id), ())
                   if cycle.start <= day <= cycle.end]
        if earlier:
            return Decision(True, f"{NO_CPT}you already earned CPT for this course in the "
                                  f"{cycle.label} cycle (completed {human_date(min(earlier))}), and "
                                  f"{jurisdiction.code} does not credit the same course twice in one cycle.", cpt=False)
    return Decision(True)


def _assessments_passed(completion: Completion, version: CourseVersion, facts: Facts) -> bool:
    if completion.source is CompletionSource.ROSTER:
        return True  # roster credit attests attendance; the instructor assessed in person
    return all((completion.enrollment_id, item.id) in facts.passed
               for item in version.items if item.kind is ItemKind.QUIZ and item.is_required)


def assignment_credit(session: Session, version: CourseVersion, person_ids: list[int],
                      jurisdiction: Jurisdiction | None, *, today: date,
                      credit_samples: bool) -> tuple[str | None, dict[int, str]]:
    """Before assigning: why completing the course would earn these people no CPT, as ``decide`` will rule.
    Returns a reason that holds for everyone (or None) and reasons for some of them (a repeat in the cycle)."""
    if version.credit_mode is CreditMode.NONE or version.cpt_hours <= 0:
        return "This course carries no CPT credit.", {}
    if version.is_sample and not credit_samples:
        return "This is a sample course with a made-up course number: it earns no CPT credit.", {}
    if version.credit_mode is CreditMode.ROSTER:
        return ("Credit for this course is posted from the roster of an in-person or facilitated session, not "
                "from completing it online."), {}
    until = certification.certified_until(session, {version.course_id}).get(version.course_id)
    if until is not None and today > until:
        return f"The course's certification ended on {human_date(until)}: completing it now earns no CPT hours.", {}
    if jurisdiction is None or jurisdiction.repeat_credit_in_cycle or not person_ids:
        return None, {}
    cycle = cycle_for(today, months=jurisdiction.cycle_months, anchor=jurisdiction.cycle_anchor)
    found: dict[int, str] = {}
    for start in range(0, len(person_ids), 1000):
        for person_id, day in session.execute(
                select(TrainingRecord.person_id, func.min(TrainingRecord.completed_on)).where(
                    TrainingRecord.person_id.in_(person_ids[start:start + 1000]),
                    TrainingRecord.course_id == version.course_id, TrainingRecord.posting_id.is_not(None),
                    TrainingRecord.withdrawn_at.is_(None), TrainingRecord.cpt_credited.is_(True),
                    TrainingRecord.completed_on >= cycle.start, TrainingRecord.completed_on <= cycle.end)
                .group_by(TrainingRecord.person_id)):
            found[person_id] = (f"Already earned CPT for this course in the {cycle.label} cycle "
                                f"({human_date(day)}): a repeat is recorded without CPT hours.")
    return None, found
