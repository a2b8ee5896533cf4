"""The nightly run (``flask notify run``): assignment rules, then reminders, overdue notices and escalations,
the managers' weekly digest and the administrators' alerts.

Each agency is done in its own transaction, on its jurisdiction's local day: what one agency's run wrote is
all there or not at all, so the run is safe to kill and run again, and two runs at once tell nobody twice
(every notice has a key naming its event: notices.services). Reminders and overdue notices read only what is
due or newly overdue (open assignments and stored statuses by due date, through their indexes), so the cost
follows the people with something due, not the head count.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, true
from sqlalchemy.orm import Session, sessionmaker

from learning_portal.accounts.models import Agency, Jurisdiction, Person, Role
from learning_portal.accounts.queries import holds_role
from learning_portal.catalog.queries import current_versions
from learning_portal.compliance import assignment_rules
from learning_portal.compliance import services as compliance
from learning_portal.compliance.models import PersonEvaluation
from learning_portal.compliance.models import RequirementStatus as RS
from learning_portal.compliance.status import TRACKED
from learning_portal.credits.models import CreditPosting, PostingStatus
from learning_portal.formatting import human_date
from learning_portal.learning.models import CourseAssignment, Enrollment
from learning_portal.mail.models import OutgoingMail
from learning_portal.media.models import AssetStatus, MediaAsset
from learning_portal.notices import services as notices
from learning_portal.notices.models import NoticeCursor, Notification
from learning_portal.outbox import OutboxStatus
from learning_portal.quizzes.services import stuck_clause
from learning_portal.records.models import Dispute, DisputeStatus
from learning_portal.xapi.models import XapiStatement

log = logging.getLogger("learning_portal.notify")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class Schedule:
    """When each kind goes out (configuration: NOTICE_*)."""

    assignment_days: tuple[int, ...] = (14, 3)  # reminders this many days before an assignment is due
    requirement_days: tuple[int, ...] = (30, 7)  # ... before a requirement is due
    catch_up_days: int = 7  # an overdue notice missed (the run did not happen) is still sent this late
    digest_weekday: int = 0  # the managers' weekly digest: Monday (or the first run after it that week)
    digest_due_days: int = 30  # the digest lists what is due within this many days


def schedule(config: dict[str, Any]) -> Schedule:
    def days(value: Any) -> tuple[int, ...]:
        items = value.split(",") if isinstance(value, str) else value
        out = tuple(sorted({int(d) for d in items if str(d).strip()}, reverse=True))
        if not out or min(out) < 0:
            raise ValueError(f"reminder days must be whole numbers of days, 0 or more: {value!r}")
        return out
    weekday = str(config["NOTICE_DIGEST_WEEKDAY"]).lower()
    if weekday not in WEEKDAYS:
        raise ValueError(f"NOTICE_DIGEST_WEEKDAY must be a day of the week: {weekday!r}")
    return Schedule(days(config["NOTICE_ASSIGNMENT_DAYS"]), days(config["NOTICE_REQUIREMENT_DAYS"]),
                    int(config["NOTICE_CATCH_UP_DAYS"]), WEEKDAYS.index(weekday), int(config["NOTICE_DIGEST_DUE_DAYS"]))


@dataclass
class Report:
    dry_run: bool
    notices: Counter[str] = field(default_factory=Counter)  # added (or, dry, that would be) by kind
    assigned: int = 0  # assignments made by rules
    agencies: int = 0
    refreshed: int = 0  # people whose stored compliance was re-evaluated first
    refresh_seconds: float = 0.0  # of the run's time, the freshness check and re-evaluation (compliance's part)
    failed: list[int] = field(default_factory=list)  # agencies whose transaction failed (retried next run)

    def lines(self) -> list[str]:
        verb = "would send" if self.dry_run else "sent"
        out = [f"{self.agencies} agencies; {self.refreshed} people re-evaluated; rules "
               f"{'would assign' if self.dry_run else 'assigned'} {self.assigned}."]
        out += [f"{verb} {n} {kind}" for kind, n in sorted(self.notices.items())] or [f"{verb} no notices."]
        if self.failed:
            out.append(f"failed for {len(self.failed)} agencies (ids {', '.join(map(str, self.failed[:20]))}); "
                       "run again to finish them")
        return out


def run(factory: sessionmaker[Session], *, now: datetime, plan: Schedule, dry_run: bool = False,
        progress: Callable[[int, int], None] | None = None) -> Report:
    report = Report(dry_run)
    with factory() as session:  # read once per run; detached, they stay as read
        agencies = [(a.id, a.jurisdiction) for a in session.scalars(select(Agency).order_by(Agency.id))]
        zones = {j.code: j for j in session.scalars(select(Jurisdiction))}
        titles = _course_titles(session)
        defs = {code: compliance.definitions(session, code) for code in zones}
        session.expunge_all()
    _each_agency(factory, agencies, zones, defs, titles, now=now, plan=plan, report=report, progress=progress)
    with factory() as session:
        _admin_alerts(session, now, report)
        session.rollback() if dry_run else session.commit()
    return report


def _each_agency(factory: sessionmaker[Session], agencies: list[tuple[int, str]], zones: dict[str, Jurisdiction],
                 defs: dict[str, compliance.Definitions], titles: dict[int, tuple[str, str, str]], *, now: datetime,
                 plan: Schedule, report: Report, progress: Callable[[int, int], None] | None) -> None:
    dry_run = report.dry_run
    for done, (agency_id, code) in enumerate(agencies, 1):
        jurisdiction = zones.get(code)
        if jurisdiction is None:
            continue  # no rules loaded: nothing is judged there
        today = jurisdiction.local_date(now)
        counted = (Counter(report.notices), report.assigned, report.refreshed)
        with factory() as session:
            try:
                _agency(session, agency_id, defs[code], today, now, plan, titles, report)
                session.rollback() if dry_run else session.commit()
            except Exception:  # another run got there at the same moment, or bad data: the next run retries
                session.rollback()
                log.exception("the nightly run failed for agency %s; it is done again on the next run", agency_id)
                report.notices, report.assigned, report.refreshed = counted  # nothing of it was kept
                report.failed.append(agency_id)
                continue
        report.agencies += 1
        if progress:
            progress(done, len(agencies))


def _course_titles(session: Session) -> dict[int, tuple[str, str, str]]:
    """Each course's current title, number and slug, in one query."""
    return {v.course_id: (v.title, v.course.course_number, v.course.slug) for v in session.scalars(current_versions())}


