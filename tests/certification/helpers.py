"""A certification request's content that passes every check, its outline, and a course package to send with
it; tests override what they test."""

import io
import zipfile

from learning_portal.certification import services
from learning_portal.content_import import certified
from learning_portal.media.storage import LocalStorage
from tests.honest_course import quiz_toml

OUTLINE = b"%PDF-1.4 expanded course outline: goals, topics, hours, evaluation"


def content(**overrides):
    data = {"title": "Crisis Intervention Refresher", "delivery": "classroom", "total_hours": "8",
            "topics": [{"topic": "De-escalation", "hours": "5.5"}, {"topic": "Scenarios", "hours": "2.5"}],
            "instructors": ["Sgt. A. Rivera"], "starts_on": "2027-01-04", "ends_on": "2027-06-30"}
    return data | overrides


def files_in(root) -> services.Files:
    return services.Files(LocalStorage(root), certified)


def draft(session, files, *, actor, presenter_id, now, data=None, **kwargs):
    """A draft with its outline attached, ready to submit."""
    req = services.create_request(session, actor=actor, presenter_id=presenter_id, data=data or content(), now=now,
                                  **kwargs)
    services.attach_outline(session, files, actor=actor, req=req, data=OUTLINE, filename="outline.pdf")
    return req


PACKAGE_COURSE = '''slug = "{slug}"
presenter = "{presenter}"
number = "{number}"
title = "{title}"
summary = "Riding, stops and the law on a patrol bicycle."
description = "The basics of patrolling on a bicycle."
delivery = "self_paced"
audience = ["officer"]
topics = ["patrol", "bicycle"]
cpt_hours = {hours}
credit = "automatic"
satisfies = {satisfies}
sample = false

[hours]
{category} = {hours}

[[items]]
kind = "lesson"
title = "Riding on patrol"
file = "lessons/01.md"

[[items]]
kind = "quiz"
title = "Final assessment"
file = "quizzes/final.toml"
'''


def package_zip(*, slug: str = "bicycle-patrol", title: str = "Bicycle Patrol Fundamentals", hours: str = "2",
                satisfies: str = '["ZZ-CPT"]', presenter: str = "9990", number: str = "00001",
                category: str = "general", extra: dict[str, str] | None = None) -> bytes:
    """A one-lesson course with a two-question quiz (every answer True), zipped as a presenter sends it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{slug}/course.toml", PACKAGE_COURSE.format(
            slug=slug, title=title, hours=hours, satisfies=satisfies, presenter=presenter, number=number,
            category=category))
        for name, text in (extra or {}).items():
            archive.writestr(name, text)
        archive.writestr(f"{slug}/lessons/01.md", "## Riding on patrol\n\nLook ahead, signal, stop.\n")
        archive.writestr(f"{slug}/quizzes/final.toml", quiz_toml(pools={"*": 2}, draw=None))
    return buffer.getvalue()
