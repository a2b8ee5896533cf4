"""Read-only views of credit: a person's training profile, the postings list, reconciliation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from learning_portal.accounts.models import Jurisdiction, Person
from learning_portal.accounts.permissions import ALL_RECORDS, RecordsWindow
from learning_portal.credits.eligibility import NO_CPT
from learning_portal.credits.models import DUE_STATUSES, CreditPosting, PostingStatus
from learning_portal.learning.models import Completion, Enrollment
from learning_portal.quizzes.services import stuck_enrollments
from learning_portal.records.models import TrainingRecord
from learning_portal.records.services import CycleTotals, totals_by_cycle
from learning_portal.sessions.models import TrainingSession

DEFAULT_CYCLE = (24, date(2025, 1, 1))  # used only for people without a jurisdiction (commission staff)


@dataclass
class PendingCredit:
    posting: CreditPosting
    completion: Completion


@dataclass
class Profile:
    person: Person
    records: list[TrainingRecord]
    cycles: list[CycleTotals]
    jurisdiction: Jurisdiction | None
    waiting: list[PendingCredit] = field(default_factory=list)  # being posted, or retrying
    not_credited: list[PendingCredit] = field(default_factory=list)  # with the reason
    stuck: list[Enrollment] = field(default_factory=list)  # quiz attempts used up: needs a new start
    window: RecordsWindow = ALL_RECORDS  # which records are shown (a former agency sees its time only)
    time_spent: dict[int, int] = field(default_factory=dict)  # record id -> seconds the online course took
    no_cpt: dict[int, str] = field(default_factory=dict)  # record id -> why its hours earn no CPT
    presentations: dict[int, str] = field(default_factory=dict)  # record id -> the roster's session, in words


def profile(session: Session, person: Person, window: RecordsWindow = ALL_RECORDS) -> Profile:
    """The person's training profile; with a ``window`` (a former agency's view), only the records completed
    in it, and nothing of what is being posted now."""
    query = (select(TrainingRecord, Completion.seconds_spent, CreditPosting.reason, TrainingSession.kind,
                    TrainingSession.location)
             .outerjoin(CreditPosting, CreditPosting.id == TrainingRecord.posting_id)
             .outerjoin(Completion, Completion.id == CreditPosting.completion_id)
             .outerjoin(TrainingSession, TrainingSession.id == TrainingRecord.session_id)
             .where(TrainingRecord.person_id == person.id))
    if window.since is not None:
        query = query.where(TrainingRecord.completed_on >= window.since)
    if window.until is not None:
        query = query.where(TrainingRecord.completed_on <= window.until)
    rows = session.execute(query.order_by(TrainingRecord.completed_on.desc(), TrainingRecord.id.desc())).all()
    records = [record for record, *_ in rows]
    jurisdiction = session.get(Jurisdiction, person.agency.jurisdiction) if person.agency else None
    months, anchor = ((jurisdiction.cycle_months, jurisdiction.cycle_anchor) if jurisdiction else DEFAULT_CYCLE)
    result = Profile(person, records, totals_by_cycle(records, months=months, anchor=anchor), jurisdiction,
                     window=window, time_spent={r.id: spent for r, spent, *_ in rows if spent},
                     no_cpt={r.id: reason.removeprefix(NO_CPT) for r, _, reason, *_ in rows
                             if not r.cpt_credited and reason},
                     presentations={r.id: f"{kind.label}, {place}" for r, *_, kind, place in rows if kind})
    if not window.is_all:
        return result
    # Completions not posted: refused, still being posted, or not yet seen by the poster (no posting), newest first.
    rows = session.execute(
        select(CreditPosting, Completion).select_from(Completion)
        .outerjoin(CreditPosting, CreditPosting.completion_id == Completion.id)
        .where(Completion.person_id == person.id,
               or_(CreditPosting.id.is_(None), CreditPosting.status != PostingStatus.POSTED))
        .order_by(Completion.completed_at.desc()))
    unposted = []
    for posting, completion in rows:
        if posting is None:
            unposted.append(PendingCredit(None, completion))  # type: ignore[arg-type]
        else:
            target = result.not_credited if posting.status is PostingStatus.NOT_ELIGIBLE else result.waiting
            target.append(PendingCredit(posting, completion))
    result.waiting.extend(unposted)
    result.stuck = stuck_enrollments(session, person_id=person.id)
    return result


def postings_query(status: str = "") -> Select[tuple[CreditPosting]]:
    query = select(CreditPosting)
    if status in {s.value for s in PostingStatus}:
        query = query.where(CreditPosting.status == PostingStatus(status))
    return query.order_by(CreditPosting.updated_at.desc(), CreditPosting.id.desc())


def status_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(CreditPosting.status, func.count()).group_by(CreditPosting.status))
    counts = {s.value: 0 for s in PostingStatus}
    counts.update({status.value: n for status, n in rows})
    counts["unposted"] = session.scalar(
        select(func.count(Completion.id)).outerjoin(CreditPosting, CreditPosting.completion_id == Completion.id)
        .where(CreditPosting.id.is_(None))) or 0
    return counts


@dataclass(frozen=True)
class Late:
    """Postings still not done (pending or retrying) longer than the alert threshold."""

    count: int
    oldest: datetime | None
    last_error: str | None  # of the oldest


def late_postings(session: Session, *, now: datetime, older_than: timedelta) -> Late:
    due = (CreditPosting.status.in_(DUE_STATUSES), CreditPosting.created_at <= now - older_than)
    count = session.scalar(select(func.count(CreditPosting.id)).where(*due)) or 0
    oldest = session.execute(select(CreditPosting.created_at, CreditPosting.last_error).where(*due)
                             .order_by(CreditPosting.created_at, CreditPosting.id).limit(1)).first()
    return Late(count, *(oldest or (None, None)))


@dataclass(frozen=True)
class Discrepancy:
    person: Person
    problem: str
    detail: str


def reconcile(session: Session, *, limit: int = 500) -> list[Discrepancy]:
    """Officers whose completions and profile records disagree, and why."""
    found: list[Discrepancy] = []
    # Posted, but no record: the record write was lost.
    for posting, person in session.execute(
            select(CreditPosting, Person).join(Person, Person.id == CreditPosting.person_id)
            .outerjoin(TrainingRecord, TrainingRecord.posting_id == CreditPosting.id)
            .where(CreditPosting.status == PostingStatus.POSTED, TrainingRecord.id.is_(None)).limit(limit)):
        found.append(Discrepancy(person, "Posted without a record", f"Posting {posting.id} says posted, but the "
                                                                    "profile has no record for it."))
    # A completion the poster gave up on.
    for posting, person in session.execute(
            select(CreditPosting, Person).join(Person, Person.id == CreditPosting.person_id)
            .where(CreditPosting.status == PostingStatus.DEAD).limit(limit)):
        found.append(Discrepancy(person, "Credit not posted", f"Posting {posting.id} gave up after "
                                                              f"{posting.attempts} attempts: {posting.last_error}"))
    # A record whose owner differs from the completion's (should never happen).
    for record, posting, person in session.execute(
            select(TrainingRecord, CreditPosting, Person).join(
                CreditPosting, CreditPosting.id == TrainingRecord.posting_id)
            .join(Person, Person.id == TrainingRecord.person_id)
            .where(TrainingRecord.person_id != CreditPosting.person_id).limit(limit)):
        found.append(Discrepancy(person, "Record on the wrong profile", f"Record {record.id} belongs to "
                                                                        f"posting {posting.id} of someone else."))
    return found[:limit]
