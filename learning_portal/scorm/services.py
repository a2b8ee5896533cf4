"""SCORM 1.2: storing an uploaded package, and the server side of the runtime API.

The page's API adapter (static/js/scorm-api.js) answers the content's ``LMSGetValue`` from the values given at
launch and sends what the content sets on ``LMSCommit`` and ``LMSFinish``. Here those values are checked again
(the browser is not trusted), kept, judged against the package's mastery score, and the item completes when
the lesson is passed, or completed when the package has no mastery score.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from learning_portal.accounts.models import Person
from learning_portal.catalog.models import CourseItem
from learning_portal.errors import ConflictError, NotFoundError, ValidationError
from learning_portal.learning import services as learning
from learning_portal.learning.models import Enrollment
from learning_portal.media.storage import Storage
from learning_portal.scorm.manifest import read_package
from learning_portal.scorm.models import ScormPackage, ScormState
from learning_portal.xapi import services as xapi
from learning_portal.xapi import statements

SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SETTABLE_STATUSES = ("passed", "completed", "failed", "incomplete", "browsed")  # and "not attempted", at first
EXITS = ("time-out", "suspend", "logout", "")
TIMESPAN_RE = re.compile(r"(\d{2,4}):([0-5]\d):([0-5]\d)(\.\d{1,2})?")
DECIMAL_RE = re.compile(r"-?\d{1,5}(\.\d+)?")
MAX_LOCATION, MAX_SUSPEND = 255, 4096
MAX_TOTAL_S = Decimal(10000 * 3600) - Decimal("0.01")  # 9999:59:59.99, the most a CMITimespan can say
# What the content may set, as the SCORM 1.2 run-time environment defines it.
WRITABLE = {"cmi.core.lesson_location", "cmi.core.lesson_status", "cmi.core.score.raw", "cmi.core.score.min",
            "cmi.core.score.max", "cmi.core.exit", "cmi.core.session_time", "cmi.suspend_data"}


# --- packages -------------------------------------------------------------------------------------


def store_package(session: Session, storage: Storage, data: bytes, *, filename: str, slug: str,
                  now: datetime) -> ScormPackage:
    """Check the zip and its manifest, store its files and record the package. Raises PackageError (not a
    package we can run) or ValidationError/ConflictError (the reference); nothing is stored then."""
    if not SLUG_RE.fullmatch(slug) or len(slug) > 80:
        raise ValidationError("A package reference is lower-case letters, digits and dashes.",
                              details={"slug": "Lower-case letters, digits and dashes."})
    if session.scalar(select(ScormPackage.id).where(ScormPackage.slug == slug)) is not None:
        raise ConflictError(f"A SCORM package with the reference '{slug}' already exists.")
    manifest, files = read_package(data)
    package = ScormPackage(slug=slug, title=manifest.title[:200], identifier=manifest.identifier[:200],
                           launch=manifest.launch, mastery_score=manifest.mastery_score,
                           file_count=len(files), size_bytes=sum(len(b) for b in files.values()),
                           original_filename=Path(filename).name[:255],
                           storage_prefix=f"scorm/{uuid.uuid4().hex}", created_at=now)
    try:
        with session.begin_nested():
            session.add(package)  # a reference taken meanwhile fails here, before any file is written
    except IntegrityError:
        raise ConflictError(f"A SCORM package with the reference '{slug}' already exists.") from None
    try:
        for path, content in files.items():
            storage.put_bytes(package.key(path), content)
    except Exception:  # the caller's transaction is rolled back; no file is left behind either
        storage.delete_prefix(package.storage_prefix)
        raise
    return package


def package_for(session: Session, item: CourseItem) -> ScormPackage:
    package = session.scalar(select(ScormPackage).where(ScormPackage.slug == item.package_slug))
    if package is None:
        raise NotFoundError("This item's SCORM package is not in the portal.")
    return package


# --- runtime --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommitOutcome:
    lesson_status: str
    item_completed: bool
    course_completed: bool


def launch(session: Session, *, enrollment: Enrollment, item: CourseItem, person: Person,
           package: ScormPackage, now: datetime) -> dict[str, str]:
    """Start a session of the package: the values the content reads (``LMSGetValue``), resumed from the last."""
    progress = learning.launch(session, enrollment=enrollment, item=item, now=now)
    state = _state(session, progress.id, now)
    if state.session_time_s:  # the last session never reached LMSFinish: its time still counts
        _end_session(state)
    entry = "ab-initio" if state.launches == 0 else ("resume" if state.exit == "suspend" else "")
    state.launches += 1
    state.updated_at = now
    session.flush()
    return {
        "cmi.core._children": "student_id,student_name,lesson_location,credit,lesson_status,entry,score,"
                              "total_time,lesson_mode,exit,session_time",
        "cmi.core.score._children": "raw,min,max",
        "cmi.core.student_id": person.post_id,
        "cmi.core.student_name": f"{person.last_name}, {person.first_name}",
        "cmi.core.lesson_location": state.lesson_location,
        "cmi.core.credit": "credit",
        "cmi.core.lesson_status": state.lesson_status,
        "cmi.core.entry": entry,
        "cmi.core.score.raw": _plain(state.score_raw),
        "cmi.core.score.min": _plain(state.score_min),
        "cmi.core.score.max": _plain(state.score_max),
        "cmi.core.total_time": timespan(state.total_time_s),
        "cmi.core.lesson_mode": "normal",
        "cmi.suspend_data": state.suspend_data,
        "cmi.launch_data": "",
        "cmi.comments": "",
        "cmi.student_data.mastery_score": _plain(package.mastery_score),
    }


def commit(session: Session, *, enrollment: Enrollment, item: CourseItem, package: ScormPackage,
           values: Any, finish: bool, now: datetime) -> CommitOutcome:
    """Keep what the content set (``LMSCommit``; ``finish`` for ``LMSFinish``) and complete the item if done."""
    if not isinstance(values, dict):
        raise ValidationError("Send the values as an object of CMI element names and strings.")
    problems = {name: problem for name, value in values.items() if (problem := check(name, value))}
    if problems:
        raise ValidationError("Some values are not valid SCORM 1.2 data.", details=problems)
    progress = learning.open_item(session, enrollment=enrollment, item=item, now=now)
    state = _state(session, progress.id, now)
    before = state.lesson_status
    apply(state, values)
    state.lesson_status = judged(state.lesson_status, state.score_raw, package.mastery_score)
    if state.lesson_status != before:
        _tell(session, enrollment, item, state, now)
    if finish:
        _end_session(state)
    state.updated_at = now
    # The package's own account of the time (it keeps its own rules): kept like a lesson's time on the page,
    # so it is part of the time spent the completion records and the profile shows.
    progress.active_s = float(state.total_time_s + state.session_time_s)
    outcome = learning.ItemOutcome(item_completed=False, course_completed=False)
    if done(state.lesson_status, package.mastery_score):
        outcome = learning.complete_item(session, enrollment=enrollment, item=item, now=now)
    session.flush()
    return CommitOutcome(state.lesson_status, outcome.item_completed, outcome.course_completed)


def _end_session(state: ScormState) -> None:
    """The session's time joins the total, which stops at what a CMITimespan can say (and the column hold)."""
    state.total_time_s = min(state.total_time_s + state.session_time_s, MAX_TOTAL_S)
    state.session_time_s = Decimal(0)


