"""In a real browser: the demo agency's training manager (a course coordinator of presenter 9990) asks for a
distance course to be certified, with its package; the commission's consultant returns it with a comment; the
coordinator fixes it and submits again; the consultant certifies it, which publishes the course under its
number. An officer completes it and earns CPT; with the clock moved past the certification's end, another
officer's completion is recorded without CPT, and the course page and the profile say why."""

from __future__ import annotations

import re
import sys
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from learning_portal import clock
from learning_portal.clock import utcnow
from tests.browser.accessibility import serious_violations
from tests.browser.conftest import wait_for_credit
from tests.browser.test_onboarding import sign_in
from tests.certification.helpers import package_zip

OUTLINE = b"%PDF-1.4 Bicycle Patrol Fundamentals: expanded course outline"


def move_clock(monkeypatch: pytest.MonkeyPatch, by: timedelta) -> None:
    """Every part of the live portal reads the time through ``clock.utcnow``: move it for all of them."""
    real = clock.utcnow
    for name, module in list(sys.modules.items()):
        if name.startswith("learning_portal") and getattr(module, "utcnow", None) is real:
            monkeypatch.setattr(module, "utcnow", lambda: real() + by)


def open_request(page: Page, title: str) -> None:
    page.goto("/certification")
    page.get_by_role("link", name=title).first.click()
    expect(page.get_by_role("heading", level=1, name=re.compile(title))).to_be_visible()


def complete(page: Page) -> None:
    page.goto("/courses/bicycle-patrol")
    page.get_by_role("button", name="Enroll and start").click()
    page.get_by_role("button", name=re.compile("I have read this lesson")).click()
    expect(page.get_by_role("heading", level=1, name="Final assessment")).to_be_visible()
    for fieldset in page.locator("fieldset.question").all():
        fieldset.get_by_label("True", exact=True).check()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_text("You passed, and the course is complete.")).to_be_visible()


