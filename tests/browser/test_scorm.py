"""A SCORM 1.2 package in a real browser: the administrator uploads it and imports a course that runs it; an
officer starts it, leaves it suspended, resumes where they left, fails, passes, and gets the CPT credit. The
journey arrives at the test LRS as xAPI statements."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.accessibility import serious_violations
from tests.browser.conftest import screenshot, wait_for_credit
from tests.browser.test_sign_in import sign_in
from tests.scorm.packages import course_zip, package_zip
from tests.xapi.receiver import BASE_URL, LrsProcess

pytestmark = pytest.mark.browser


def test_an_uploaded_scorm_package_is_taken_to_completion_and_credited(page: Page, tmp_path: Path,
                                                                       lrs_process: LrsProcess):
    viewport = page.viewport_name  # type: ignore[attr-defined]
    reference, slug = f"force-quiz-{viewport}", f"use-of-force-{viewport}"
    title = f"Use of Force Refresher ({viewport})"
    number = {"phone": "00191", "desktop": "00192"}[viewport]
    scorm_zip, course = tmp_path / "force-quiz.zip", tmp_path / "use-of-force.zip"
    scorm_zip.write_bytes(package_zip())
    course.write_bytes(course_zip(slug=slug, package=reference, title=title, number=number))

    sign_in(page, "admin")
    page.get_by_role("link", name="SCORM packages").click()
    page.get_by_label("Reference").fill(reference)
    page.get_by_label("Zip file").set_input_files(str(scorm_zip))
    page.get_by_role("button", name="Check and store").click()
    expect(page.get_by_text(f'package = "{reference}"').first).to_be_visible()
    assert serious_violations(page) == []
    screenshot(page, "scorm-upload")
    page.get_by_role("link", name="Import courses").click()
    page.get_by_label("Zip file").set_input_files(str(course))
    page.get_by_role("button", name="Check and import").click()
    expect(page.get_by_role("status")).to_contain_text(f"{slug}: draft, version 1")
    page.get_by_role("button", name=f"Publish version 1 of {title}").click()
    expect(page.get_by_text(f"{slug}: version 1 is published.")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, {"phone": "ca-sergeant", "desktop": "ca-lieutenant"}[viewport])
    page.goto(f"/courses/{slug}")
    page.get_by_role("button", name="Enroll and start").click()
    expect(page.get_by_role("heading", name="Use of force quiz", level=1)).to_be_visible()
    content = page.frame_locator("#scorm-frame")
    expect(content.get_by_text("Entry: ab-initio")).to_be_visible()
    assert serious_violations(page) == []
    screenshot(page, "scorm-player")
    status = page.locator("#scorm-status")

    content.get_by_role("button", name="Save and leave").click()
    expect(status).to_have_text("Progress saved.")
    page.reload()
    expect(content.get_by_text("Entry: resume")).to_contain_text("saved: page=2;answered=none; location: question-1")
    expect(status).to_contain_text("Resuming where you left off")

    content.get_by_role("button", name="Whenever a suspect flees").click()
    expect(status).to_have_text("Not passed yet: you can try again.")
    page.reload()
    content.get_by_role("button", name="Only against an imminent threat of death or serious injury").click()
    expect(status).to_have_text("Done: passed. The course is complete.")
    expect(page.get_by_text("1 of 1 done")).to_be_visible()
    screenshot(page, "scorm-passed")

    wait_for_credit(page, title, "9999-")

    course_iri = f"{BASE_URL}/xapi/courses/9999-{number}"
    told = statements_about(lrs_process, course_iri, until="satisfied")
    assert [s["verb"]["display"]["en-US"] for s in told] == [
        "launched", "progressed", "launched", "failed", "launched", "passed", "completed", "completed", "satisfied"]
    assert len({s["actor"]["account"]["name"] for s in told}) == 1
    assert len({s["context"]["registration"] for s in told}) == 1
    failed, passed = told[3], told[5]
    assert failed["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/module"
    assert failed["result"]["success"] is False and passed["result"]["success"] is True
    assert told[7]["object"]["id"] == course_iri


def statements_about(lrs: LrsProcess, course_iri: str, *, until: str) -> list[dict]:
    """The statements about one course, once the in-process sender has delivered the one with verb ``until``."""
    for _ in range(40):
        told = [s for s in lrs.statements() if s["object"]["id"].startswith(course_iri)]
        if any(s["verb"]["display"]["en-US"] == until for s in told):
            return told
        time.sleep(0.5)
    raise AssertionError(f"no '{until}' statement about {course_iri} reached the LRS: {told}")
