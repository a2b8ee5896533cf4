"""Enrolling, recording progress, and recording a completion once every required item is done."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from learning_portal.accounts.models import Person
from learning_portal.catalog.models import Course, CourseItem, CourseVersion, ItemKind
from learning_portal.catalog.services import get_current_version
from learning_portal.errors import ConflictError, NotFoundError, ValidationError
from learning_portal.formatting import human_date
from learning_portal.learning import watching
from learning_portal.learning.models import (
    AssignmentReason,
    Completion,
    CompletionSource,
    CourseAssignment,
    Enrollment,
    ItemProgress,
)
from learning_portal.media.models import MediaAsset
from learning_portal.notices import services as notices
from learning_portal.xapi import services as xapi
from learning_portal.xapi.statements import progress as progress_result


class NotEnrolledError(ConflictError):
    code = "not_enrolled"


@dataclass(frozen=True)
class ItemOutcome:
    item_completed: bool
    course_completed: bool  # this call completed the course


def enroll(session: Session, *, person: Person, course: Course, now: datetime) -> tuple[Enrollment, bool]:
    """The person's open enrollment in ``course`` (pinned to the current version), creating it if needed.

    Returns (enrollment, created). Enrolling twice records one enrollment.
    """
    existing = open_enrollment(session, person_id=person.id, course_id=course.id)
    if existing is not None:
        return existing, False
    version = get_current_version(session, course)
    if version is None:
        raise NotFoundError("This course is not published.")
    enrollment = Enrollment(person_id=person.id, course_id=course.id, course_version_id=version.id,
                            enrolled_at=now)
    try:
        with session.begin_nested():
            session.add(enrollment)
    except IntegrityError:  # a concurrent request enrolled first
        existing = open_enrollment(session, person_id=person.id, course_id=course.id)
        if existing is None:
            raise
        return existing, False
    return enrollment, True


def open_enrollment(session: Session, *, person_id: int, course_id: int) -> Enrollment | None:
    return session.scalar(select(Enrollment).where(Enrollment.person_id == person_id,
                                                   Enrollment.course_id == course_id,
                                                   Enrollment.completed_at.is_(None), Enrollment.closed_at.is_(None)))


def close_enrollment(session: Session, *, enrollment: Enrollment, now: datetime) -> None:
    """End an open enrollment without a completion; the learner's next enroll starts afresh."""
    if enrollment.completed_at is not None or enrollment.closed_at is not None:
        raise ConflictError("This enrollment is already finished.")
    enrollment.closed_at = now
    session.flush()


def latest_enrollment(session: Session, *, person_id: int, course_id: int) -> Enrollment | None:
    """The open enrollment if there is one, otherwise the most recently completed."""
    return open_enrollment(session, person_id=person_id, course_id=course_id) or session.scalar(
        select(Enrollment).where(Enrollment.person_id == person_id, Enrollment.course_id == course_id,
                                 Enrollment.completed_at.is_not(None))
        .order_by(Enrollment.completed_at.desc()).limit(1))


def enrollment_for_item(session: Session, *, person: Person, item: CourseItem) -> Enrollment:
    """The person's enrollment on the version ``item`` belongs to (open first, else latest)."""
    enrollment = session.scalar(
        select(Enrollment).where(Enrollment.person_id == person.id, Enrollment.closed_at.is_(None),
                                 Enrollment.course_version_id == item.course_version_id)
        .order_by(Enrollment.completed_at.is_not(None), Enrollment.enrolled_at.desc()).limit(1))
    if enrollment is None:
        raise NotEnrolledError("Enroll in the course first.")
    return enrollment


def item_in_enrollment(enrollment: Enrollment, item_id: int) -> CourseItem:
    for item in enrollment.course_version.items:
        if item.id == item_id:
            return item
    raise NotFoundError("This item is not part of the course version you are taking.")


def open_item(session: Session, *, enrollment: Enrollment, item: CourseItem, now: datetime) -> ItemProgress:
    """Note that the learner opened ``item`` (for 'resume where you left off')."""
    progress = _progress(session, enrollment, item, now)
    enrollment.last_item_id = item.id
    session.flush()
    return progress


def launch(session: Session, *, enrollment: Enrollment, item: CourseItem, now: datetime) -> ItemProgress:
    """The learner opened ``item`` to take it (a page, the player, a package): noted, and told to the LRS."""
    progress = open_item(session, enrollment=enrollment, item=item, now=now)
    _tell(session, enrollment, "launched", item, now=now)
    return progress


