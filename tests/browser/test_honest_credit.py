"""A learner walks a course taken in order with time on each lesson, in a real browser: the rules are stated
first, a later lesson does not open early, a lesson does not count before its time, then the timed quiz."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from learning_portal.clock import utcnow
from learning_portal.config import ROOT
from learning_portal.content_import.importer import import_tree
from learning_portal.content_import.parser import load_tree
from learning_portal.db import session_factory
from tests.browser.accessibility import serious_violations
from tests.browser.test_onboarding import sign_in
from tests.honest_course import quiz_toml, write_course


def test_a_course_in_order_with_seat_time(browser: Browser, live_server: str, live_app, tmp_path):
    root = write_course(tmp_path / "content", slug="honest-walk", number="00078", minutes=0.2,
                        requirements=ROOT / "content" / "requirements", satisfies='["CA-CPT-24"]',
                        quiz=quiz_toml(pools={"*": 8}, draw={"*": 5}, limit=10))
    tree = load_tree(root)
    assert tree.ok, [str(p) for p in tree.problems]
    with session_factory(live_app)() as db:
        import_tree(db, tree, now=utcnow())
        db.commit()

    page = sign_in(browser, live_server, "ca-custody")
    page.goto("/courses/honest-walk")
    rules = page.locator(".credit-rules")
    expect(rules).to_contain_text("Take the items in order")
    expect(rules).to_contain_text("Spend at least 0.2 minutes on each timed lesson")
    expect(rules).to_contain_text("5 questions drawn from 8, a fresh set each attempt")
    expect(rules).to_contain_text("10 minutes per attempt")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Enroll and start").click()
    expect(page.get_by_role("heading", level=1, name="Lesson one")).to_be_visible()
    lesson_one = page.url

    page.goto(lesson_one.rsplit("/", 1)[0] + "/" + str(int(lesson_one.rsplit("/", 1)[1]) + 1))  # lesson two
    expect(page.get_by_text("This course is taken in order: finish “Lesson one” first.")).to_be_visible()
    assert page.url == lesson_one
    page.get_by_role("button", name=re.compile("I have read this lesson")).click()
    expect(page.get_by_text(re.compile("This lesson asks for at least 12 seconds on the page"))).to_be_visible()
    assert serious_violations(page) == []

    for title in ("Lesson one", "Lesson two"):
        expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()
        expect(page.locator(".seat-time")).to_have_text(re.compile("it counts now"), timeout=25_000)
        page.get_by_role("button", name=re.compile("I have read this lesson")).click()

    expect(page.get_by_role("heading", level=1, name="Final assessment")).to_be_visible()
    expect(page.locator(".timer")).to_contain_text("Time limit: 10 minutes")
    for fieldset in page.locator("fieldset.question").all():
        fieldset.get_by_label("True", exact=True).check()
    expect(page.locator(".save-status")).to_contain_text("answers saved")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_text("You passed, and the course is complete.")).to_be_visible()
