"""Facilitated sessions: who may run them, check-in, the roster, its submission, imports and make-ups."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from learning_portal.accounts import localdate
from learning_portal.accounts.models import Agency, Jurisdiction, Person, Role
from learning_portal.audit import services as audit
from learning_portal.audit.models import AuditEntry
from learning_portal.catalog.models import Course, CourseVersion, Delivery
from learning_portal.catalog.services import get_current_version
from learning_portal.certification import services as certification
from learning_portal.csvfile import CsvImportError, RowError, read_rows
from learning_portal.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError, ValidationError
from learning_portal.formatting import hours as format_hours
from learning_portal.formatting import human_date
from learning_portal.learning import services as learning
from learning_portal.learning.models import AssignmentReason, Completion, CompletionSource
from learning_portal.notices import services as notices
from learning_portal.sessions import codes
from learning_portal.sessions.models import (
    Attendance,
    AttendanceMethod,
    AttendanceStatus,
    FacilitatorQualification,
    RosterAmendment,
    SessionKind,
    SessionStatus,
    TrainingSession,
)


class NotFacilitableError(ValidationError):
    code = "not_facilitable"


class CheckInError(ValidationError):
    code = "check_in_refused"


class CheckInThrottledError(DomainError):
    code = "too_many_attempts"
    status = 429


@dataclass(frozen=True)
class CheckInPolicy:
    """How many wrong codes are checked before check-in is refused for the rest of the window."""
    person_max_failures: int = 10
    session_max_failures: int = 200  # from everyone who could check in to the session
    window: timedelta = timedelta(minutes=10)

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> CheckInPolicy:
        return cls(person_max_failures=int(config["CHECK_IN_MAX_FAILURES"]),
                   session_max_failures=int(config["CHECK_IN_SESSION_MAX_FAILURES"]),
                   window=timedelta(minutes=float(config["CHECK_IN_WINDOW_MINUTES"])))


# ---------------------------------------------------------------------------------------------- rules


def facilitable(version: CourseVersion) -> bool:
    """Whether a course may be credited from a session's roster: facilitated videos and classroom courses."""
    return version.facilitation_allowed or version.delivery in (Delivery.INSTRUCTOR_LED, Delivery.BLENDED)


def _require_facilitable(version: CourseVersion) -> None:
    if not facilitable(version):
        raise NotFacilitableError(
            f"{version.title} ({version.course.course_number}) is a {version.delivery.label.lower()} course that "
            "does not allow facilitation: people take it online, and its credit posts from there.")


def qualification_label(qualification: str) -> str:
    return qualification.replace("_", " ")


def holds_qualification(db: Session, *, person_id: int, qualification: str, on: date) -> bool:
    held = db.scalar(select(FacilitatorQualification).where(FacilitatorQualification.person_id == person_id,
                                                            FacilitatorQualification.qualification == qualification))
    return held is not None and (held.valid_until is None or held.valid_until >= on)


def _require_qualified(db: Session, *, instructor: Person, version: CourseVersion, on: date) -> None:
    needed = version.facilitator_qualification
    if needed and not holds_qualification(db, person_id=instructor.id, qualification=needed, on=on):
        raise PermissionDeniedError(
            f"{version.title} may only be facilitated by an instructor holding the {qualification_label(needed)} "
            f"qualification; {instructor.full_name} does not hold it (on {human_date(on)}).")


def zone_of(db: Session, agency: Agency) -> ZoneInfo:
    """The time zone the host agency's sessions are scheduled and dated in: its jurisdiction's."""
    return localdate.zone_of(db, agency.jurisdiction)


def local_start(db: Session, agency: Agency, day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=zone_of(db, agency))


def local_day(db: Session, ts: TrainingSession) -> date:
    """The session's date where it takes place (an evening briefing is not dated the next day in UTC)."""
    return ts.starts_at.astimezone(zone_of(db, ts.agency)).date()


MAX_MINUTES = 24 * 60


# ------------------------------------------------------------------------------------- who sees what


def can_manage(actor: Person, ts: TrainingSession) -> bool:
    """Run the session: check-in, roster, submission. Its instructor and administrators."""
    return actor.id == ts.instructor_id or actor.has_role(Role.ADMINISTRATOR)


def can_view(actor: Person, ts: TrainingSession) -> bool:
    """See the session and its roster, and assign make-ups: also the host agency's training managers."""
    return can_manage(actor, ts) or (actor.has_role(Role.TRAINING_MANAGER) and actor.agency_id == ts.agency_id)