def _agency(session: Session, agency_id: int, defs: compliance.Definitions, today: date, now: datetime,
            plan: Schedule, titles: dict[int, tuple[str, str, str]], report: Report) -> None:
    started = time.perf_counter()
    report.refreshed += compliance.ensure_fresh(session, agency_ids=[agency_id], defs=defs, now=now)
    report.refresh_seconds += time.perf_counter() - started
    report.assigned += assignment_rules.run_agency(session, agency_id, today=today, now=now)
    since = _since(session, agency_id, today, now)
    planned = [*_assignment_notices(session, agency_id, today, plan, titles, since),
               *_requirement_notices(session, agency_id, today, plan, defs.titles, since)]
    added = _send(session, planned, now, report)
    overdue = [n for n in added if n.kind == "overdue"]
    digest_day = today.weekday() >= plan.digest_weekday
    managers = _managers(session, agency_id) if overdue or digest_day else []
    if overdue and managers:
        _send(session, _escalations(overdue, managers, agency_id, session), now, report)
    if managers and digest_day:
        _send(session, _digests(session, agency_id, managers, today, plan), now, report)
    if not report.dry_run:
        cursor = session.get(NoticeCursor, agency_id)
        if cursor is None:
            session.add(NoticeCursor(agency_id=agency_id, day=today, ran_at=now))
        elif now > cursor.ran_at:
            cursor.day, cursor.ran_at = today, now


@dataclass(frozen=True)
class Since:
    """The agency's last run: its local day and moment (None: never run, or the clock went back)."""

    day: date | None
    at: datetime | None


def _since(session: Session, agency_id: int, today: date, now: datetime) -> Since:
    cursor = session.get(NoticeCursor, agency_id)
    if cursor is None or cursor.day > today or cursor.ran_at > now:
        return Since(None, None)
    return Since(cursor.day, cursor.ran_at)


def _crossed(due_on: Any, today: date, days: tuple[int, ...], plan: Schedule, since: Since,
             changed: Any) -> Any:
    """SQL: a due date that entered a reminder window, or became overdue, since the last run; or anything in
    the windows for rows ``changed`` since (new, re-evaluated). Without a last run: everything in the windows."""
    earliest = today - timedelta(days=plan.catch_up_days)
    whole = and_(due_on >= earliest, due_on <= today + timedelta(days=max(days)))
    if since.day is None:
        return whole
    entered = [and_(due_on > since.day + timedelta(days=d), due_on <= today + timedelta(days=d)) for d in days]
    became_overdue = and_(due_on >= max(since.day, earliest), due_on < today)
    return or_(*entered, became_overdue, and_(changed, whole))


def _send(session: Session, planned: list[notices.Notice], now: datetime, report: Report) -> list[notices.Notice]:
    if report.dry_run:
        taken = set()
        keys = [n.key for n in planned]
        for start in range(0, len(keys), 500):
            taken.update(session.scalars(select(Notification.key).where(Notification.key.in_(keys[start:start + 500]))))
        added = [n for n in planned if n.key not in taken]
    else:
        added = notices.send(session, planned, now=now)
    report.notices.update(n.kind for n in added)
    return added