def test_a_course_is_certified_earns_cpt_and_stops_when_its_certification_ends(browser: Browser, live_server: str,
                                                                              monkeypatch: pytest.MonkeyPatch):
    coordinator = sign_in(browser, live_server, "manager")
    coordinator.get_by_role("link", name="Certification").click()
    expect(coordinator.get_by_role("heading", level=2, name=re.compile("Training Unit 9990"))).to_be_visible()
    assert serious_violations(coordinator) == []
    coordinator.get_by_role("link", name=re.compile("New certification request")).click()
    coordinator.get_by_label("Course title").fill("Bicycle Patrol Fundamentals")
    coordinator.get_by_label("Delivery").select_option("distance")
    coordinator.get_by_label("Total hours").fill("2")
    coordinator.get_by_label("Topic 1", exact=True).fill("Riding and stops")
    coordinator.get_by_label("Hours of topic 1", exact=True).fill("1.5")
    coordinator.get_by_label("Topic 2", exact=True).fill("The law")
    coordinator.get_by_label("Hours of topic 2", exact=True).fill("0.75")
    coordinator.get_by_label("Continuing Professional Training (24 hours per cycle) (CA-CPT-24)").check()
    coordinator.get_by_label("General").check()
    coordinator.get_by_label("Instructors").fill("Sgt. A. Rivera")
    coordinator.get_by_label("First presented on").fill(utcnow().date().isoformat())
    assert serious_violations(coordinator) == []
    coordinator.get_by_role("button", name="Save the draft").click()
    expect(coordinator.get_by_role("alert")).to_contain_text("adds up to 2.25 hours, the total is 2")
    coordinator.get_by_label("Hours of topic 2", exact=True).fill("0.5")
    coordinator.get_by_role("button", name="Save the draft").click()
    expect(coordinator.get_by_text("Draft saved: Bicycle Patrol Fundamentals")).to_be_visible()

    coordinator.get_by_role("button", name="Submit for certification").click()
    expect(coordinator.get_by_role("alert")).to_contain_text("Attach the expanded course outline or the course package")
    coordinator.get_by_label("Expanded course outline").set_input_files(files=[{
        "name": "outline.pdf", "mimeType": "application/pdf", "buffer": OUTLINE}])
    coordinator.get_by_label("Course package").set_input_files(files=[{
        "name": "bicycle-patrol.zip", "mimeType": "application/zip", "buffer": package_zip(satisfies='["CA-CPT-24"]')}])
    coordinator.get_by_role("button", name="Attach").click()
    expect(coordinator.get_by_text("Attached: outline.pdf, bicycle-patrol.zip.")).to_be_visible()
    expect(coordinator.get_by_text("published when certified")).to_be_visible()
    assert serious_violations(coordinator) == []
    coordinator.get_by_role("button", name="Submit for certification").click()
    expect(coordinator.get_by_text("Submitted for certification.")).to_be_visible()
    expect(coordinator.get_by_role("button", name="Submit for certification")).to_have_count(0)

    consultant = sign_in(browser, live_server, "admin")
    consultant.get_by_role("link", name="Certification").click()
    waiting = consultant.get_by_role("region", name=re.compile("Requests waiting"))
    expect(waiting.get_by_role("link", name="Bicycle Patrol Fundamentals")).to_be_visible()
    assert serious_violations(consultant) == []
    open_request(consultant, "Bicycle Patrol Fundamentals")
    with consultant.expect_download() as download:
        consultant.get_by_role("link", name="outline.pdf").click()
    assert download.value.suggested_filename == "outline.pdf"
    assert serious_violations(consultant) == []
    consultant.get_by_label("What the presenter must change").fill("Name a second instructor for the riding part.")
    consultant.get_by_role("button", name="Return with comments").click()
    expect(consultant.get_by_text("Returned to the presenter with your comments.")).to_be_visible()

    open_request(coordinator, "Bicycle Patrol Fundamentals")
    expect(coordinator.get_by_text("Returned with comments").first).to_be_visible()
    expect(coordinator.get_by_text("Name a second instructor for the riding part.")).to_be_visible()
    coordinator.get_by_role("link", name="Change the request").click()
    coordinator.get_by_label("Instructors").fill("Sgt. A. Rivera\nOfc. J. Moreno")
    coordinator.get_by_role("button", name="Save the changes").click()
    expect(coordinator.get_by_text("Sgt. A. Rivera, Ofc. J. Moreno")).to_be_visible()
    coordinator.get_by_label("Note to the consultant (optional)").fill("Second instructor named.")
    coordinator.get_by_role("button", name="Submit for certification").click()
    expect(coordinator.get_by_text("Submitted for certification.")).to_be_visible()

    officer = sign_in(browser, live_server, "ca-sergeant")
    assert officer.goto("/courses/bicycle-patrol").status == 404  # nothing in front of learners before certification

    ends = utcnow().date() + timedelta(days=30)
    open_request(consultant, "Bicycle Patrol Fundamentals")
    consultant.get_by_label("Course number").fill("123")
    consultant.get_by_label("Certified through").fill(ends.isoformat())
    consultant.get_by_role("button", name="Certify").click()
    expect(consultant.get_by_text(re.compile("Certified. Course number 9990-00123"))).to_be_visible()
    assert serious_violations(consultant) == []

    open_request(coordinator, "Bicycle Patrol Fundamentals")
    expect(coordinator.get_by_text(re.compile("Certified as 9990-00123"))).to_be_visible()

    officer.goto("/courses/bicycle-patrol")
    expect(officer.locator(".credit-rules")).to_contain_text("Certification: certified through")
    complete(officer)
    wait_for_credit(officer, "Bicycle Patrol Fundamentals", "9990-00123")
    expect(officer.get_by_role("row", name=re.compile("Bicycle Patrol Fundamentals"))).not_to_contain_text("no CPT")

    move_clock(monkeypatch, ends - utcnow().date() + timedelta(days=2))
    later = sign_in(browser, live_server, "ca-lieutenant")
    later.goto("/courses/bicycle-patrol")
    expect(later.locator(".credit-rules")).to_contain_text("completing the course now earns no CPT hours")
    assert serious_violations(later) == []
    complete(later)
    wait_for_credit(later, "Bicycle Patrol Fundamentals", "9990-00123")
    row = later.get_by_role("row", name=re.compile("Bicycle Patrol Fundamentals"))
    expect(row).to_contain_text("no CPT: the course's certification ended on")