def get_session(db: Session, *, actor: Person, session_id: int, manage: bool = False,
                lock: bool = False) -> TrainingSession:
    query = select(TrainingSession).where(TrainingSession.id == session_id)
    if lock:
        query = query.with_for_update(of=TrainingSession)
    ts = db.scalar(query)
    if ts is None or not can_view(actor, ts):
        raise NotFoundError("No such session.")  # the same answer whether it exists or is someone else's
    if manage and not can_manage(actor, ts):
        raise PermissionDeniedError("Only the session's instructor or an administrator can change it.")
    return ts


def visible_sessions_clause(actor: Person):
    if actor.has_role(Role.ADMINISTRATOR):
        return TrainingSession.id.is_not(None)
    if actor.has_role(Role.TRAINING_MANAGER):
        return or_(TrainingSession.agency_id == actor.agency_id, TrainingSession.instructor_id == actor.id)
    return TrainingSession.instructor_id == actor.id


def list_sessions(db: Session, *, actor: Person, limit: int = 100) -> list[TrainingSession]:
    return list(db.scalars(select(TrainingSession).where(visible_sessions_clause(actor))
                           .order_by(TrainingSession.starts_at.desc(), TrainingSession.id.desc()).limit(limit)))


def facilitable_courses(db: Session, *, instructor: Person, on: date) -> list[tuple[Course, CourseVersion, bool]]:
    """(course, current version, whether ``instructor`` may facilitate it) for every facilitable course."""
    held = {q.qualification for q in db.scalars(select(FacilitatorQualification).where(
        FacilitatorQualification.person_id == instructor.id)) if q.valid_until is None or q.valid_until >= on}
    out = []
    for course in db.scalars(select(Course).order_by(Course.presenter, Course.number)):
        version = get_current_version(db, course)
        if version is not None and facilitable(version):
            needed = version.facilitator_qualification
            out.append((course, version, needed is None or needed in held))
    return sorted(out, key=lambda row: row[1].title)


def host_agencies(db: Session, actor: Person) -> list[Agency]:
    """Agencies ``actor`` may host a session for: their own, or any for instructors of the commission."""
    if actor.agency_id is not None:
        return [actor.agency] if actor.agency else []
    return list(db.scalars(select(Agency).order_by(Agency.jurisdiction, Agency.number)))


# ------------------------------------------------------------------------------------ the session


def open_to(host: Agency, also_open_to: Iterable[Agency]) -> list[Agency]:
    """The agencies whose people a session (or an imported roster) may have: the host's and those it invites,
    of the host's jurisdiction only. Check-in, adding attendees and imports all keep to them."""
    others = [a for a in also_open_to if a.id != host.id]
    foreign = [a.label for a in others if a.jurisdiction != host.jurisdiction]
    if foreign:
        raise ValidationError(f"{', '.join(foreign)} not in {host.jurisdiction}; a session is open to agencies "
                              "of the host's jurisdiction only.", details={"agencies": "Other jurisdiction."})
    return [host, *others]


MAX_CAPACITY = 1000


def create_session(db: Session, *, actor: Person, course: Course, kind: SessionKind, starts_at: datetime,
                   location: str, agency: Agency, also_open_to: Iterable[Agency] = (),
                   now: datetime, capacity: int | None = None) -> TrainingSession:
    """A briefing or classroom session; a classroom one with a ``capacity`` is a presentation people register
    for. A course certified here is presented only while its certification covers the day."""
    if not actor.has_role(Role.INSTRUCTOR):
        raise PermissionDeniedError("Only instructors facilitate sessions.")
    if kind is SessionKind.IMPORTED:
        raise ValidationError("Imported rosters are created by importing a file.")
    if agency not in host_agencies(db, actor):
        raise PermissionDeniedError(f"You can host sessions for {actor.agency.label if actor.agency else 'no'} "
                                    "agency only.")
    version = get_current_version(db, course)
    if version is None:
        raise NotFoundError("This course is not published.")
    _require_facilitable(version)
    zone = zone_of(db, agency)
    _require_qualified(db, instructor=actor, version=version, on=starts_at.astimezone(zone).date())
    location = location.strip()
    if not location:
        raise ValidationError("Say where the session takes place.", details={"location": "Required."})
    if capacity is not None and (kind is not SessionKind.CLASSROOM or not 1 <= capacity <= MAX_CAPACITY):
        raise ValidationError(f"Seats are for classroom presentations: 1 to {MAX_CAPACITY}.",
                              details={"capacity": "Out of range."})
    day = starts_at.astimezone(zone).date()
    until = certification.certified_until(db, {course.id}).get(course.id)
    if until is not None and day > until:
        raise ValidationError(f"{course.course_number}'s certification ends on {human_date(until)}: a presentation "
                              "after that earns no CPT. Schedule it by then, or renew the certification first.",
                              details={"day": "After the certification."})
    ts = TrainingSession(kind=kind, status=SessionStatus.SCHEDULED, course_id=course.id,
                         course_version_id=version.id, instructor_id=actor.id, agency_id=agency.id,
                         starts_at=starts_at, location=location[:200], code_secret=codes.new_secret(),
                         created_at=now, agencies=open_to(agency, also_open_to), capacity=capacity)
    db.add(ts)
    db.flush()
    return ts