def _window(days_left: int, days: tuple[int, ...]) -> int | None:
    """The reminder a due date is in: the nearest of the schedule's days it is within (14 days, then 3)."""
    inside = [d for d in days if days_left <= d]
    return min(inside) if inside else None


def _assignment_notices(session: Session, agency_id: int, today: date, plan: Schedule,
                        titles: dict[int, tuple[str, str, str]], since: Since) -> Iterable[notices.Notice]:
    a = CourseAssignment
    new = a.assigned_at > since.at if since.at else true()
    rows = session.execute(
        select(a.id, a.person_id, a.course_id, a.due_on).join(Person, Person.id == a.person_id)
        .where(Person.agency_id == agency_id, Person.is_enabled, a.completion_id.is_(None), a.closed_as.is_(None),
               _crossed(a.due_on, today, plan.assignment_days, plan, since, new))).all()
    for assignment_id, person_id, course_id, due_on in rows:
        title, number, slug = titles[course_id]
        link = f"/courses/{slug}"
        if due_on < today:  # localdate.past_due, over the rows read
            yield notices.Notice(person_id, "overdue", f"overdue:assignment:{assignment_id}:{due_on}",
                                 f"Overdue: {title}", f"{title} ({number}) was due {human_date(due_on)} and is "
                                 "not completed. Complete it as soon as you can, or speak to your training manager.",
                                 link=link, agency_id=agency_id)
            continue
        window = _window((due_on - today).days, plan.assignment_days)
        if window is not None:
            when = "today" if due_on == today else f"on {human_date(due_on)}"
            yield notices.Notice(person_id, "assignment_due", f"assignment_due:{assignment_id}:{due_on}:{window}",
                                 f"Due {when}: {title}", f"{title} ({number}), assigned to you, is due {when}.",
                                 link=link, agency_id=agency_id)


def _requirement_notices(session: Session, agency_id: int, today: date, plan: Schedule,
                         requirement_titles: dict[str, Any], since: Since) -> Iterable[notices.Notice]:
    ev = PersonEvaluation
    changed = ev.evaluated_at > since.at if since.at else true()
    rows = session.execute(
        select(RS.person_id, RS.requirement_id, RS.due_on).join(Person, Person.id == RS.person_id)
        .join(ev, and_(ev.person_id == RS.person_id, ev.agency_id == agency_id))
        .where(RS.agency_id == agency_id, RS.state == TRACKED, RS.done.is_(False), Person.is_enabled,
               _crossed(RS.due_on, today, plan.requirement_days, plan, since, changed))).all()
    for person_id, requirement_id, due_on in rows:
        req = requirement_titles.get(requirement_id)
        title = req.title if req is not None else requirement_id
        if due_on < today:
            yield notices.Notice(person_id, "overdue", f"overdue:requirement:{person_id}:{requirement_id}:{due_on}",
                                 f"Overdue: {title}", f"{title} ({requirement_id}) was due {human_date(due_on)} and "
                                 "is not on your record as done. See My compliance for what is missing.",
                                 link="/compliance/mine", agency_id=agency_id)
            continue
        window = _window((due_on - today).days, plan.requirement_days)
        if window is not None:
            yield notices.Notice(person_id, "requirement_due",
                                 f"requirement_due:{person_id}:{requirement_id}:{due_on}:{window}",
                                 f"Due {human_date(due_on)}: {title}",
                                 f"{title} ({requirement_id}) is due {human_date(due_on)}. See My compliance for what "
                                 "is still needed.", link="/compliance/mine", agency_id=agency_id)


def _managers(session: Session, agency_id: int) -> list[Person]:
    return list(session.scalars(select(Person).where(Person.agency_id == agency_id, Person.is_enabled,
                                                     holds_role(Role.TRAINING_MANAGER)).order_by(Person.id)))


def _escalations(overdue: list[notices.Notice], managers: list[Person], agency_id: int,
                 session: Session) -> list[notices.Notice]:
    """One message per manager for the people who became overdue in this run (never their own)."""
    names = {p.id: p.full_name for p in session.scalars(
        select(Person).where(Person.id.in_({n.person_id for n in overdue})))}
    out = []
    for manager in managers:
        theirs = sorted((n for n in overdue if n.person_id != manager.id), key=lambda n: (names[n.person_id], n.key))
        if not theirs:
            continue
        digest = hashlib.sha256("\n".join(n.key for n in theirs).encode()).hexdigest()[:20]
        lines = "\n".join(f"- {names[n.person_id]}: {n.title.removeprefix('Overdue: ')}" for n in theirs[:50])
        more = f"\n- and {len(theirs) - 50} more" if len(theirs) > 50 else ""
        count = len({n.person_id for n in theirs})
        out.append(notices.Notice(
            manager.id, "escalation", f"escalation:{manager.id}:{digest}",
            f"{count} {'person' if count == 1 else 'people'} of your agency became overdue",
            f"These became overdue:\n\n{lines}{more}\n\nThe agency's compliance page lists everyone overdue.",
            link=f"/compliance/agencies/{agency_id}?status=overdue", agency_id=agency_id))
    return out