def _tell(session: Session, enrollment: Enrollment, item: CourseItem, state: ScormState, now: datetime) -> None:
    """The package's new status as xAPI: passed or failed with the score, or progressed (completion is told by
    learning when the item completes)."""
    status = state.lesson_status
    if status not in ("passed", "failed", "incomplete"):
        return
    result = None
    if status != "incomplete" and state.score_raw is not None:
        low, high = state.score_min or Decimal(0), state.score_max or Decimal(100)
        percent = float((state.score_raw - low) / (high - low) * 100) if high > low else 0.0
        # A raw score outside min..max (the content's to get right) would make a statement the LRS refuses.
        result = statements.score(round(min(max(percent, 0.0), 100.0), 2), passed=status == "passed")
    xapi.emit(session, person_id=enrollment.person_id, verb="progressed" if status == "incomplete" else status,
              version=enrollment.course_version, item=item, enrollment_id=enrollment.id, now=now, result=result)


def check(name: str, value: Any) -> str | None:
    """Why ``value`` may not be set on ``name``, or None. The same rules as the page's adapter."""
    if name not in WRITABLE:
        return "Not an element the content may set."
    if not isinstance(value, str):
        return "Values are strings."
    if name == "cmi.core.lesson_status" and value not in SETTABLE_STATUSES:
        return f"One of: {', '.join(SETTABLE_STATUSES)}."
    if name == "cmi.core.exit" and value not in EXITS:
        return "One of: time-out, suspend, logout, or empty."
    if name.startswith("cmi.core.score.") and value != "" and not (DECIMAL_RE.fullmatch(value)
                                                                 and abs(Decimal(value)) <= 99999):
        return "A number, or empty."
    if name == "cmi.core.session_time" and not TIMESPAN_RE.fullmatch(value):
        return "A time span HHHH:MM:SS.SS."
    if name == "cmi.core.lesson_location" and len(value) > MAX_LOCATION:
        return f"At most {MAX_LOCATION} characters."
    if name == "cmi.suspend_data" and len(value) > MAX_SUSPEND:
        return f"At most {MAX_SUSPEND} characters."
    if "\x00" in value:
        return "No NUL characters."
    return None