def start_check_in(ts: TrainingSession, *, now: datetime) -> None:
    if ts.status not in (SessionStatus.SCHEDULED, SessionStatus.CLOSED, SessionStatus.RUNNING):
        raise ConflictError(f"Check-in cannot open: the session is {ts.status.label.lower()}.")
    ts.status = SessionStatus.RUNNING
    ts.opened_at = ts.opened_at or now


def end_check_in(ts: TrainingSession, *, now: datetime) -> None:
    if ts.status is not SessionStatus.RUNNING:
        raise ConflictError("Check-in is not open.")
    ts.status, ts.closed_at = SessionStatus.CLOSED, now


def cancel(ts: TrainingSession, *, now: datetime) -> None:
    if not ts.is_open_for_roster:
        raise ConflictError(f"The session cannot be cancelled: it is {ts.status.label.lower()}.")
    ts.status, ts.closed_at = SessionStatus.CANCELLED, now


def current_code(ts: TrainingSession, now: datetime) -> codes.ShownCode | None:
    return codes.shown_code(ts.code_secret, now) if ts.status is SessionStatus.RUNNING else None


# -------------------------------------------------------------------------------------- check-in


@dataclass(frozen=True)
class CheckIn:
    session: TrainingSession
    attendance: Attendance
    created: bool


def check_in(db: Session, *, person: Person, code: str, now: datetime, session_id: int | None = None,
             policy: CheckInPolicy = CheckInPolicy()) -> CheckIn:
    """Record the person's own attendance from the code on the room's screen (or in its QR code).

    A wrong code is counted (``_check_in_failed``) and must be committed even though this raises: callers
    commit on any DomainError. Past the limits, codes are not checked at all (``_check_person_throttle``)."""
    _check_person_throttle(db, person, now, policy)
    if session_id is not None:
        ts = db.get(TrainingSession, session_id)
        if ts is None:
            raise NotFoundError("No such session.")
        if ts.status is not SessionStatus.RUNNING:
            raise CheckInError(f"Check-in for this session is not open (it is {ts.status.label.lower()}). "
                               "Ask the instructor.")
        candidates = [ts]
    else:
        candidates = list(db.scalars(select(TrainingSession).where(TrainingSession.status == SessionStatus.RUNNING)))
    results = [(ts, codes.check(ts.code_secret, code, now)) for ts in candidates]
    matches = [ts for ts, result in results if result == "valid"]
    if not matches:
        if any(result == "expired" for _, result in results):
            raise CheckInError("That code has expired. Enter the code the screen shows now.")
        _check_in_failed(db, person, [ts for ts in candidates if admits(ts, person)], now, policy)
        raise CheckInError("That code does not match a session with check-in open. Check the code on the screen.")
    mine = [ts for ts in matches if admits(ts, person)]
    if not mine:
        ts = matches[0]
        raise PermissionDeniedError(
            f"This session is open to {', '.join(a.label for a in ts.agencies)} only; you are with "
            f"{person.agency.label if person.agency else 'no agency'}. Ask the instructor to add you.")
    ts = mine[0]
    if _session_throttled(ts, now, policy):
        raise CheckInThrottledError("Check-in to this session is paused after too many wrong codes. "
                                    "Ask the instructor to add you to the roster.")
    if person.id == ts.instructor_id:
        raise CheckInError("You are facilitating this session; instructors do not check in to their own session.")
    if not person.is_enabled:
        raise PermissionDeniedError("Your account is disabled.")
    # Lock the session row and look again: the roster may have been submitted meanwhile.
    status = db.scalar(select(TrainingSession.status).where(TrainingSession.id == ts.id).with_for_update())
    if status is not SessionStatus.RUNNING:
        raise CheckInError(f"Check-in for this session closed (it is {status.label.lower()}). Ask the instructor.")
    attendance, created = _record(db, ts=ts, person=person, method=AttendanceMethod.CHECK_IN, recorded_by=person,
                                  now=now)
    return CheckIn(ts, attendance, created)


def admits(ts: TrainingSession, person: Person) -> bool:
    return person.agency_id in {a.id for a in ts.agencies}


