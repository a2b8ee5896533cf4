"""A roster that waits for approval: the instructor submits, the host agency's training manager approves (which
credits), then withdraws someone checked in by mistake with a recorded amendment; the officer sees it withdrawn."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from learning_portal.accounts.models import Person
from learning_portal.catalog.queries import get_course
from learning_portal.db import session_factory
from learning_portal.records.models import TrainingRecord
from tests.browser.accessibility import serious_violations
from tests.browser.test_onboarding import sign_in

pytestmark = pytest.mark.browser

SLUG = "vehicle-pursuit-policy-update"
ATTENDEES = ("D10006", "D10013")  # Taylor Brooks, Emerson Hall (checked in by mistake)


def test_a_reviewed_roster_is_approved_then_amended(browser: Browser, live_server: str, live_app):
    factory = session_factory(live_app)
    with factory() as db:  # this course's rosters are reviewed by the host agency's training manager
        course, version = get_course(db, SLUG)
        label, version_id = f"{version.title} ({course.course_number})", version.id
        version.roster_review = "agency"
        db.commit()
    try:
        instructor = sign_in(browser, live_server, "instructor")
        instructor.get_by_role("link", name="New session").first.click()
        instructor.get_by_label("Course").select_option(label=label)
        instructor.get_by_label("Place").fill("Training room 2")
        instructor.get_by_role("button", name="Create session").click()
        expect(instructor.get_by_text("Session created")).to_be_visible()
        session_url = instructor.url
        for post_id in ATTENDEES:
            instructor.get_by_label("POST ID or name").fill(post_id)
            instructor.get_by_role("button", name="Add to roster").click()
            expect(instructor.locator("#roster").get_by_text(post_id)).to_be_visible()
        instructor.get_by_role("button", name="Submit roster").click()
        expect(instructor.get_by_text("Roster submitted for approval.")).to_be_visible()
        expect(instructor.get_by_role("heading", name="Waiting for approval")).to_be_visible()
        expect(instructor.get_by_role("button", name="Approve the roster and credit everyone present")).to_have_count(0)

        manager = sign_in(browser, live_server, "manager")
        manager.goto(session_url)
        assert serious_violations(manager) == []
        manager.get_by_role("button", name="Approve the roster and credit everyone present").click()
        expect(manager.get_by_text("Roster approved: 2 people credited.")).to_be_visible()

        with factory() as db:  # the poster in the web process writes the records
            hall = db.scalar(select(Person.id).where(Person.post_id == ATTENDEES[1]))
            deadline = time.monotonic() + 30
            while not db.scalar(select(TrainingRecord.id).where(TrainingRecord.person_id == hall,
                                                                  TrainingRecord.title == version.title)):
                assert time.monotonic() < deadline, "the roster was not credited"
                time.sleep(0.3)
                db.rollback()
        manager.goto(session_url)
        manager.get_by_label("Amendment", exact=True).select_option("withdraw")
        manager.get_by_label("POST ID", exact=True).fill(ATTENDEES[1])
        manager.get_by_label("Why", exact=True).fill("Emerson was at the front desk; checked in by mistake.")
        assert serious_violations(manager) == []
        manager.get_by_role("button", name="Record the amendment").click()
        expect(manager.get_by_text("Roster amended for Emerson Hall.")).to_be_visible()
        expect(manager.get_by_text("checked in by mistake")).to_be_visible()

        officer = sign_in(browser, live_server, "ca-records")
        officer.goto("/my/profile")
        row = officer.get_by_role("row").filter(has_text=version.title).filter(has_text="checked in by mistake")
        expect(row).to_contain_text("Withdrawn")
        expect(row).to_contain_text("checked in by mistake")
        for page in (instructor, manager, officer):
            page.context.close()
    finally:
        with factory() as db:
            db.get(type(version), version_id).roster_review = None
            db.commit()
