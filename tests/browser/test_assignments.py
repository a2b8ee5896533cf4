"""A training manager extends an assignment in a real browser, and the officer sees the new date."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Browser, expect
from sqlalchemy import select

from learning_portal.accounts.localdate import today_for
from learning_portal.accounts.models import Person
from learning_portal.catalog.queries import get_course
from learning_portal.clock import utcnow
from learning_portal.db import session_factory
from learning_portal.formatting import human_date
from learning_portal.learning import services as learning
from learning_portal.learning.models import AssignmentReason
from tests.browser.accessibility import serious_violations
from tests.browser.test_onboarding import sign_in


def test_a_manager_extends_an_assignment_and_the_officer_sees_it(browser: Browser, live_server: str, live_app):
    with session_factory(live_app)() as db:
        officer = db.scalar(select(Person).where(Person.username == "ca-patrol-2"))
        manager = db.scalar(select(Person).where(Person.username == "manager"))
        course, _ = get_course(db, "courtroom-testimony")
        today = today_for(db, officer, utcnow())
        outcome = learning.assign_course(db, person_ids=[officer.id], course=course, due_on=today + timedelta(days=7),
                                         reason=AssignmentReason.ASSIGNED, note="", assigned_by=manager, now=utcnow(),
                                         today=today)
        assignment_id = (outcome.assigned or outcome.already)[0].id
        agency_id, last_name = officer.agency_id, officer.last_name
        db.commit()
    new_due = today + timedelta(days=45)

    page = sign_in(browser, live_server, "manager")
    page.goto(f"/compliance/agencies/{agency_id}/assignments?q={last_name}")
    page.locator(f"#due-{assignment_id}").locator("xpath=ancestor::details").locator("summary").click()
    page.locator(f"#due-{assignment_id}").fill(new_due.isoformat())
    page.locator(f"#reason-{assignment_id}").fill("Court week")
    assert serious_violations(page) == []
    page.locator(f"#due-{assignment_id}").locator("xpath=ancestor::form").get_by_role("button").click()
    expect(page.get_by_text(re.compile(rf"assignment of .*: due {human_date(new_due)}"))).to_be_visible()

    officer_page = sign_in(browser, live_server, "ca-patrol-2")
    officer_page.goto("/my/learning")
    expect(officer_page.get_by_text(f"Due {human_date(new_due)}")).to_be_visible()
    extended = re.compile("Due date extended from .* by Morgan Delgado: Court week")
    expect(officer_page.get_by_text(extended)).to_be_visible()