def _check_person_throttle(db: Session, person: Person, now: datetime, policy: CheckInPolicy) -> None:
    """Refuse, unchecked, a person with too many wrong codes in the window. The person's row is locked
    first, so their parallel guesses are counted one after another, not all against the same count."""
    db.execute(select(Person.id).where(Person.id == person.id).with_for_update())
    recent = audit.recent_times(db, "check_in.failed", AuditEntry.actor_id == person.id, since=now - policy.window,
                                limit=policy.person_max_failures)
    if len(recent) >= policy.person_max_failures:
        until = recent[-1] + policy.window
        raise CheckInThrottledError(f"Too many wrong check-in codes. Try again after {until:%H:%M} UTC, "
                                    "or ask the instructor to add you to the roster.")


def _session_throttled(ts: TrainingSession, now: datetime, policy: CheckInPolicy) -> bool:
    since = ts.check_in_failures_since
    return (since is not None and since > now - policy.window
            and ts.check_in_failures >= policy.session_max_failures)


def _check_in_failed(db: Session, person: Person, sessions: list[TrainingSession], now: datetime,
                     policy: CheckInPolicy) -> None:
    """Count a wrong code against the person and against each session it could have checked them in to."""
    audit.record(db, "check_in.failed", actor_id=person.id, subject_id=person.id, now=now,
                 target=f"training_session:{sessions[0].id}" if len(sessions) == 1 else "",
                 details={"sessions": len(sessions)})
    if not sessions:
        return
    fresh = TrainingSession.check_in_failures_since > now - policy.window
    db.execute(update(TrainingSession).where(TrainingSession.id.in_([ts.id for ts in sessions]))
               .values(check_in_failures=case((fresh, TrainingSession.check_in_failures + 1), else_=1),
                       check_in_failures_since=case((fresh, TrainingSession.check_in_failures_since), else_=now))
               .execution_options(synchronize_session=False))
    for ts in sessions:
        db.expire(ts, ["check_in_failures", "check_in_failures_since"])


def _record(db: Session, *, ts: TrainingSession, person: Person, method: AttendanceMethod,
            recorded_by: Person | None, now: datetime) -> tuple[Attendance, bool]:
    """The person's attendance, recorded once however often they check in or are added."""
    for attendance in ts.attendances:
        if attendance.person_id == person.id:
            return attendance, False
    attendance = Attendance(session_id=ts.id, person_id=person.id, status=AttendanceStatus.PRESENT, method=method,
                            recorded_at=now, recorded_by_id=recorded_by.id if recorded_by else None)
    try:
        with db.begin_nested():
            db.add(attendance)
    except IntegrityError:  # the same person checked in concurrently
        db.expire(ts, ["attendances"])
        existing = next(a for a in ts.attendances if a.person_id == person.id)
        return existing, False
    db.refresh(ts, ["attendances"])
    return attendance, True


# ------------------------------------------------------------------------------- roster editing


def _require_editable(ts: TrainingSession) -> None:
    if not ts.is_open_for_roster:
        raise ConflictError(f"The roster can no longer change: the session is {ts.status.label.lower()}.")


@dataclass(frozen=True)
class AddOutcome:
    attendance: Attendance | None = None
    created: bool = False
    candidates: tuple[Person, ...] = ()  # several people match: the instructor picks one


def add_attendee(db: Session, *, ts: TrainingSession, actor: Person, query: str, now: datetime) -> AddOutcome:
    """Add someone by POST ID (exact) or by name (part of it; several matches are returned to pick from)."""
    _require_editable(ts)
    text = " ".join(query.split())
    if not text:
        raise ValidationError("Enter a POST ID or a name.", details={"person": "Required."})
    open_ids = [a.id for a in ts.agencies]
    by_post_id = db.scalar(select(Person).where(func.lower(Person.post_id) == text.lower(),
                                                Person.agency_id.in_(open_ids)))
    if by_post_id is not None:
        return _add_person(db, ts=ts, actor=actor, person=by_post_id, now=now)
    words = [w.lower().strip(",") for w in text.split()]
    clauses = [or_(func.lower(Person.first_name).startswith(w), func.lower(Person.last_name).startswith(w))
               for w in words if w]
    matches = list(db.scalars(select(Person).where(Person.agency_id.in_(open_ids), Person.is_enabled, *clauses)
                              .order_by(Person.last_name, Person.first_name).limit(21)))
    if not matches:
        raise NotFoundError(f"No one in {', '.join(a.label for a in ts.agencies)} has the POST ID or name "
                            f"\u201c{text}\u201d.")
    if len(matches) == 1:
        return _add_person(db, ts=ts, actor=actor, person=matches[0], now=now)
    return AddOutcome(candidates=tuple(matches[:20]))


def attendee_by_post_id(db: Session, ts: TrainingSession, post_id: str) -> Person:
    """Someone of the agencies the session is open to; nobody else's details are revealed."""
    person = db.scalar(select(Person).where(func.lower(Person.post_id) == post_id.strip().lower(),
                                            Person.agency_id.in_([a.id for a in ts.agencies])))
    if person is None:
        raise NotFoundError(f"No one in {', '.join(a.label for a in ts.agencies)} has POST ID {post_id}.")
    return person


