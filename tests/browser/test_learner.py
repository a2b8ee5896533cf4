"""The demo officer finds, takes and completes "Domestic Violence Response Update" in the browser."""

from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from learning_portal.catalog.models import Course, CourseVersion
from learning_portal.db import session_factory
from learning_portal.quizzes.models import Quiz
from tests.browser.accessibility import serious_violations
from tests.browser.conftest import screenshot
from tests.browser.test_sign_in import sign_in

pytestmark = pytest.mark.browser


def correct_texts(app: Flask, slug: str) -> dict[str, set[str]]:
    """{question prompt: texts of the correct choices} for the course's quiz, read from the database."""
    with session_factory(app)() as session:
        course = session.scalar(select(Course).where(Course.slug == slug))
        version = session.scalar(select(CourseVersion).where(CourseVersion.course_id == course.id,
                                                             CourseVersion.version == course.current_version_number))
        quiz = session.get(Quiz, version.items[-1].id)
        return {q.prompt: {c.text for c in q.choices if c.is_correct} for q in quiz.questions}


def test_officer_completes_the_dv_course(page: Page, live_app: Flask):
    # The live portal keeps its state between tests: each viewport's run uses its own demo officer.
    sign_in(page, {"phone": "officer", "desktop": "ca-patrol-2"}[page.viewport_name])  # type: ignore[attr-defined]
    page.get_by_role("link", name="Courses").click()
    page.get_by_label("Title, course number or topic").fill("domestic violence")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Domestic Violence Response Update").click()
    expect(page.get_by_text("Posts to your training profile automatically")).to_be_visible()
    assert serious_violations(page) == []
    screenshot(page, "course-page")
    page.get_by_role("button", name="Enroll and start").click()

    for number in range(3):
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        if number == 0:
            assert serious_violations(page) == []
            screenshot(page, "lesson")
            page.get_by_role("button", name="I have read this lesson").focus()
            page.keyboard.press("Enter")  # the keyboard works as well as the mouse
            continue
        page.get_by_role("button", name="I have read this lesson").click()

    expect(page.get_by_role("heading", name="Final assessment")).to_be_visible()
    assert serious_violations(page) == []
    answers = correct_texts(live_app, "dv-response-update")
    for fieldset in page.locator("fieldset").all():
        legend = fieldset.locator("legend").inner_text()
        prompt = next(p for p in answers if p in legend)
        for text in answers[prompt]:
            fieldset.get_by_label(text, exact=True).check()
    screenshot(page, "quiz")
    page.get_by_role("button", name="Submit answers").click()

    expect(page.get_by_role("heading", name="Your score: 100%")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("the course is complete")
    assert serious_violations(page) == []
    screenshot(page, "quiz-result")
    page.get_by_role("link", name="My learning").click()
    completed = page.get_by_role("region", name="Completed")
    expect(completed.get_by_role("link", name="Domestic Violence Response Update")).to_be_visible()
    screenshot(page, "my-learning")

    # The credit poster runs in the web process: the 2-hour record reaches the profile within seconds.
    page.get_by_role("link", name="My profile").click()
    records = page.get_by_role("table")
    for _ in range(20):
        if records.get_by_text("Domestic Violence Response Update").count():
            break
        page.wait_for_timeout(500)
        page.reload()
    expect(records.get_by_role("cell", name="Domestic Violence Response Update 9999-00101")).to_be_visible()
    expect(page.get_by_text("2 CPT hours")).to_be_visible()
    assert serious_violations(page) == []
    screenshot(page, "profile")
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF certificate for Domestic Violence Response Update").click()
    assert download.value.suggested_filename.startswith("certificate-9999-00101-")
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
