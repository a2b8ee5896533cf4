"""The certification workflow: draft -> submitted -> returned (and resubmitted) -> certified or denied.

Coordinators act only for their own presenter and only on drafts and returned requests; consultants act only
on submitted requests of their jurisdiction's presenters. Every step is kept with who took it, when and the
comment; bad input is refused whole, before anything is stored."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from learning_portal import documents
from learning_portal.accounts.models import Jurisdiction, Person
from learning_portal.audit.services import record as audit
from learning_portal.catalog.models import Course, HourCategory, Requirement
from learning_portal.certification.models import (
    CertificationRequest,
    CertificationStep,
    Consultant,
    Coordinator,
    Delivery,
    Presenter,
    RequestKind,
    RequestState,
)
from learning_portal.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from learning_portal.formatting import hours, human_date
from learning_portal.notices import services as notices

EDITABLE = (RequestState.DRAFT, RequestState.RETURNED)
COVERING = (RequestState.CERTIFIED, RequestState.WITHDRAWN)  # a course number with a last day of CPT
MAX_HOURS = Decimal("999.75")
QUARTER = Decimal("0.25")
MAX_PACKAGE_BYTES = 50 * 1024**2


class Packages(Protocol):
    """Course packages, as ``content_import.certified`` reads and publishes them (a layer above this one)."""

    def check(self, session: Session, data: bytes, *, filename: str, course_slug: str | None) -> Any: ...

    def publish(self, session: Session, data: bytes, *, filename: str, course_slug: str | None, presenter: str,
                number: str, now: datetime) -> int: ...


@dataclass(frozen=True)
class Files:
    """Where a request's outline and package are kept (media storage), and what reads a package."""

    storage: Any
    packages: Packages


def is_coordinator(session: Session, person: Person, presenter_id: int) -> bool:
    return session.get(Coordinator, (presenter_id, person.id)) is not None


def consultant_jurisdictions(session: Session, person: Person) -> set[str]:
    return set(session.scalars(select(Consultant.jurisdiction).where(Consultant.person_id == person.id)))


def _hours(value: Any, field: str) -> Decimal:
    try:
        hours = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(f"{field}: {value!r} is not a number of hours.", details={field: "not_a_number"}) \
            from None
    if not hours.is_finite() or hours <= 0 or hours > MAX_HOURS or hours % QUARTER:
        raise ValidationError(f"{field}: hours are given in quarter hours, more than 0 and at most {MAX_HOURS}.",
                              details={field: "out_of_range"})
    return hours