def add_attendee_by_id(db: Session, *, ts: TrainingSession, actor: Person, person_id: int,
                       now: datetime) -> AddOutcome:
    _require_editable(ts)
    person = db.get(Person, person_id)
    if person is None or person.agency_id not in {a.id for a in ts.agencies}:
        raise NotFoundError("No one with that id in the agencies this session is open to.")
    return _add_person(db, ts=ts, actor=actor, person=person, now=now)


def _add_person(db: Session, *, ts: TrainingSession, actor: Person, person: Person, now: datetime) -> AddOutcome:
    if person.id == ts.instructor_id:
        raise ValidationError("The instructor facilitating the session is not on its roster.")
    if not person.is_enabled:
        raise ValidationError(f"{person.full_name}'s account is disabled.")
    attendance, created = _record(db, ts=ts, person=person, method=AttendanceMethod.INSTRUCTOR, recorded_by=actor,
                                  now=now)
    return AddOutcome(attendance=attendance, created=created)


def _attendance(ts: TrainingSession, attendance_id: int) -> Attendance:
    for attendance in ts.attendances:
        if attendance.id == attendance_id:
            return attendance
    raise NotFoundError("This person is not on the session's roster.")


def remove_attendee(db: Session, *, ts: TrainingSession, attendance_id: int) -> Person:
    _require_editable(ts)
    attendance = _attendance(ts, attendance_id)
    ts.attendances.remove(attendance)
    db.flush()
    return attendance.person


def mark_attendance(db: Session, *, ts: TrainingSession, attendance_id: int, status: str,
                    minutes: int | None) -> Attendance:
    """Present (credited) or partial (on the roster, not credited) with the minutes attended."""
    _require_editable(ts)
    attendance = _attendance(ts, attendance_id)
    try:
        new_status = AttendanceStatus(status)
    except ValueError as exc:
        raise ValidationError("Attendance is present or partial.", details={"status": "present or partial"}) from exc
    if minutes is not None and not 0 <= minutes <= MAX_MINUTES:
        raise ValidationError(f"Minutes attended are between 0 and {MAX_MINUTES}.",
                              details={"minutes": f"0 to {MAX_MINUTES}"})
    attendance.status = new_status
    attendance.minutes_attended = minutes if new_status is AttendanceStatus.PARTIAL else None
    db.flush()
    return attendance


# ------------------------------------------------------------------------------------ submission


@dataclass(frozen=True)
class SubmitOutcome:
    credited: int  # completions created by this call
    already_submitted: bool
    in_review: bool = False  # waiting for approval: nobody is credited yet


def review_of(db: Session, ts: TrainingSession) -> str:
    """Who approves this roster before it credits: the course's rule, else the jurisdiction's ("none": nobody,
    it credits at once; "agency": the host agency's training manager; "commission": commission staff)."""
    if ts.course_version.roster_review:
        return ts.course_version.roster_review
    jurisdiction = db.get(Jurisdiction, ts.agency.jurisdiction)
    return jurisdiction.roster_review if jurisdiction else "none"


def can_approve(db: Session, actor: Person, ts: TrainingSession) -> bool:
    review = review_of(db, ts)
    if actor.id == ts.instructor_id or actor.id == ts.submitted_by_id:
        return False  # nobody approves their own roster
    if review == "commission":
        return actor.has_role(Role.ADMINISTRATOR)
    return actor.has_role(Role.ADMINISTRATOR) or (actor.has_role(Role.TRAINING_MANAGER)
                                                  and actor.agency_id == ts.agency_id)


def submit_roster(db: Session, *, ts: TrainingSession, actor: Person, now: datetime) -> SubmitOutcome:
    """One completion per person present, each posting credit like any completion. Once only. Where rosters
    are reviewed, the roster waits for approval instead (``approve_roster``), and may still be corrected.

    The caller loads ``ts`` with ``lock=True`` so two submissions cannot interleave (row lock on
    PostgreSQL; SQLite transactions are serialised).
    """
    if ts.status is SessionStatus.SUBMITTED:
        return SubmitOutcome(0, already_submitted=True)
    if ts.status is SessionStatus.IN_REVIEW:
        return SubmitOutcome(0, already_submitted=True, in_review=True)
    if ts.status is SessionStatus.CANCELLED:
        raise ConflictError("The session was cancelled; its roster cannot be submitted.")
    version = ts.course_version
    _require_facilitable(version)
    day = local_day(db, ts)
    _require_qualified(db, instructor=ts.instructor, version=version, on=day)
    if ts.starts_at > now:
        raise ValidationError(f"The session starts on {human_date(day)}; submit the roster after it has taken place.")
    present = [a for a in ts.attendances if a.status is AttendanceStatus.PRESENT]
    if not present:
        raise ValidationError("No one is marked present. Add the attendees, or cancel the session.")
    ts.submitted_at, ts.submitted_by_id = now, actor.id
    ts.closed_at = ts.closed_at or now
    review = review_of(db, ts)
    if review != "none":
        ts.status = SessionStatus.IN_REVIEW
        db.flush()
        audit.record(db, "roster.submitted", actor_id=actor.id, target=f"training_session:{ts.id}", now=now,
                     details={"kind": ts.kind.value, "credited": [], "review": review})
        return SubmitOutcome(0, already_submitted=False, in_review=True)
    credited = _credit(db, ts, present, actor=actor, now=now)
    audit.record(db, "roster.submitted", actor_id=actor.id, target=f"training_session:{ts.id}", now=now,
                 details={"kind": ts.kind.value, "credited": credited})
    return SubmitOutcome(len(credited), already_submitted=False)


