"""A course package written for the honest-credit tests: two lessons with a minimum time, taken in order, then a
timed quiz drawing questions from topic pools. Written to a folder beside the test content's requirements."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.factories import TEST_CONTENT

COURSE = '''slug = "{slug}"
presenter = "9998"
number = "{number}"
title = "Honest Credit Course"
summary = "Lessons in order, with time on each, then a drawn and timed quiz."
description = "For the test suite."
delivery = "self_paced"
audience = ["officer"]
topics = ["testing"]
cpt_hours = 2
credit = "automatic"
satisfies = {satisfies}
sample = true
in_order = true

[hours]
general = 2

[[items]]
kind = "lesson"
title = "Lesson one"
file = "lessons/01.md"
min_minutes = {minutes}

[[items]]
kind = "lesson"
title = "Lesson two"
file = "lessons/02.md"
min_minutes = {minutes}

[[items]]
kind = "quiz"
title = "Final assessment"
file = "quizzes/final.toml"
'''


def quiz_toml(*, pools: dict[str, int], draw: dict[str, int] | None, limit: int | None = None,
              late: str = "grade_on_time", review: str = "answers_after_pass", attempts: int = 3) -> str:
    lines = ["pass_mark = 80", f"max_attempts = {attempts}", f'late = "{late}"', f'review = "{review}"']
    if limit is not None:
        lines.append(f"time_limit_minutes = {limit}")
    if draw:
        lines.append("[draw]")
        lines += [f'"{topic}" = {n}' for topic, n in draw.items()]
    for topic, n in pools.items():
        for i in range(n):
            lines += ["[[questions]]", 'kind = "true_false"', f'topic = "{topic}"' if topic != "*" else "",
                      f'prompt = "Statement {topic} {i}: it is true."', "answer = true",
                      f'explanation = "Why {topic} {i} is true."']
    return "\n".join(lines) + "\n"


def write_course(root: Path, *, slug: str = "honest-course", number: str = "00077", minutes: float = 2,
                 quiz: str | None = None, requirements: Path = TEST_CONTENT / "requirements",
                 satisfies: str = '["ZZ-CPT"]') -> Path:
    """A content tree at ``root`` with requirements (the test ones by default) and the honest course."""
    if not (root / "requirements").exists():
        shutil.copytree(requirements, root / "requirements")
    package = root / slug
    (package / "lessons").mkdir(parents=True, exist_ok=True)
    (package / "quizzes").mkdir(exist_ok=True)
    (package / "course.toml").write_text(COURSE.format(slug=slug, number=number, minutes=minutes,
                                                       satisfies=satisfies))
    for n in ("01", "02"):
        (package / "lessons" / f"{n}.md").write_text(f"## Lesson {n}\n\nRead this with care.\n")
    (package / "quizzes" / "final.toml").write_text(
        quiz or quiz_toml(pools={"stops": 12, "force": 8}, draw={"stops": 6, "force": 4}, limit=10))
    return root
