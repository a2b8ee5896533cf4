"""An instructor runs a briefing; three officers check in from their own browsers; the roster credits them."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.accessibility import serious_violations
from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.browser.test_sign_in import sign_in

pytestmark = pytest.mark.browser

COURSE = "Racial & Identity Profiling Update (facilitated video)"
ATTENDEES = ("ca-sergeant", "ca-lieutenant", "ca-reserve")
ABSENTEE = ("ca-custody", "Lopez, Parker")


def screenshot_as(page: Page, name: str, viewport: str) -> None:
    page.viewport_name = viewport  # type: ignore[attr-defined]
    screenshot(page, name)


def person_page(browser: Browser, live_server: str, username: str, viewport=PHONE) -> Page:
    context = browser.new_context(viewport=viewport, base_url=live_server)
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, username)
    return page


def current_code(screen: Page) -> str:
    expect(screen.locator("#checkin-code")).to_have_text(re.compile(r"^\d{3} \d{3}$"))
    return screen.locator("#checkin-code").inner_text().replace(" ", "")


def test_a_briefing_credits_everyone_who_checked_in_and_absentees_get_a_make_up(browser: Browser, live_server: str):
    instructor = person_page(browser, live_server, "instructor", DESKTOP)
    instructor.get_by_role("link", name="New session").first.click()
    instructor.get_by_label("Course").select_option(label=f"{COURSE} (9999-00106)")
    instructor.get_by_label("Place").fill("Briefing room B, Central station")
    assert serious_violations(instructor) == []
    instructor.get_by_role("button", name="Create session").click()
    expect(instructor.get_by_text("Session created")).to_be_visible()
    session_url = instructor.url

    instructor.get_by_role("button", name="Open check-in and present").click()
    expect(instructor.get_by_role("heading", name="Check in")).to_be_visible()
    current_code(instructor)
    expect(instructor.locator("#checkin-qr")).to_be_visible()
    assert serious_violations(instructor) == []
    screenshot_as(instructor, "session-presentation", "desktop")

    phones = []
    for n, username in enumerate(ATTENDEES):
        phone = person_page(browser, live_server, username)
        if n == 0:  # scanning the QR code opens the check-in link with the code filled in
            session_id = session_url.rstrip("/").rsplit("/", 1)[1]
            phone.goto(f"/checkin?session={session_id}&code={current_code(instructor)}")
        else:
            phone.get_by_role("link", name="Check in").click()
            phone.get_by_label("Check-in code").fill(current_code(instructor))
            if n == 1:
                assert serious_violations(phone) == []
        phone.get_by_role("button", name="Check in").click()
        expect(phone.get_by_role("heading", name="You are checked in")).to_be_visible()
        if n == 2:
            assert serious_violations(phone) == []
            screenshot_as(phone, "session-checked-in", "phone")
        phones.append(phone)
    expect(instructor.locator("#checkin-count")).to_have_text("3")

    # Someone from another jurisdiction's agency is refused with the reason.
    outsider = person_page(browser, live_server, "co-officer")
    outsider.goto("/checkin")
    outsider.get_by_label("Check-in code").fill(current_code(instructor))
    outsider.get_by_role("button", name="Check in").click()
    expect(outsider.get_by_text("This session is open to")).to_be_visible()

    instructor.goto(session_url)
    for name in ("Johnson, Avery", "Martinez, Quinn", "Walker, Drew"):
        expect(instructor.locator("#roster").get_by_text(name)).to_be_visible()
    assert serious_violations(instructor) == []
    instructor.get_by_role("button", name="Submit roster").click()
    expect(instructor.get_by_text("Roster submitted: 3 people credited.")).to_be_visible()
    screenshot_as(instructor, "session-submitted", "desktop")

    instructor.get_by_label(ABSENTEE[1]).check()
    instructor.get_by_role("button", name="Assign to the people ticked").click()
    expect(instructor.get_by_text("Make-up assigned to 1 person.")).to_be_visible()

    for phone in phones:  # the credit poster (in the web process) posts the roster's completions
        phone.goto("/my/profile")
        records = phone.get_by_role("table")
        for _ in range(30):
            if records.get_by_text(COURSE).count():
                break
            phone.wait_for_timeout(500)
            phone.reload()
        row = records.get_by_role("row").filter(has_text=COURSE)
        expect(row).to_contain_text("Roster")
        expect(row).to_contain_text("9999-00106")
    absentee = person_page(browser, live_server, ABSENTEE[0])
    absentee.get_by_role("navigation", name="Main").get_by_role("link", name="My learning").click()
    expect(absentee.get_by_role("heading", name="Assigned to you")).to_be_visible()
    expect(absentee.get_by_role("link", name=COURSE)).to_be_visible()
    assert serious_violations(absentee) == []
    screenshot_as(absentee, "make-up-assignment", "phone")
    for page in (instructor, outsider, absentee, *phones):
        page.context.close()