def apply(state: ScormState, values: dict[str, str]) -> None:
    for name, value in values.items():
        if name == "cmi.core.lesson_location":
            state.lesson_location = value
        elif name == "cmi.core.lesson_status":
            state.lesson_status = value
        elif name.startswith("cmi.core.score."):
            setattr(state, "score_" + name.rsplit(".", 1)[1], Decimal(value) if value else None)
        elif name == "cmi.core.exit":
            state.exit = value
        elif name == "cmi.core.session_time":
            state.session_time_s = seconds(value)
        elif name == "cmi.suspend_data":
            state.suspend_data = value


def judged(status: str, score: Decimal | None, mastery: Decimal | None) -> str:
    """With a mastery score, a reported score decides passed or failed once the content says it is done."""
    if mastery is None or score is None or status not in ("completed", "passed", "failed"):
        return status
    return "passed" if score >= mastery else "failed"


def done(status: str, mastery: Decimal | None) -> bool:
    return status == "passed" or (status == "completed" and mastery is None)


def seconds(span: str) -> Decimal:
    match = TIMESPAN_RE.fullmatch(span)
    if match is None:
        raise ValueError(span)
    hours, minutes, secs, fraction = match.groups()
    return Decimal(int(hours) * 3600 + int(minutes) * 60 + int(secs)) + Decimal(fraction or "0")


def timespan(total: Decimal) -> str:
    """A CMITimespan, whose hours have at most four digits."""
    whole = int(total)
    if whole >= 10000 * 3600:
        return "9999:59:59.99"
    hundredths = int((total - whole) * 100)
    return f"{whole // 3600:04d}:{whole % 3600 // 60:02d}:{whole % 60:02d}.{hundredths:02d}"


def _state_of(session: Session, progress_id: int) -> ScormState | None:
    return session.scalar(select(ScormState).where(ScormState.progress_id == progress_id))


def _state(session: Session, progress_id: int, now: datetime) -> ScormState:
    state = _state_of(session, progress_id)
    if state is not None:
        return state
    state = ScormState(progress_id=progress_id, lesson_status="not attempted", lesson_location="", suspend_data="",
                       exit="", session_time_s=Decimal(0), total_time_s=Decimal(0), launches=0, updated_at=now)
    try:
        with session.begin_nested():
            session.add(state)
    except IntegrityError:  # created by a concurrent request of the same learner
        state = _state_of(session, progress_id)
    return state


def _plain(value: Decimal | None) -> str:
    return "" if value is None else format(value.normalize(), "f")
