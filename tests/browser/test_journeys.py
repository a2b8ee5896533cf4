"""End-to-end journeys in the browser, with an axe scan of every page they visit and screenshots:

- an administrator uploads a training video, captions and publishes it, then imports a course package (a zip)
  whose lesson, video and quiz use it;
- an officer completes that course with the keyboard alone for the lesson and the quiz, watches the video, and
  sees the credit on their profile and downloads the certificate;
- a training manager filters the compliance dashboard and downloads the CSV, which matches the page;
- the privacy and sign-in pages: My data, contesting a record, turning on two-factor sign-in.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.accessibility import serious_violations
from tests.browser.conftest import screenshot, wait_for_credit
from tests.browser.test_sign_in import sign_in
from tests.browser.test_video import CAPTIONS
from tests.factories import make_clip

pytestmark = pytest.mark.browser

QUIZ = b'''pass_mark = 100
max_attempts = 2

[[questions]]
kind = "single"
prompt = "Before handling a firearm you"
  [[questions.choices]]
  text = "Look away from it"
  [[questions.choices]]
  text = "Check that it is unloaded"
  correct = true

[[questions]]
kind = "multiple"
prompt = "Which are range rules?"
  [[questions.choices]]
  text = "Keep the muzzle in a safe direction"
  correct = true
  [[questions.choices]]
  text = "Finger off the trigger until ready"
  correct = true
  [[questions.choices]]
  text = "Holster a loaded weapon while running"
'''
ANSWERS = {"Before handling a firearm you": ["Check that it is unloaded"],
           "Which are range rules?": ["Keep the muzzle in a safe direction", "Finger off the trigger until ready"]}


def package(viewport: str, media: str) -> bytes:
    number = {"phone": "00041", "desktop": "00042"}[viewport]
    course = f'''slug = "range-safety-{viewport}"
presenter = "9997"
number = "{number}"
title = "Range Safety Refresher ({viewport})"
summary = "The four rules, on video, and a short check."
description = "A lesson, a captioned video and a quiz."
delivery = "self_paced"
audience = ["officer"]
topics = ["firearms", "range safety"]
cpt_hours = 1
credit = "automatic"
satisfies = ["CA-CPT-24"]

[hours]
general = 1

[[items]]
kind = "lesson"
title = "The four rules"
file = "lessons/01-rules.md"

[[items]]
kind = "video"
title = "Range safety on video"
media = "{media}"
coverage = 0.9

[[items]]
kind = "quiz"
title = "Check your understanding"
file = "quizzes/check.toml"
'''
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        root = f"range-safety-{viewport}"
        archive.writestr(f"{root}/course.toml", course)
        archive.writestr(f"{root}/lessons/01-rules.md", "## The four rules\n\nTreat every firearm as loaded.\n")
        archive.writestr(f"{root}/quizzes/check.toml", QUIZ)
    return buffer.getvalue()


def checked(page: Page) -> None:
    assert serious_violations(page) == [], page.url


def tab_to(page: Page, target: Locator, limit: int = 150) -> None:
    """Press Tab until the target has the focus, as someone using the keyboard would."""
    for _ in range(limit):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {target}")


def answer_with_the_keyboard(page: Page) -> None:
    for fieldset in page.locator("fieldset").all():
        legend = fieldset.locator("legend").inner_text()
        prompt = next(p for p in ANSWERS if p in legend)
        inputs = fieldset.locator("input")
        if inputs.first.get_attribute("type") == "radio":
            tab_to(page, inputs.first)  # Tab enters a radio group; the arrows move the choice
            wanted = fieldset.get_by_label(ANSWERS[prompt][0], exact=True)
            for _ in range(inputs.count()):
                if wanted.is_checked():
                    break
                page.keyboard.press("ArrowDown")
            expect(wanted).to_be_checked()
        else:
            for text in ANSWERS[prompt]:
                box = fieldset.get_by_label(text, exact=True)
                tab_to(page, box)
                page.keyboard.press("Space")
                expect(box).to_be_checked()


def test_admin_imports_a_course_and_an_officer_completes_it(page: Page, tmp_path: Path):
    viewport = page.viewport_name  # type: ignore[attr-defined]
    clip, zip_path, vtt = tmp_path / "range.mp4", tmp_path / "range-safety.zip", tmp_path / "range.vtt"
    make_clip(clip, seconds=6, frequency=500)
    vtt.write_bytes(CAPTIONS)
    media = f"range-clip-{viewport}"
    zip_path.write_bytes(package(viewport, media))

    # The administrator: the video first, then the package that uses it.
    sign_in(page, "admin")
    page.get_by_role("link", name="Videos").click()
    checked(page)
    page.get_by_label("Title").fill(f"Range safety ({viewport})")
    page.get_by_label("Reference (optional)").fill(media)
    page.get_by_label("Video file").set_input_files(str(clip))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("Ready: 640x360 source")).to_be_visible(timeout=60_000)
    expect(page.get_by_text(f'media = "{media}"')).to_be_visible()
    checked(page)
    page.get_by_label("WebVTT file (.vtt)").set_input_files(str(vtt))
    page.get_by_role("button", name="Add captions").click()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_contain_text("is published")
    checked(page)
    page.get_by_role("link", name="Import courses").click()
    checked(page)
    page.get_by_label("Zip file").set_input_files(str(zip_path))
    page.get_by_role("button", name="Check and import").click()
    expect(page.get_by_role("status")).to_contain_text(f"range-safety-{viewport}: draft, version 1")
    checked(page)
    page.get_by_role("button", name=f"Publish version 1 of Range Safety Refresher ({viewport})").click()
    expect(page.get_by_text(f"range-safety-{viewport}: version 1 is published.")).to_be_visible()
    screenshot(page, "admin-import")
    page.get_by_role("button", name="Sign out").click()

    # The officer: find it, take it (lesson and quiz with the keyboard), get the credit and the certificate.
    sign_in(page, {"phone": "ca-sergeant", "desktop": "ca-lieutenant"}[viewport])
    page.get_by_role("link", name="Courses").click()
    page.get_by_label("Title, course number or topic").fill("range safety")
    page.keyboard.press("Enter")
    page.get_by_role("link", name=f"Range Safety Refresher ({viewport})").click()
    checked(page)
    start = page.get_by_role("button", name="Enroll and start")
    tab_to(page, start)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="The four rules", level=1)).to_be_visible()
    checked(page)
    screenshot(page, "journey-lesson")
    tab_to(page, page.get_by_role("button", name="I have read this lesson"))
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Range safety on video")).to_be_visible()
    checked(page)
    video = page.locator("#player")
    video.evaluate("v => new Promise(r => v.readyState >= 1 ? r() : v.addEventListener('loadedmetadata', r))")
    video.evaluate("v => { v.muted = true; return v.play(); }")
    expect(page.get_by_role("status")).to_contain_text("Watched.", timeout=20_000)
    screenshot(page, "journey-video")
    page.goto(f"/learn/range-safety-{viewport}")
    checked(page)
    page.get_by_role("link", name="Continue: Check your understanding").click()

    expect(page.get_by_role("heading", name="Check your understanding")).to_be_visible()
    checked(page)
    answer_with_the_keyboard(page)
    screenshot(page, "journey-quiz")
    tab_to(page, page.get_by_role("button", name="Submit answers"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your score: 100%")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("the course is complete")
    checked(page)

    title = f"Range Safety Refresher ({viewport})"
    wait_for_credit(page, title, "9997-")
    checked(page)
    screenshot(page, "journey-profile")
    with page.expect_download() as download:
        page.get_by_role("link", name=f"PDF certificate for {title}").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")


def test_manager_filters_the_dashboard_and_downloads_the_csv(page: Page):
    sign_in(page, "manager")
    page.get_by_role("link", name="Agency compliance").click()
    expect(page.get_by_role("heading", name="By requirement")).to_be_visible()
    checked(page)
    screenshot(page, "dashboard")
    # A requirement someone is overdue on, read from the summary's counts.
    requirement = page.locator("table.summary a", has_text="overdue for").first.inner_text().split()[-1]
    page.get_by_label("Requirement", exact=True).select_option(requirement)
    page.get_by_label("Status", exact=True).select_option("overdue")
    page.get_by_label("Sort by").select_option("name")
    page.get_by_role("button", name="Show").click()
    caption = page.locator("table.people caption")
    expect(caption).to_contain_text(f"for {requirement}, overdue")
    checked(page)
    screenshot(page, "dashboard-filtered")
    shown = int(caption.inner_text().split()[0])
    names = [n.strip() for n in page.locator("table.people tbody td:nth-child(2)").all_inner_texts()]
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV (filtered)").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert len(rows) == shown > 0
    assert {(r["requirement"], r["status"]) for r in rows} == {(requirement, "overdue")}
    assert [f"{r['last_name']}, {r['first_name']}" for r in rows][:len(names)] == names
    assert all(r["reason"] for r in rows)


def test_an_officer_contests_a_record_and_reads_their_data(page: Page):
    """The privacy pages: My data, and contesting a record from the profile, accessibly."""
    # Demo officers with a training history (see demo.services.HISTORY).
    sign_in(page, {"phone": "ca-traffic", "desktop": "ca-detective"}[page.viewport_name])  # type: ignore[attr-defined]
    page.get_by_role("link", name="See and download your data").click()
    expect(page.get_by_role("heading", name="Who looked at your record")).to_be_visible()
    checked(page)
    screenshot(page, "my-data")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download (JSON)").click()
    assert b'"training_records"' in Path(download.value.path()).read_bytes()
    page.get_by_role("link", name="My profile").click()
    page.get_by_role("link", name="Contest").first.click()
    checked(page)
    page.get_by_label("What is wrong with this record?").fill("The date is wrong: I attended on the 3rd.")
    page.get_by_role("button", name="Send the dispute").click()
    expect(page.get_by_role("heading", name="Open")).to_be_visible()
    checked(page)
    screenshot(page, "dispute")


def test_someone_turns_on_two_factor_sign_in_and_signs_in_with_a_code(page: Page):
    username = {"phone": "ca-dispatch-2", "desktop": "co-reserve"}[page.viewport_name]  # type: ignore[attr-defined]
    sign_in(page, username)
    page.goto("/account")
    page.get_by_role("link", name="Set up").click()
    page.get_by_role("button", name="Set up two-factor sign-in").click()
    expect(page.get_by_role("img", name="QR code with your Learning Portal key")).to_be_visible()
    checked(page)
    screenshot(page, "two-factor-setup")
    secret = page.locator("#key").inner_text()
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("heading", name="Two-factor sign-in is on")).to_be_visible()
    codes = re.findall(r"[0-9a-f]{6}-[0-9a-f]{6}", page.locator("ul.codes").inner_text())
    assert len(codes) == 10
    checked(page)
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, username)
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    checked(page)
    page.get_by_label("Code").fill(codes[0])  # the app's code was used at setup: a recovery code now
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("You signed in with a recovery code; 9 left")).to_be_visible()