def _digests(session: Session, agency_id: int, managers: list[Person], today: date,
             plan: Schedule) -> list[notices.Notice]:
    week = today.isocalendar()

    def key(m: Person) -> str:
        return f"digest:{m.id}:{agency_id}:{week.year}-W{week.week:02d}"

    sent = set(session.scalars(select(Notification.key).where(Notification.key.in_([key(m) for m in managers]))))
    managers = [m for m in managers if key(m) not in sent]
    if not managers:
        return []  # this week's are written: nothing to count
    a = CourseAssignment
    open_ = and_(a.completion_id.is_(None), a.closed_as.is_(None))
    in_agency = and_(Person.id == a.person_id, Person.agency_id == agency_id, Person.is_enabled)

    def count(query: Any) -> int:
        return session.scalar(query) or 0

    newly_overdue = count(select(func.count()).select_from(a).join(Person, in_agency).where(
        open_, a.due_on < today, a.due_on >= today - timedelta(days=7))) + count(
        select(func.count()).select_from(RS).join(Person, Person.id == RS.person_id).where(
            RS.agency_id == agency_id, Person.is_enabled, RS.state == TRACKED, RS.done.is_(False),
            RS.due_on < today, RS.due_on >= today - timedelta(days=7)))
    until = today + timedelta(days=plan.digest_due_days)
    due_soon = count(select(func.count()).select_from(a).join(Person, in_agency).where(
        open_, a.due_on >= today, a.due_on <= until)) + count(
        select(func.count()).select_from(RS).join(Person, Person.id == RS.person_id).where(
            RS.agency_id == agency_id, Person.is_enabled, RS.state == TRACKED, RS.done.is_(False),
            RS.due_on >= today, RS.due_on <= until))
    stuck = count(select(func.count(func.distinct(Enrollment.person_id))).select_from(Enrollment)
                  .join(Person, Person.id == Enrollment.person_id)
                  .where(Person.agency_id == agency_id, Person.is_enabled, stuck_clause()))
    disputes = count(select(func.count()).select_from(Dispute).join(Person, Person.id == Dispute.person_id)
                     .where(Person.agency_id == agency_id, Dispute.status == DisputeStatus.OPEN))
    body = (f"Your agency this week ({human_date(today)}):\n\n"
            f"- Became overdue in the past 7 days: {newly_overdue}\n"
            f"- Due within {plan.digest_due_days} days: {due_soon}\n"
            f"- Stuck (a required quiz out of attempts; a new start is needed): {stuck}\n"
            f"- Disputes waiting for you: {disputes}")
    return [notices.Notice(m.id, "digest", key(m),
                           f"Weekly digest: {m.agency.name if m.agency else 'your agency'}", body,
                           link=f"/compliance/agencies/{agency_id}", agency_id=agency_id) for m in managers]


_ALERTS = (
    ("credit", "credit posting", CreditPosting, CreditPosting.status == PostingStatus.DEAD, "/admin/credits/"),
    ("xapi", "xAPI statement", XapiStatement, XapiStatement.status == OutboxStatus.DEAD, "/admin/xapi/"),
    ("mail", "e-mail message", OutgoingMail, OutgoingMail.status == OutboxStatus.DEAD, "/admin/mail/"),
    ("video", "video job", MediaAsset, MediaAsset.status == AssetStatus.FAILED, "/admin/media/"),
)


def _admin_alerts(session: Session, now: datetime, report: Report) -> None:
    """Administrators are told when something new went dead: the key names the newest dead item, so the same
    dead items are not told twice, and each new one is."""
    admins = list(session.scalars(select(Person.id).where(Person.is_enabled, holds_role(Role.ADMINISTRATOR))))
    planned = []
    for what, label, model, dead, link in _ALERTS:
        n, newest = session.execute(select(func.count(model.id), func.max(model.id)).where(dead)).one()
        if not n:
            continue
        label, verb = (label, "needs") if n == 1 else (f"{label}s", "need")
        planned += [notices.Notice(admin, "admin_alert", f"alert:{admin}:{what}:{newest}",
                                   f"{n} {label} {verb} attention",
                                   f"{n} {label} could not be completed and wait for an administrator (the newest is "
                                   f"number {newest}). Review them, fix the cause, and retry.", link=link)
                    for admin in admins]
    _send(session, planned, now, report)