def mark_lesson_viewed(session: Session, *, enrollment: Enrollment, item: CourseItem, now: datetime) -> ItemOutcome:
    """A lesson counts once it is open (the course's order) and the learner has spent its minimum time on it,
    as the server measured it (``heartbeat``); a client saying so is not enough."""
    if item.kind is not ItemKind.LESSON:
        raise ValidationError("Only lessons are marked as viewed; a quiz is completed by passing it, a SCORM "
                              "package by what it reports.")
    require_open(enrollment, item)
    progress = _progress(session, enrollment, item, now)
    if progress.completed_at is None and item.min_seconds and progress.active_s < item.min_seconds:
        raise SeatTimeError(f"This lesson asks for at least {minutes(item.min_seconds)} on the page; you have spent "
                            f"{minutes(progress.active_s)} so far. Keep it open and read on.",
                            details={"active_s": round(progress.active_s), "min_seconds": item.min_seconds})
    return complete_item(session, enrollment=enrollment, item=item, now=now)


HEARTBEAT_MAX_S = 30.0  # one heartbeat counts this long at most (the page beats every 15 s while visible)


class SeatTimeError(ConflictError):
    code = "seat_time"


class OutOfOrderError(ConflictError):
    code = "out_of_order"


def minutes(seconds: float) -> str:
    whole = int(seconds // 60)
    return f"{whole} minute{'s' if whole != 1 else ''}" if whole else f"{int(seconds)} seconds"


def heartbeat(session: Session, *, enrollment: Enrollment, item: CourseItem, now: datetime) -> ItemProgress:
    """The lesson page is open and visible: the time since the last beat counts, up to HEARTBEAT_MAX_S (a tab
    left in the background, or a burst of beats, adds nothing more)."""
    require_open(enrollment, item)
    progress = _progress(session, enrollment, item, now)
    if progress.last_seen_at is not None:
        progress.active_s += max(0.0, min((now - progress.last_seen_at).total_seconds(), HEARTBEAT_MAX_S))
    progress.last_seen_at = now
    session.flush()
    return progress


def waiting_on(enrollment: Enrollment, item: CourseItem) -> CourseItem | None:
    """In a course taken in order, the first required item before ``item`` not yet done (None: it is open)."""
    version = enrollment.course_version
    if not version.in_order:
        return None
    done = {p.item_id for p in enrollment.progress if p.completed_at is not None}
    return next((i for i in version.items if i.position < item.position and i.is_required and i.id not in done),
                None)


def require_open(enrollment: Enrollment, item: CourseItem) -> None:
    first = waiting_on(enrollment, item)
    if first is not None:
        what = "the final assessment" if item.kind is ItemKind.QUIZ else f"“{item.title}”"
        raise OutOfOrderError(f"This course is taken in order: finish “{first.title}” before {what}.",
                              details={"waiting_on": first.id})


def complete_item(session: Session, *, enrollment: Enrollment, item: CourseItem, now: datetime) -> ItemOutcome:
    """Mark ``item`` done (idempotent); record the completion when it was the last required item."""
    progress = _progress(session, enrollment, item, now)
    first_time = progress.completed_at is None
    if first_time:
        progress.completed_at = now
        _tell(session, enrollment, "completed", item, now=now, result={"completion": True})
    enrollment.last_item_id = item.id
    session.flush()
    course_completed = _complete_if_done(session, enrollment, now)
    if first_time and not course_completed:
        done, total = progress_counts(enrollment)
        _tell(session, enrollment, "progressed", now=now, result=progress_result(100 * done / max(total, 1)))
    return ItemOutcome(item_completed=first_time, course_completed=course_completed)


def progress_counts(enrollment: Enrollment) -> tuple[int, int]:
    """(required items done, required items in all) for the enrollment's version."""
    done_ids = {p.item_id for p in enrollment.progress if p.completed_at is not None}
    required = enrollment.course_version.required_items
    return sum(1 for item in required if item.id in done_ids), len(required)


def next_item(enrollment: Enrollment) -> CourseItem | None:
    """Where to resume: the first required item not done yet, else the last opened, else the first."""
    done_ids = {p.item_id for p in enrollment.progress if p.completed_at is not None}
    items = enrollment.course_version.items
    for item in items:
        if item.is_required and item.id not in done_ids:
            return item
    by_id = {item.id: item for item in items}
    return by_id.get(enrollment.last_item_id or -1) or (items[0] if items else None)


def video_asset(session: Session, item: CourseItem) -> MediaAsset:
    """The published video a video item shows."""
    asset = session.scalar(select(MediaAsset).where(MediaAsset.slug == item.media_slug))
    if asset is None or not asset.is_published or not asset.duration_s:
        raise NotFoundError("This video is not available yet.")
    return asset


def open_video_session(session: Session, *, enrollment: Enrollment, item: CourseItem, now: datetime) -> ItemProgress:
    """The player opened the video: a new viewing session, whose real time bounds what reports may claim."""
    progress = launch(session, enrollment=enrollment, item=item, now=now)
    progress.session_started_at, progress.session_gained_s = now, 0.0
    session.flush()
    return progress


def record_video_progress(session: Session, *, enrollment: Enrollment, item: CourseItem, watched: object,
                          position_s: object, now: datetime) -> ItemOutcome:
    """Merge the player's watched intervals after checking them; complete the item at its coverage."""
    require_open(enrollment, item)
    if item.kind is not ItemKind.VIDEO:
        raise ValidationError("Only videos take watched intervals.")
    asset = video_asset(session, item)
    progress = _progress(session, enrollment, item, now)
    if progress.session_started_at is None:
        raise ValidationError("Open the video before reporting progress.")
    state = watching.WatchState(tuple(tuple(i) for i in progress.watched), progress.position_s,
                                progress.session_gained_s)
    try:
        new = watching.apply_report(state, intervals=watching.parse_intervals(watched), position_s=position_s,
                                    duration_s=asset.duration_s, allow_skip_ahead=item.allow_skip_ahead,
                                    elapsed_s=(now - progress.session_started_at).total_seconds())
    except watching.WatchReportError as exc:
        raise ValidationError(str(exc), details={"watched": str(exc)}) from exc
    progress.watched = [list(i) for i in new.watched]
    progress.position_s, progress.session_gained_s = new.position_s, new.session_gained_s
    enrollment.last_item_id = item.id
    session.flush()
    coverage = new.coverage(asset.duration_s)
    if coverage >= (item.coverage or watching.DEFAULT_COVERAGE):
        return complete_item(session, enrollment=enrollment, item=item, now=now)
    if int(coverage * 10) > int(state.coverage(asset.duration_s) * 10):  # told in steps of a tenth, not per report
        _tell(session, enrollment, "progressed", item, now=now, result=progress_result(100 * coverage))
    return ItemOutcome(item_completed=False, course_completed=False)


def get_completion(session: Session, enrollment: Enrollment) -> Completion | None:
    return session.scalar(select(Completion).where(Completion.enrollment_id == enrollment.id))


def _progress(session: Session, enrollment: Enrollment, item: CourseItem, now: datetime) -> ItemProgress:
    if item.course_version_id != enrollment.course_version_id:
        raise NotFoundError("This item is not part of the course version you are taking.")
    for progress in enrollment.progress:
        if progress.item_id == item.id:
            return progress
    progress = ItemProgress(enrollment_id=enrollment.id, item_id=item.id, started_at=now)
    try:
        with session.begin_nested():
            session.add(progress)
    except IntegrityError:  # opened concurrently in another request
        progress = session.scalar(select(ItemProgress).where(ItemProgress.enrollment_id == enrollment.id,
                                                             ItemProgress.item_id == item.id))
    if progress not in enrollment.progress:
        enrollment.progress.append(progress)
    return progress


def seconds_spent(enrollment: Enrollment) -> int:
    """The time measured on the enrollment's items: lessons' time on the page, videos' seconds watched."""
    total = 0.0
    for progress in enrollment.progress:
        total += progress.active_s or 0.0
        total += sum(end - start for start, end in watching.merge([tuple(pair) for pair in progress.watched or []]))
    return round(total)


def _complete_if_done(session: Session, enrollment: Enrollment, now: datetime) -> bool:
    if enrollment.completed_at is not None:
        return False
    done, total = progress_counts(enrollment)
    if done < total:
        return False
    completion = Completion(enrollment_id=enrollment.id, person_id=enrollment.person_id,
                            course_id=enrollment.course_id, course_version_id=enrollment.course_version_id,
                            source=CompletionSource.ONLINE, completed_at=now, seconds_spent=seconds_spent(enrollment))
    try:
        with session.begin_nested():
            session.add(completion)
            enrollment.completed_at = now
    except IntegrityError:  # completed concurrently: one completion only
        session.refresh(enrollment)
        return False
    _fulfil_assignments(session, completion)
    _tell(session, enrollment, "completed", now=now, result={"completion": True}, extensions={"source": "online"})
    return True


def record_roster_completion(session: Session, *, person_id: int, version: CourseVersion, completed_at: datetime,
                             note: str, now: datetime) -> Completion:
    """A completion attested by a roster: an enrollment finished on the spot, pinned to ``version``.

    The caller guarantees it is recorded once (a roster is submitted once, under a lock).
    """
    enrollment = Enrollment(person_id=person_id, course_id=version.course_id, course_version_id=version.id,
                            enrolled_at=now, completed_at=completed_at)
    session.add(enrollment)
    session.flush()
    completion = Completion(enrollment_id=enrollment.id, person_id=person_id, course_id=version.course_id,
                            course_version_id=version.id, source=CompletionSource.ROSTER,
                            completed_at=completed_at, note=note[:200])
    session.add(completion)
    session.flush()
    _fulfil_assignments(session, completion)
    _tell(session, enrollment, "completed", now=now, timestamp=completed_at, result={"completion": True},
          extensions={"source": "roster"})
    return completion


def _tell(session: Session, enrollment: Enrollment, verb: str, item: CourseItem | None = None, *, now: datetime,
          **statement: object) -> None:
    """An xAPI statement about this enrollment (a no-op where no LRS is configured)."""
    xapi.emit(session, person_id=enrollment.person_id, verb=verb, version=enrollment.course_version, item=item,
              enrollment_id=enrollment.id, now=now, **statement)  # type: ignore[arg-type]


@dataclass
class AssignOutcome:
    assigned: list[CourseAssignment] = field(default_factory=list)
    already: list[CourseAssignment] = field(default_factory=list)  # an open assignment existed; kept as it was


def assign_course(session: Session, *, person_ids: Iterable[int], course: Course, due_on: date,
                  reason: AssignmentReason, note: str, assigned_by: Person | None, now: datetime,
                  today: date) -> AssignOutcome:
    """Assign ``course`` to each person (who may see whom is the caller's check). Assigning twice keeps one.

    ``today`` is the date where the people are (``localdate.today_for`` their agency).
    """
    if due_on < today:
        raise ValidationError("The due date is in the past.", details={"due_on": "Choose a date from today on."})
    ids = sorted(set(person_ids))
    if not ids:
        raise ValidationError("Choose at least one person.", details={"people": "Choose at least one person."})
    existing = {a.person_id: a for a in session.scalars(select(CourseAssignment).where(
        CourseAssignment.course_id == course.id, CourseAssignment.person_id.in_(ids),
        CourseAssignment.completion_id.is_(None), CourseAssignment.closed_as.is_(None)))}
    outcome = AssignOutcome()
    for person_id in ids:
        if person_id in existing:
            outcome.already.append(existing[person_id])
            continue
        assignment = CourseAssignment(person_id=person_id, course_id=course.id, due_on=due_on, reason=reason,
                                      note=note[:200], assigned_by_id=assigned_by.id if assigned_by else None,
                                      assigned_at=now)
        try:
            with session.begin_nested():
                session.add(assignment)
        except IntegrityError:  # assigned concurrently
            outcome.already.append(session.scalars(select(CourseAssignment).where(
                CourseAssignment.course_id == course.id, CourseAssignment.person_id == person_id,
                CourseAssignment.completion_id.is_(None), CourseAssignment.closed_as.is_(None))).one())
            continue
        outcome.assigned.append(assignment)
    if outcome.assigned:
        session.flush()
        title = get_current_version(session, course).title
        by = "" if assigned_by is None else f" {assigned_by.full_name} assigned it."
        agencies = dict(session.execute(select(Person.id, Person.agency_id).where(Person.id.in_(ids))).all())
        notices.send(session, [notices.Notice(
            a.person_id, "assignment_new", f"assignment:{a.id}:new", f"Assigned: {title}",
            f"{title} ({course.course_number}) is assigned to you, due {human_date(due_on)}.{by}"
            + (f"\n\nNote: {a.note}" if a.note else ""), link=f"/courses/{course.slug}",
            agency_id=agencies.get(a.person_id))
            for a in outcome.assigned], now=now)
    return outcome


def _fulfil_assignments(session: Session, completion: Completion) -> None:
    for assignment in session.scalars(select(CourseAssignment).where(
            CourseAssignment.person_id == completion.person_id, CourseAssignment.course_id == completion.course_id,
            CourseAssignment.completion_id.is_(None), CourseAssignment.closed_as.is_(None))):
        assignment.completion_id = completion.id
    session.flush()