def approve_roster(db: Session, *, ts: TrainingSession, actor: Person, now: datetime) -> int:
    """The reviewer approves a roster waiting for approval: everyone present is credited. Returns how many."""
    if ts.status is not SessionStatus.IN_REVIEW:
        raise ConflictError(f"Only a roster waiting for approval is approved; this one is {ts.status.label.lower()}.")
    if not can_approve(db, actor, ts):
        raise PermissionDeniedError("The host agency's training manager approves this roster"
                                    + (", or commission staff." if review_of(db, ts) == "agency" else
                                       ": commission staff only.") + " Nobody approves their own.")
    present = [a for a in ts.attendances if a.status is AttendanceStatus.PRESENT]
    if not present:
        raise ValidationError("No one is marked present: the instructor corrects the roster, or cancels it.")
    ts.approved_at, ts.approved_by_id = now, actor.id
    submitter = db.get(Person, ts.submitted_by_id) if ts.submitted_by_id else None
    credited = _credit(db, ts, present, actor=submitter or actor, now=now)
    audit.record(db, "roster.approved", actor_id=actor.id, target=f"training_session:{ts.id}", now=now,
                 details={"credited": credited})
    return len(credited)


def _credit(db: Session, ts: TrainingSession, present: list[Attendance], *, actor: Person,
            now: datetime) -> list[int]:
    version = ts.course_version
    note = f"{ts.kind.label} session {ts.id}, {ts.location}"
    for attendance in present:
        completion = learning.record_roster_completion(db, person_id=attendance.person_id, version=version,
                                                       completed_at=ts.starts_at, note=note, now=now)
        attendance.completion_id = completion.id
    ts.status = SessionStatus.SUBMITTED
    db.flush()
    notices.send(db, [notices.Notice(
        a.person_id, "roster_submitted", f"roster:{ts.id}:{a.person_id}", f"Roster submitted: {version.title}",
        f"{actor.full_name} submitted the roster of {version.title} ({ts.kind.label.lower()} session of "
        f"{human_date(local_day(db, ts))}, {ts.location}), with you present. The credit posts to your training "
        "profile shortly.", link="/my/profile", agency_id=a.person.agency_id) for a in present], now=now)
    return [a.person_id for a in present]


def amendments_of(db: Session, ts: TrainingSession) -> list[RosterAmendment]:
    return list(db.scalars(select(RosterAmendment).where(RosterAmendment.session_id == ts.id)
                           .order_by(RosterAmendment.id)))


# --------------------------------------------------------------------------------- CSV in and out

EXPORT_COLUMNS = ("post_id", "last_name", "first_name", "agency", "course_number", "course_title", "date", "hours",
                  "attendance", "minutes_attended")


def record_roster_export(db: Session, *, ts: TrainingSession, actor: Person, now: datetime) -> None:
    audit.record(db, "roster.exported", actor_id=actor.id, target=f"training_session:{ts.id}", now=now)


def roster_rows(db: Session, ts: TrainingSession) -> Iterator[list[str]]:
    """The roster as presenters file it: one row per person, credited hours for those present."""
    yield list(EXPORT_COLUMNS)
    day = local_day(db, ts).isoformat()
    for a in sorted(ts.attendances, key=lambda a: (a.person.last_name.lower(), a.person.first_name.lower())):
        credited = a.status is AttendanceStatus.PRESENT
        yield [a.person.post_id, a.person.last_name, a.person.first_name,
               a.person.agency.number if a.person.agency else "", ts.course.course_number, ts.course_version.title,
               day, format_hours(ts.course_version.cpt_hours) if credited else "0", a.status.value,
               "" if a.minutes_attended is None else str(a.minutes_attended)]


IMPORT_COLUMNS = ("post_id", "last_name", "first_name", "attendance", "minutes_attended")


