"""In a real browser: an officer adds training taken elsewhere with its certificate, the training manager
approves it from the agency's queue, and the officer sees it on the record. Every page is scanned with axe."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Browser, expect
from sqlalchemy import select

from learning_portal.accounts.models import Person
from learning_portal.clock import utcnow
from learning_portal.db import session_factory
from tests.browser.accessibility import serious_violations
from tests.browser.test_onboarding import sign_in


def test_an_officer_adds_outside_training_and_the_manager_approves_it(browser: Browser, live_server: str, live_app,
                                                                       tmp_path):
    with session_factory(live_app)() as db:
        agency_id = db.scalar(select(Person.agency_id).where(Person.username == "ca-traffic"))
    certificate = tmp_path / "certificate.pdf"
    certificate.write_bytes(b"%PDF-1.4 certificate of completion, Regional Academy")

    officer = sign_in(browser, live_server, "ca-traffic")
    officer.goto("/my/profile")
    officer.get_by_role("link", name=re.compile("Add training taken elsewhere")).click()
    form = officer.locator("form[enctype='multipart/form-data']").last
    form.get_by_label("Course title", exact=True).fill("Collision Investigation Refresher")
    form.get_by_label("Presenter", exact=True).fill("Regional Academy")
    form.get_by_label("Completed on", exact=True).fill((utcnow() - timedelta(days=10)).date().isoformat())
    form.get_by_label("Hours", exact=True).fill("8")
    form.get_by_label("Proof", exact=True).select_option("certificate")
    form.get_by_label("Proof document", exact=True).set_input_files(str(certificate))
    assert serious_violations(officer) == []
    form.get_by_role("button", name="Submit for review").click()
    expect(officer.get_by_text("Collision Investigation Refresher is sent to the training manager")).to_be_visible()
    expect(officer.get_by_text("Waiting for review")).to_be_visible()

    manager = sign_in(browser, live_server, "manager")
    manager.goto(f"/agencies/{agency_id}/external-training")
    heading = manager.get_by_role("heading", level=2, name=re.compile("Collision Investigation Refresher"))
    expect(heading).to_be_visible()
    assert serious_violations(manager) == []
    manager.get_by_label("Approve: add it to the record").check()
    manager.get_by_role("button", name=re.compile("Save the decision")).click()
    expect(manager.get_by_text(re.compile("Collision Investigation Refresher approved"))).to_be_visible()

    officer.goto("/my/external-training")
    expect(officer.get_by_text("Approved", exact=True)).to_be_visible()
    expect(officer.get_by_text(re.compile("counts toward CPT \\(Commission Regulation 1060\\)"))).to_be_visible()
    officer.goto("/my/profile")
    expect(officer.locator("td").filter(has_text="Taken elsewhere").first).to_be_visible()