@dataclass(frozen=True)
class RequestData:
    """A request's content as the coordinator gives it, checked whole."""

    title: str
    delivery: Delivery
    total_hours: Decimal
    topics: tuple[tuple[str, Decimal], ...]
    categories: tuple[str, ...]
    requirements: tuple[str, ...]
    instructors: tuple[str, ...]
    plan: str | None
    starts_on: date
    ends_on: date | None

    @classmethod
    def parse(cls, session: Session, data: Mapping[str, Any]) -> RequestData:
        errors: dict[str, str] = {}
        title = str(data.get("title") or "").strip()
        if not title or len(title) > 200:
            errors["title"] = "A title of 1 to 200 characters."
        try:
            delivery = Delivery(data.get("delivery"))
        except ValueError:
            errors["delivery"] = f"One of {', '.join(d.value for d in Delivery)}."
            delivery = Delivery.CLASSROOM
        if errors:
            raise ValidationError(" ".join(f"{k}: {v}" for k, v in errors.items()), details=errors)
        total = _hours(data.get("total_hours"), "total_hours")
        topics_in = data.get("topics") or []
        if not isinstance(topics_in, list) or not topics_in:
            raise ValidationError("topics: the hourly distribution lists at least one topic with its hours.",
                                  details={"topics": "missing"})
        topics = []
        for n, row in enumerate(topics_in, 1):
            if not isinstance(row, Mapping) or not str(row.get("topic") or "").strip():
                raise ValidationError(f"topics: row {n} needs a topic and its hours.", details={"topics": n})
            topics.append((str(row["topic"]).strip()[:200], _hours(row.get("hours"), f"topics row {n} hours")))
        spread = sum((h for _, h in topics), Decimal(0))
        if spread != total:
            raise ValidationError(f"The hourly distribution adds up to {spread} hours, the total is {total}: they "
                                  "must agree.", details={"topics": "does_not_add_up"})
        categories = _strings(data.get("categories"), "categories")
        known = set(session.scalars(select(HourCategory.id).where(HourCategory.id.in_(categories))))
        if unknown := [c for c in categories if c not in known]:
            raise ValidationError(f"categories: no such hour category: {', '.join(unknown)}.",
                                  details={"categories": unknown})
        requirements = _strings(data.get("requirements"), "requirements")
        known = set(session.scalars(select(Requirement.id).where(Requirement.id.in_(requirements))))
        if unknown := [r for r in requirements if r not in known]:
            raise ValidationError(f"requirements: no such requirement: {', '.join(unknown)}.",
                                  details={"requirements": unknown})
        starts_on, ends_on = _date(data.get("starts_on"), "starts_on"), None
        if data.get("ends_on"):
            ends_on = _date(data["ends_on"], "ends_on")
            if ends_on < starts_on:
                raise ValidationError("ends_on: the course cannot end before it starts.",
                                      details={"ends_on": "before_start"})
        plan = str(data.get("plan") or "").strip() or None
        if plan and len(plan) > 80:
            raise ValidationError("plan: at most 80 characters.", details={"plan": "too_long"})
        return cls(title, delivery, total, tuple(topics), categories, requirements,
                   _strings(data.get("instructors"), "instructors"), plan, starts_on, ends_on)

    def apply(self, req: CertificationRequest) -> None:
        req.title, req.delivery, req.total_hours = self.title, self.delivery, self.total_hours
        req.topics = [{"topic": t, "hours": str(h)} for t, h in self.topics]
        req.categories, req.requirements = list(self.categories), list(self.requirements)
        req.instructors, req.plan = list(self.instructors), self.plan
        req.starts_on, req.ends_on = self.starts_on, self.ends_on


def _strings(value: Any, field: str) -> tuple[str, ...]:
    if value in (None, ""):
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and 0 < len(v.strip()) <= 200 for v in value):
        raise ValidationError(f"{field}: a list of names.", details={field: "not_a_list"})
    return tuple(dict.fromkeys(v.strip() for v in value))


