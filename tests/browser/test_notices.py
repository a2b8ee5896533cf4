"""In a real browser: a manager assigns a course to everyone the dashboard lists, through the preview; the
officer sees the unread count, reads the notice, marks it read and opens the settings. Every page is scanned
with axe."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Browser, expect
from sqlalchemy import select

from learning_portal.accounts.localdate import today_for
from learning_portal.accounts.models import Person
from learning_portal.clock import utcnow
from learning_portal.db import session_factory
from tests.browser.accessibility import serious_violations
from tests.browser.test_onboarding import sign_in


def test_assign_to_everyone_listed_then_the_officer_reads_the_notice(browser: Browser, live_server: str, live_app):
    with session_factory(live_app)() as db:
        officer = db.scalar(select(Person).where(Person.username == "ca-detective"))
        agency_id, last_name = officer.agency_id, officer.last_name
        due = today_for(db, officer, utcnow()) + timedelta(days=20)

    page = sign_in(browser, live_server, "manager")
    page.goto(f"/compliance/agencies/{agency_id}?q={last_name}")
    page.locator("#assign-form").get_by_label("Course", exact=True).select_option("dv-response-update")
    page.locator("#assign-form").get_by_label("Due by").fill(due.isoformat())
    page.get_by_role("button", name=re.compile("Assign to everyone listed")).click()
    expect(page.get_by_role("heading", level=2, name=re.compile("matching the dashboard's filters"))).to_be_visible()
    expect(page.get_by_text(officer.sort_name)).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_role("button", name=re.compile(r"Assign to \d+ (person|people)")).click()
    expect(page.get_by_text(re.compile(r"Assigned to \d+ (person|people)\."))).to_be_visible()

    reader = sign_in(browser, live_server, "ca-detective")
    badge = reader.locator(".notices-link .count-badge")
    expect(badge).to_be_visible()
    reader.locator(".notices-link").click()
    expect(reader.get_by_role("heading", level=2, name=re.compile("Assigned: "))).to_be_visible()
    assert serious_violations(reader) == []
    reader.get_by_role("button", name="Mark all read").click()
    expect(reader.get_by_text("Nothing unread.")).to_be_visible()
    expect(badge).to_have_count(0)
    reader.get_by_role("link", name="Settings").click()
    expect(reader.get_by_label("An assignment or requirement becomes overdue")).to_be_disabled()
    assert serious_violations(reader) == []
    reader.get_by_label("Credit posted to your training profile").uncheck()
    reader.get_by_role("button", name="Save").click()
    expect(reader.get_by_text("Your notification settings are saved.")).to_be_visible()
    expect(reader.get_by_label("Credit posted to your training profile")).not_to_be_checked()