def import_roster(db: Session, *, actor: Person, course: Course, day: date, location: str, agency: Agency,
                  data: bytes, now: datetime, also_open_to: Iterable[Agency] = ()) -> TrainingSession:
    """A roster of instructor-led training held elsewhere: every bad row reported, nothing written unless all
    rows are valid; then submitted like a session's roster. Its people are those of the host agency and of
    the agencies it names, as for a live session, and nobody else is described."""
    if not actor.has_role(Role.INSTRUCTOR):
        raise PermissionDeniedError("Only instructors submit rosters.")
    if agency not in host_agencies(db, actor):
        raise PermissionDeniedError("You can submit rosters for your own agency only.")
    version = get_current_version(db, course)
    if version is None:
        raise NotFoundError("This course is not published.")
    _require_facilitable(version)
    _require_qualified(db, instructor=actor, version=version, on=day)
    if day > localdate.today_for(db, agency, now):
        raise ValidationError("The training date is in the future; import a roster after the training.",
                              details={"day": "Not in the future."})
    if not location.strip():
        raise ValidationError("Say where the training took place.", details={"location": "Required."})
    agencies = open_to(agency, also_open_to)
    rows, errors = read_rows(data, allowed=IMPORT_COLUMNS, required=("post_id",), what="attendees")
    post_ids = [row["post_id"] for _, row in rows if row.get("post_id")]
    people = {p.post_id.lower(): p for p in db.scalars(select(Person).where(
        func.lower(Person.post_id).in_([p.lower() for p in post_ids]),
        Person.agency_id.in_([a.id for a in agencies])))} if post_ids else {}
    day_start = local_start(db, agency, day, time(0, 0))
    already_credited = set(db.scalars(select(Completion.person_id).where(
        Completion.course_id == course.id, Completion.source == CompletionSource.ROSTER,
        Completion.completed_at >= day_start, Completion.completed_at < day_start + timedelta(days=1),
        Completion.person_id.in_([p.id for p in people.values()])))) if people else set()
    seen: dict[str, int] = {}
    entries: list[tuple[Person, AttendanceStatus, int | None]] = []
    for line, row in rows:
        post_id = row.get("post_id", "")
        if not post_id:
            errors.append(RowError(line, "post_id", "The POST ID is empty."))
            continue
        person = people.get(post_id.lower())
        if person is None:  # unknown, or of another agency: the same answer, so nothing is revealed
            errors.append(RowError(line, "post_id", f"No one in {', '.join(a.label for a in agencies)} has POST ID "
                                                    f"{post_id}. If they attended, add their agency under "
                                                    "Also for agencies."))
            continue
        if post_id.lower() in seen:
            errors.append(RowError(line, "post_id", f"{post_id} also appears on line {seen[post_id.lower()]}."))
            continue
        seen[post_id.lower()] = line
        for column, actual in (("last_name", person.last_name), ("first_name", person.first_name)):
            given = row.get(column, "")
            if given and given.lower() != actual.lower():
                errors.append(RowError(line, column, f"POST ID {post_id} belongs to {person.full_name}, "
                                                     f"not {given}: check the POST ID."))
        status_text = (row.get("attendance") or "present").lower()
        if status_text not in {s.value for s in AttendanceStatus}:
            errors.append(RowError(line, "attendance", f"\u201c{status_text}\u201d: use present or partial."))
            continue
        minutes_text = row.get("minutes_attended", "")
        minutes = None
        if minutes_text:
            if not (minutes_text.isascii() and minutes_text.isdecimal()) or int(minutes_text) > MAX_MINUTES:
                errors.append(RowError(line, "minutes_attended", f"\u201c{minutes_text}\u201d is not a number of "
                                                                 f"minutes from 0 to {MAX_MINUTES}."))
                continue
            minutes = int(minutes_text)
        if person.id == actor.id:
            errors.append(RowError(line, "post_id", "You are the instructor; you are not on your own roster."))
        if not person.is_enabled:
            errors.append(RowError(line, "post_id", f"{post_id}: the account is disabled."))
        if person.id in already_credited:
            errors.append(RowError(line, "post_id", f"{post_id} already has a roster for this course on "
                                                    f"{human_date(day)}; nothing is credited twice."))
        entries.append((person, AttendanceStatus(status_text), minutes))
    if errors:
        raise CsvImportError(sorted(errors, key=lambda e: (e.line, e.column)))
    # The file gives a date, not a time: the training is dated at local midnight of that day.
    ts = TrainingSession(kind=SessionKind.IMPORTED, status=SessionStatus.CLOSED, course_id=course.id,
                         course_version_id=version.id, instructor_id=actor.id, agency_id=agency.id,
                         starts_at=day_start, location=location.strip()[:200],
                         code_secret=codes.new_secret(),
                         created_at=now, closed_at=now, agencies=agencies)
    db.add(ts)
    db.flush()
    for person, status, minutes in entries:
        ts.attendances.append(Attendance(person_id=person.id, status=status, method=AttendanceMethod.IMPORT,
                                         minutes_attended=minutes if status is AttendanceStatus.PARTIAL else None,
                                         recorded_at=now, recorded_by_id=actor.id))
    db.flush()
    submit_roster(db, ts=ts, actor=actor, now=now)
    return ts