def _date(value: Any, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(f"{field}: a date as YYYY-MM-DD.", details={field: "not_a_date"}) from None


def create_request(session: Session, *, actor: Person, presenter_id: int, data: Mapping[str, Any], now: datetime,
                   kind: RequestKind = RequestKind.NEW, course_id: int | None = None) -> CertificationRequest:
    presenter = session.get(Presenter, presenter_id)
    if presenter is None or not is_coordinator(session, actor, presenter_id):
        raise PermissionDeniedError("You are not a course coordinator of this presenter.")
    if course_id is not None:
        course = session.get(Course, course_id)
        if course is None or course.presenter != presenter.number:
            raise ValidationError("course_id: a modification is of one of this presenter's own courses.",
                                  details={"course_id": "not_the_presenters"})
    content = RequestData.parse(session, data)
    req = CertificationRequest(presenter_id=presenter_id, kind=kind, course_id=course_id, created_by_id=actor.id,
                               created_at=now, state=RequestState.DRAFT, state_since=now)
    content.apply(req)
    session.add(req)
    _step(session, req, actor, None, RequestState.DRAFT, "", now)
    return req


def update_request(session: Session, *, actor: Person, req: CertificationRequest, data: Mapping[str, Any]) -> None:
    as_coordinator(session, actor, req)
    RequestData.parse(session, data).apply(req)


def attach_outline(session: Session, files: Files, *, actor: Person, req: CertificationRequest, data: bytes,
                   filename: str) -> None:
    """The expanded course outline, a PDF (or a scanned PNG/JPEG) of at most 5 MB; a new one replaces it."""
    as_coordinator(session, actor, req)
    try:
        document = documents.accept(data, filename, folder="certification", fallback="outline")
    except documents.DocumentError as exc:
        raise ValidationError(f"The outline was not attached: {exc}", details={"outline": str(exc)}) from None
    files.storage.put_bytes(document.key, data)  # an orphan file if the transaction fails, never a lost request
    req.outline_key, req.outline_name = document.key, document.name


def attach_package(session: Session, files: Files, *, actor: Person, req: CertificationRequest, data: bytes,
                   filename: str) -> None:
    """The course package (a zip) of a course taken or presented here (a classroom course's package puts it in
    the catalogue for its presentations); checked now and published when certified."""
    as_coordinator(session, actor, req)
    if len(data) > MAX_PACKAGE_BYTES:
        raise ValidationError("The package is larger than 50 MB.", details={"package": "too_large"})
    facts = _check_package(session, files, req, data, filename)
    stem = documents.clean_stem(filename, "package")
    key = f"certification/{uuid.uuid4().hex}/{stem}.zip"
    files.storage.put_bytes(key, data)
    req.package_key, req.package_name, req.package_course = key, f"{stem}.zip", facts.slug


def _modified_slug(session: Session, req: CertificationRequest) -> str | None:
    """The slug of the course a modification changes (its package must be that course); None for a new one."""
    return session.get(Course, req.course_id).slug if req.kind is RequestKind.MODIFICATION else None


def _check_package(session: Session, files: Files, req: CertificationRequest, data: bytes, filename: str) -> Any:
    try:
        return files.packages.check(session, data, filename=filename, course_slug=_modified_slug(session, req))
    except ValueError as exc:  # content_import's PackageError: the zip, or what it holds, is wrong
        raise ValidationError(f"The package was not attached: {exc}", details={"package": str(exc)}) from None


def submit(session: Session, files: Files, *, actor: Person, req: CertificationRequest, now: datetime,
           comment: str = "") -> None:
    """Sent to the consultants, with what they need to decide: an outline, or the course's package, which must
    say what the request says (the same hours, the same requirements)."""
    as_coordinator(session, actor, req)
    if req.outline_key is None and req.package_key is None:
        raise ValidationError("Attach the expanded course outline or the course package before submitting.",
                              details={"outline": "missing"})
    if req.package_key is not None:
        facts = _check_package(session, files, req, files.storage.read(req.package_key), req.package_name)
        if facts.cpt_hours != req.total_hours:
            raise ValidationError(f"The package gives {hours(facts.cpt_hours)} CPT hours and the request "
                                  f"{hours(req.total_hours)}: make them agree.", details={"package": "hours"})
        if set(facts.satisfies) != set(req.requirements):
            raise ValidationError(
                f"The package satisfies {', '.join(facts.satisfies) or 'no requirement'}, the request names "
                f"{', '.join(req.requirements) or 'none'}: make them agree.", details={"package": "requirements"})
        if set(facts.categories) != set(req.categories):
            raise ValidationError(
                f"The package's hours count in {', '.join(facts.categories) or 'no category'}, the request names "
                f"{', '.join(req.categories) or 'none'}: make them agree.", details={"package": "categories"})
    _move(session, req, actor, RequestState.SUBMITTED, comment, now)


def return_with_comments(session: Session, *, actor: Person, req: CertificationRequest, comment: str,
                         now: datetime) -> None:
    _as_consultant(session, actor, req)
    if not comment.strip():
        raise ValidationError("Say what the presenter must change: a returned request needs a comment.",
                              details={"comment": "required"})
    _move(session, req, actor, RequestState.RETURNED, comment, now)


def deny(session: Session, *, actor: Person, req: CertificationRequest, comment: str, now: datetime) -> None:
    _as_consultant(session, actor, req)
    if not comment.strip():
        raise ValidationError("A denial needs its reason.", details={"comment": "required"})
    _move(session, req, actor, RequestState.DENIED, comment, now)


def certify(session: Session, files: Files, *, actor: Person, req: CertificationRequest, number: str,
            expires_on: date, now: datetime, comment: str = "") -> None:
    """A course number and an expiry date; a request with a package publishes it under that number."""
    _as_consultant(session, actor, req)
    number = number.strip()
    if not (number.isascii() and number.isdigit() and 1 <= len(number) <= 5):
        raise ValidationError("The course number is 1 to 5 digits.", details={"number": "invalid"})
    if expires_on <= local_today(session, req, now):
        raise ValidationError("The certification must expire after today.", details={"expires_on": "past"})
    course_number = f"{req.presenter.number}-{number.zfill(5)}"
    # A number names one course: another request's, or a published course's, unless it is this very course.
    others = select(CertificationRequest.course_id).where(CertificationRequest.course_number == course_number,
                                                          CertificationRequest.id != req.id)
    published = select(Course.id).where(Course.presenter == req.presenter.number, Course.number == number.zfill(5))
    if any(c is None or c != req.course_id for c in session.scalars(others.union_all(published))):
        raise ConflictError(f"Course number {course_number} is already another course's.")
    if req.package_key is not None:
        try:
            req.course_id = files.packages.publish(session, files.storage.read(req.package_key),
                                                   filename=req.package_name, course_slug=_modified_slug(session, req),
                                                   presenter=req.presenter.number, number=number.zfill(5), now=now)
        except ValueError as exc:  # the portal changed since submission (a video it uses was removed, ...)
            raise ConflictError(f"The package cannot be published: {exc} Return the request to the presenter.") \
                from None
    req.course_number, req.expires_on = course_number, expires_on
    _move(session, req, actor, RequestState.CERTIFIED, comment, now)


def local_today(session: Session, req: CertificationRequest, now: datetime) -> date:
    """Today where the presenter's jurisdiction counts training (a certification's last day is one of its days)."""
    return session.get(Jurisdiction, req.presenter.jurisdiction).local_date(now)


def is_current(session: Session, req: CertificationRequest) -> bool:
    """Whether this request's certification is the one in force for its course number (the newest)."""
    return req.state in COVERING and session.scalar(select(_newest_of(req.course_number))) == req.id


def withdraw(session: Session, *, actor: Person, req: CertificationRequest, comment: str, last_day: date,
             now: datetime) -> None:
    """The commission withdraws a certification: completions after ``last_day`` (today or later, before the
    certification would have ended) earn no CPT. Records already posted stand."""
    _as_consultant(session, actor, req)
    if not comment.strip():
        raise ValidationError("A withdrawal needs its reason.", details={"comment": "required"})
    if req.state is RequestState.CERTIFIED and not is_current(session, req):
        raise ConflictError("A later certification of this course (a modification) is the one in force: withdraw "
                            "that one.")
    if req.state is RequestState.CERTIFIED and not local_today(session, req, now) <= last_day < req.expires_on:
        raise ValidationError(f"The last day it covers is from today to before {human_date(req.expires_on)}, when "
                              "the certification ends anyway.", details={"expires_on": "out_of_range"})
    was = req.expires_on
    _move(session, req, actor, RequestState.WITHDRAWN,
          f"{comment.strip()} (certified through {human_date(was)}; now through {human_date(last_day)})", now)
    req.expires_on = last_day


ALLOWED = {
    RequestState.DRAFT: {RequestState.SUBMITTED},
    RequestState.RETURNED: {RequestState.SUBMITTED},
    RequestState.SUBMITTED: {RequestState.RETURNED, RequestState.CERTIFIED, RequestState.DENIED},
    RequestState.CERTIFIED: {RequestState.WITHDRAWN},
}


def _move(session: Session, req: CertificationRequest, actor: Person, to: RequestState, comment: str,
          now: datetime) -> None:
    if to not in ALLOWED.get(req.state, set()):
        raise ConflictError(f"A request that is {req.state.label.lower()} cannot be {to.label.lower()}.")
    _step(session, req, actor, req.state, to, comment.strip(), now)
    req.state, req.state_since = to, now
    session.flush()
    audit(session, "certification.step", actor_id=actor.id, now=now, target=f"certification_request:{req.id}",
          details={"to": to.value})
    _tell_the_other_side(session, req, actor, comment.strip(), now)


def _tell_the_other_side(session: Session, req: CertificationRequest, actor: Person, comment: str,
                         now: datetime) -> None:
    """A submission goes to the jurisdiction's consultants; a decision to the presenter's coordinators (by
    notice and e-mail, as every notice goes)."""
    if req.state is RequestState.SUBMITTED:
        people = session.scalars(select(Consultant.person_id).where(
            Consultant.jurisdiction == req.presenter.jurisdiction))
    else:
        people = session.scalars(select(Coordinator.person_id).where(Coordinator.presenter_id == req.presenter_id))
    number = f" as {req.course_number} (certified through {req.expires_on.isoformat()})" \
        if req.state is RequestState.CERTIFIED else ""
    body = (f"{actor.full_name} moved the certification request \"{req.title}\" of {req.presenter.name} to "
            f"{req.state.label.lower()}{number}." + (f"\n\nComment: {comment}" if comment else ""))
    notices.send(session, [notices.Notice(
        pid, "certification_step", f"certification:{req.id}:{len(req.steps)}",
        f"Certification request {req.state.label.lower()}: {req.title}", body,
        ) for pid in people if pid != actor.id], now=now)


def _step(session: Session, req: CertificationRequest, actor: Person, frm: RequestState | None,
          to: RequestState, comment: str, now: datetime) -> None:
    req.steps.append(CertificationStep(seq=len(req.steps) + 1, at=now, by_id=actor.id, from_state=frm,
                                       to_state=to, comment=comment[:4000]))


def as_coordinator(session: Session, actor: Person, req: CertificationRequest) -> None:
    """Refuses anyone but the presenter's coordinators, and a request that is not theirs to change now."""
    if not is_coordinator(session, actor, req.presenter_id):
        raise PermissionDeniedError("Only the presenter's course coordinators change and submit its requests.")
    if req.state not in EDITABLE:
        raise ConflictError(f"The request is {req.state.label.lower()}: only a draft or a returned request can "
                            "be changed.")


def _as_consultant(session: Session, actor: Person, req: CertificationRequest) -> None:
    if req.presenter.jurisdiction not in consultant_jurisdictions(session, actor):
        raise PermissionDeniedError("Only the commission's consultants for this presenter's jurisdiction decide "
                                    "on its requests.")
    if is_coordinator(session, actor, req.presenter_id):
        raise PermissionDeniedError("You coordinate this presenter's requests: another consultant decides them.")


def requests_by_state(session: Session, jurisdictions: set[str], now: datetime) -> list[tuple[RequestState, int,
                                                                                               datetime | None]]:
    """For consultants: how many requests are in each state and since when the oldest has waited."""
    rows = session.execute(select(CertificationRequest.state, func.count(), func.min(CertificationRequest.state_since))
                           .join(Presenter).where(Presenter.jurisdiction.in_(jurisdictions))
                           .group_by(CertificationRequest.state))
    return sorted(((s, n, oldest) for s, n, oldest in rows), key=lambda r: list(RequestState).index(r[0]))


def expiring(session: Session, presenter_id: int, today: date, days: int = 90) -> list[CertificationRequest]:
    """For presenters: certified courses whose certification (the one in force) ends within ``days``."""
    return list(session.scalars(select(CertificationRequest).where(
        CertificationRequest.presenter_id == presenter_id,
        CertificationRequest.id == _newest_of(CertificationRequest.course_number),
        CertificationRequest.expires_on >= today, CertificationRequest.expires_on <= today + timedelta(days=days))
        .order_by(CertificationRequest.expires_on)))


def certified_until(session: Session, course_ids: set[int]) -> dict[int, date]:
    """The courses among ``course_ids`` that went through certification here, each with the last day its
    certification covers: that of its newest certified request (a modification's, once certified, or a
    withdrawal's). A course not listed was published without a request (its package's word stands)."""
    if not course_ids:
        return {}
    rows = session.execute(select(Course.id, CertificationRequest.expires_on)
                           .join(CertificationRequest, CertificationRequest.id == _newest_of(COURSE_NUMBER))
                           .where(Course.id.in_(course_ids)))
    return {course_id: until for course_id, until in rows}


def certified_through(session: Session, course_number: str) -> date | None:
    """The last day the newest certification of ``course_number`` covers (None: never certified here)."""
    return session.scalar(select(CertificationRequest.expires_on).where(
        CertificationRequest.id == _newest_of(course_number)))


def in_force_until(session: Session, course_number: str, now: datetime) -> date | None:
    """The last day of ``course_number``'s certification if it still covers today where it was certified:
    such a course changes only by certifying a modification."""
    req = session.scalar(select(CertificationRequest).where(CertificationRequest.id == _newest_of(course_number)))
    return req.expires_on if req is not None and req.expires_on >= local_today(session, req, now) else None


COURSE_NUMBER = Course.presenter + "-" + Course.number  # as a certification request names a catalogue course


def _newest_of(course_number: Any):  # noqa: ANN202 - a scalar subquery, correlated where the number is a column
    """The id of the certification in force for a course number: its newest certified (or withdrawn) request.
    One home for that rule: the poster, the course page, reports, withdrawal and publishing all use it."""
    newer = aliased(CertificationRequest)
    return (select(func.max(newer.id)).where(newer.course_number == course_number, newer.state.in_(COVERING))
            .correlate_except(newer).scalar_subquery())


def get_request(session: Session, actor: Person, request_id: int, *, for_update: bool = False) -> CertificationRequest:
    """A request its presenter's coordinators and its jurisdiction's consultants see; to anyone else it does
    not exist. ``for_update`` locks it, so two people acting at once take their steps one after the other."""
    req = session.get(CertificationRequest, request_id, with_for_update=for_update)
    if req is None or not (is_coordinator(session, actor, req.presenter_id)
                           or req.presenter.jurisdiction in consultant_jurisdictions(session, actor)):
        raise NotFoundError("No such certification request.")
    return req


def visible_requests(session: Session, actor: Person, *, state: RequestState | None = None, after: int = 0,
                     limit: int = 100) -> list[CertificationRequest]:
    mine = select(Coordinator.presenter_id).where(Coordinator.person_id == actor.id)
    theirs = select(Consultant.jurisdiction).where(Consultant.person_id == actor.id)
    query = (select(CertificationRequest).join(Presenter)
             .where((CertificationRequest.presenter_id.in_(mine)) | (Presenter.jurisdiction.in_(theirs)),
                    CertificationRequest.id > after)
             .order_by(CertificationRequest.id).limit(limit))
    if state is not None:
        query = query.where(CertificationRequest.state == state)
    return list(session.scalars(query))


def requests_of(session: Session, presenter_id: int, limit: int = 200) -> list[CertificationRequest]:
    """A presenter's requests, newest first."""
    return list(session.scalars(select(CertificationRequest).where(CertificationRequest.presenter_id == presenter_id)
                                .order_by(CertificationRequest.id.desc()).limit(limit)))


def waiting(session: Session, jurisdictions: set[str], limit: int = 500) -> list[CertificationRequest]:
    """Submitted requests of the jurisdictions' presenters, the longest waiting first."""
    if not jurisdictions:
        return []
    return list(session.scalars(select(CertificationRequest).join(Presenter).where(
        Presenter.jurisdiction.in_(jurisdictions), CertificationRequest.state == RequestState.SUBMITTED)
        .order_by(CertificationRequest.state_since, CertificationRequest.id).limit(limit)))


def presenters_of(session: Session, actor: Person) -> list[Presenter]:
    """The presenters the person coordinates courses for."""
    return list(session.scalars(select(Presenter).join(Coordinator).where(Coordinator.person_id == actor.id)
                                .order_by(Presenter.name)))


def presenter_for(session: Session, actor: Person, presenter_id: int) -> Presenter:
    """A presenter its coordinators and its jurisdiction's consultants may read about."""
    presenter = session.get(Presenter, presenter_id)
    if presenter is None or not (is_coordinator(session, actor, presenter_id)
                                 or presenter.jurisdiction in consultant_jurisdictions(session, actor)):
        raise NotFoundError("No such presenter.")
    return presenter


def take_step(session: Session, files: Files, *, actor: Person, req: CertificationRequest, action: str,
              data: Mapping[str, Any], now: datetime) -> None:
    """One step by name, as the API and the pages take it: submit, return, certify or deny."""
    comment = data.get("comment", "")
    if not isinstance(comment, str) or len(comment) > 4000:
        raise ValidationError("comment: text of at most 4000 characters.", details={"comment": "invalid"})
    if action == "submit":
        submit(session, files, actor=actor, req=req, now=now, comment=comment)
    elif action == "return":
        return_with_comments(session, actor=actor, req=req, comment=comment, now=now)
    elif action == "deny":
        deny(session, actor=actor, req=req, comment=comment, now=now)
    elif action == "withdraw":
        withdraw(session, actor=actor, req=req, comment=comment, now=now, last_day=_date(
            data.get("expires_on") or local_today(session, req, now).isoformat(), "expires_on"))
    elif action == "certify":
        number = data.get("number")
        if not isinstance(number, str):
            raise ValidationError("number: the course number to give, 1 to 5 digits.", details={"number": "missing"})
        certify(session, files, actor=actor, req=req, number=number,
                expires_on=_date(data.get("expires_on"), "expires_on"), now=now, comment=comment)
    else:
        raise ValidationError("action: submit, return, certify, deny or withdraw.", details={"action": "invalid"})


def add_presenter(session: Session, *, number: str, name: str, jurisdiction: str,
                  agency_id: int | None = None) -> Presenter:
    number, name = number.strip(), name.strip()
    if not (number.isascii() and number.isdigit() and len(number) == 4):
        raise ValidationError("A presenter number is 4 digits.", details={"number": "invalid"})
    if not name or len(name) > 200:
        raise ValidationError("A presenter's name of 1 to 200 characters.", details={"name": "invalid"})
    if session.scalar(select(Presenter.id).where(Presenter.number == number)) is not None:
        raise ConflictError(f"Presenter number {number} is taken.")
    if session.get(Jurisdiction, jurisdiction) is None:
        raise ValidationError(f"No jurisdiction {jurisdiction}.", details={"jurisdiction": "unknown"})
    presenter = Presenter(number=number, name=name, jurisdiction=jurisdiction, agency_id=agency_id)
    session.add(presenter)
    session.flush()
    return presenter


def grant(session: Session, *, person: Person, role: str, to: str, now: datetime,
          actor_id: int | None = None) -> bool:
    """Make ``person`` a course coordinator of presenter number ``to``, or a consultant for jurisdiction ``to``;
    False (and nothing audited) when they already are."""
    if role == "coordinator":
        presenter = session.scalar(select(Presenter).where(Presenter.number == to))
        if presenter is None:
            raise NotFoundError(f"No presenter {to}.")
        if is_coordinator(session, person, presenter.id):
            return False
        session.add(Coordinator(presenter_id=presenter.id, person_id=person.id))
    elif role == "consultant":
        if session.get(Jurisdiction, to) is None:
            raise NotFoundError(f"No jurisdiction {to}.")
        if session.get(Consultant, (person.id, to)) is not None:
            return False
        session.add(Consultant(person_id=person.id, jurisdiction=to))
    else:
        raise ValidationError("role: coordinator or consultant.", details={"role": role})
    audit(session, "certification.granted", actor_id=actor_id, subject_id=person.id, now=now,
          target=f"{role}:{to}")
    return True


def course_certification(session: Session, course_id: int, today: date) -> dict | None:
    """What the catalogue's API says of a course certified here (None: published without a request here)."""
    req = session.scalar(select(CertificationRequest).join(Course, CertificationRequest.id == _newest_of(COURSE_NUMBER))
                         .where(Course.id == course_id))
    if req is None:
        return None
    status = "expired" if today > req.expires_on else "certified"
    if req.state is RequestState.WITHDRAWN:  # expires_on: its last day, brought forward
        status = "withdrawn"
    return {"status": status, "course_number": req.course_number,
            "total_hours": str(req.total_hours), "expires_on": req.expires_on.isoformat()}
