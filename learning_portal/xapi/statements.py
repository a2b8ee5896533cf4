"""xAPI 1.0.3 statements, built from plain values (no database, no Flask).

- The actor is an account: the person's POST ID on the configured home page. No name or e-mail is sent.
- Verbs come from the ADL vocabulary.
- A course is the activity ``<base>/xapi/courses/<course number>``. An item (lesson, video, quiz, SCORM
  package) is ``.../v<version>/items/<position>``, with its course as the parent.
- Statements about one enrollment share a registration (a UUID derived from the enrollment).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

VERSION = "1.0.3"

# Verb name -> (IRI, display). "satisfied" is ADL's verb for "met the criteria": the CPT credit was posted.
VERBS = {
    "launched": "http://adlnet.gov/expapi/verbs/launched",
    "progressed": "http://adlnet.gov/expapi/verbs/progressed",
    "completed": "http://adlnet.gov/expapi/verbs/completed",
    "passed": "http://adlnet.gov/expapi/verbs/passed",
    "failed": "http://adlnet.gov/expapi/verbs/failed",
    "satisfied": "https://w3id.org/xapi/adl/verbs/satisfied",
}

ACTIVITY_TYPES = {
    "course": "http://adlnet.gov/expapi/activities/course",
    "lesson": "http://adlnet.gov/expapi/activities/lesson",
    "video": "https://w3id.org/xapi/video/activity-type/video",
    "quiz": "http://adlnet.gov/expapi/activities/assessment",
    "scorm": "http://adlnet.gov/expapi/activities/module",
}

# Share of an item or a course done, 0-100 (the extension cmi5 defined for "progressed").
PROGRESS = "https://w3id.org/xapi/cmi5/result/extensions/progress"


@dataclass(frozen=True)
class StatementSettings:
    base_url: str  # the portal's public address: activity and extension IRIs start with it
    homepage: str  # the account home page of POST IDs

    def extension(self, name: str) -> str:
        return f"{self.base_url}/xapi/extensions/{name}"


@dataclass(frozen=True)
class Course:
    number: str  # e.g. 9999-00101
    version: int
    title: str


@dataclass(frozen=True)
class Item:
    position: int  # in the course version, from 1
    kind: str  # a key of ACTIVITY_TYPES
    title: str


def course_activity(settings: StatementSettings, course: Course) -> dict[str, Any]:
    return _activity(f"{settings.base_url}/xapi/courses/{course.number}", course.title, "course")


def item_activity(settings: StatementSettings, course: Course, item: Item) -> dict[str, Any]:
    return _activity(f"{settings.base_url}/xapi/courses/{course.number}/v{course.version}/items/{item.position}",
                     item.title, item.kind)


def registration(settings: StatementSettings, enrollment_id: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{settings.base_url}/enrollments/{enrollment_id}"))


def statement(settings: StatementSettings, *, post_id: str, verb: str, course: Course, item: Item | None = None,
              enrollment_id: int | None = None, result: dict[str, Any] | None = None,
              extensions: dict[str, Any] | None = None, timestamp: datetime) -> dict[str, Any]:
    """One statement: ``verb`` about ``item`` (in ``course``) or about the course itself."""
    context: dict[str, Any] = {"platform": "Learning Portal", "language": "en-US"}
    if item is not None:
        context["contextActivities"] = {"parent": [course_activity(settings, course)]}
    if enrollment_id is not None:
        context["registration"] = registration(settings, enrollment_id)
    if extensions:
        context["extensions"] = {settings.extension(k): v for k, v in extensions.items()}
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "account": {"homePage": settings.homepage, "name": post_id}},
        "verb": {"id": VERBS[verb], "display": {"en-US": verb}},
        "object": item_activity(settings, course, item) if item else course_activity(settings, course),
        "context": context,
        "timestamp": timestamp.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    if result:
        body["result"] = result
    return body


def score(percent: int | float, *, passed: bool) -> dict[str, Any]:
    """The result of an assessment scored 0-100."""
    return {"score": {"scaled": round(percent / 100, 4), "raw": percent, "min": 0, "max": 100},
            "success": passed, "completion": passed}


def progress(percent: int | float) -> dict[str, Any]:
    return {"extensions": {PROGRESS: max(0, min(100, int(percent)))}}


def _activity(iri: str, title: str, kind: str) -> dict[str, Any]:
    return {"objectType": "Activity", "id": iri,
            "definition": {"name": {"en-US": title}, "type": ACTIVITY_TYPES[kind]}}