# ------------------------------------------------------------------------------------- make-ups

_AUDIENCE_ROLES = {"officer": Role.OFFICER, "dispatcher": Role.DISPATCHER}


def absentees_query(ts: TrainingSession):
    """People of the host agency in the course's audience who were not present in full."""
    present = select(Attendance.person_id).where(Attendance.session_id == ts.id,
                                                 Attendance.status == AttendanceStatus.PRESENT)
    roles = [_AUDIENCE_ROLES[a] for a in ts.course_version.audience if a in _AUDIENCE_ROLES]
    return (select(Person).where(Person.agency_id == ts.agency_id, Person.is_enabled, Person.role.in_(roles),
                                 Person.id.not_in(present))
            .order_by(Person.last_name, Person.first_name, Person.id))


@dataclass
class MakeUpOutcome:
    assigned: int = 0
    already: int = 0
    names: list[str] = field(default_factory=list)


def assign_make_ups(db: Session, *, ts: TrainingSession, actor: Person, person_ids: Iterable[int] | None,
                    due_on: date, now: datetime) -> MakeUpOutcome:
    """Assign the course online to absentees (``person_ids``, or all of them when None), due ``due_on``."""
    if not can_view(actor, ts):
        raise NotFoundError("No such session.")
    if ts.status is not SessionStatus.SUBMITTED:
        raise ConflictError("Submit the roster first: make-ups go to the people it shows were absent.")
    absent = {p.id: p for p in db.scalars(absentees_query(ts))}
    chosen = list(absent) if person_ids is None else list(dict.fromkeys(person_ids))
    strangers = [pid for pid in chosen if pid not in absent]
    if strangers:
        raise ValidationError("Make-ups go only to people of the agency who were absent from this session.",
                              details={"people": strangers})
    if not chosen:
        raise ValidationError("Tick at least one person." if person_ids is not None
                              else "No one to assign: everyone in the course's audience attended.")
    day = local_day(db, ts)
    note = f"Make-up for the {ts.kind.label.lower()} of {human_date(day)} ({ts.location})"
    outcome = learning.assign_course(db, person_ids=chosen, course=ts.course, due_on=due_on,
                                     reason=AssignmentReason.MAKE_UP, note=note, assigned_by=actor, now=now,
                                     today=localdate.today_for(db, ts.agency, now))
    return MakeUpOutcome(assigned=len(outcome.assigned), already=len(outcome.already),
                         names=[absent[a.person_id].full_name for a in outcome.assigned])


# ------------------------------------------------------------------------------ qualifications


def grant_qualification(db: Session, *, actor: Person, person: Person, qualification: str, valid_until: date | None,
                        now: datetime) -> FacilitatorQualification:
    if not actor.has_role(Role.ADMINISTRATOR):
        raise PermissionDeniedError("Only administrators record facilitator qualifications.")
    if not person.has_role(Role.INSTRUCTOR):
        raise ValidationError(f"{person.full_name} is not an instructor.")
    qualification = qualification.strip().lower()
    if not qualification.replace("_", "").isalnum():
        raise ValidationError("A qualification is a lower_snake_case name, e.g. racial_profiling.",
                              details={"qualification": "lower_snake_case"})
    held = db.scalar(select(FacilitatorQualification).where(FacilitatorQualification.person_id == person.id,
                                                            FacilitatorQualification.qualification == qualification))
    if held is None:
        held = FacilitatorQualification(person_id=person.id, qualification=qualification, granted_at=now)
        db.add(held)
    held.valid_until, held.granted_by_id, held.granted_at = valid_until, actor.id, now
    db.flush()
    return held


def revoke_qualification(db: Session, *, actor: Person, qualification_id: int) -> None:
    if not actor.has_role(Role.ADMINISTRATOR):
        raise PermissionDeniedError("Only administrators record facilitator qualifications.")
    held = db.get(FacilitatorQualification, qualification_id)
    if held is None:
        raise NotFoundError("No such qualification.")
    db.delete(held)
    db.flush()


def list_qualifications(db: Session) -> list[FacilitatorQualification]:
    return list(db.scalars(select(FacilitatorQualification).join(FacilitatorQualification.person)
                           .order_by(Person.last_name, Person.first_name, FacilitatorQualification.qualification)))
