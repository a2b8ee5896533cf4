"""An agency moves in, in a real browser: the administrator imports three people and their past training and
invites them; one sets a password from the e-mail that reached the SMTP server and signs in; their manager
promotes one and transfers another to a second agency; both agencies' pages and the profile then agree."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from learning_portal.accounts.models import Agency, Person
from learning_portal.clock import utcnow
from learning_portal.db import session_factory
from learning_portal.demo.services import DEMO_PASSWORD
from learning_portal.mail import worker
from learning_portal.mail.transport import SmtpTransport
from tests.browser.accessibility import serious_violations
from tests.browser.conftest import DESKTOP, screenshot

NEW_PASSWORD = "a long passphrase of my own"


def sign_in(browser: Browser, live_server: str, username: str, password: str = DEMO_PASSWORD) -> Page:
    page = browser.new_context(viewport=DESKTOP, base_url=live_server).new_page()
    page.set_default_timeout(10_000)
    page.viewport_name = "desktop"  # type: ignore[attr-defined]
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    return page


def upload_and_confirm(page: Page, path: str, name: str, text: str, confirm: str) -> None:
    page.goto(path)
    page.get_by_label("CSV file").set_input_files(files=[{"name": name, "mimeType": "text/csv",
                                                         "buffer": text.encode()}])
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", name="Check before importing")).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_role("button", name=confirm).click()


def test_an_agency_moves_in(browser: Browser, live_server: str, live_app, smtp) -> None:
    factory = session_factory(live_app)
    with factory() as db:
        home = db.scalar(select(Agency).where(Agency.number == "99001"))
        harbor = db.scalar(select(Agency).where(Agency.number == "99077"))
        if harbor is None:
            harbor = Agency(jurisdiction="CA-POST", number="99077", name="Harbor Bay Police Department",
                            created_at=utcnow())
            db.add(harbor)
            db.commit()
        home_id, harbor_id = home.id, harbor.id
    promoted_on = (utcnow() - timedelta(days=30)).date().isoformat()

    admin = sign_in(browser, live_server, "admin")
    upload_and_confirm(admin, "/admin/people/import", "people.csv", (
        "post_id,first_name,last_name,email,role,assignment,hire_date,jurisdiction,agency_number\n"
        "ONB-1,Nia,Ode,nia.ode@example.test,officer,patrol,2021-04-05,CA-POST,99001\n"
        "ONB-2,Raf,Lund,raf.lund@example.test,officer,patrol,2019-02-11,CA-POST,99001\n"
        "ONB-3,Ivy,Chu,ivy.chu@example.test,officer,patrol,2018-09-03,CA-POST,99001\n"), "Import 3 rows")
    expect(admin.get_by_text("3 added")).to_be_visible()
    upload_and_confirm(admin, f"/agencies/{home_id}/records/import", "history.csv", (
        "post_id,course_number,title,completed_on,hours,categories\n"
        "ONB-3,1234-00077,Academy report writing,2025-03-15,8,\n"), "Import 1 record")
    expect(admin.get_by_text("Imported 1 training records")).to_be_visible()

    with factory() as db:
        ids = {p.post_id: p.id for p in db.scalars(select(Person).where(Person.post_id.like("ONB-%")))}
    for post_id in ids:
        admin.goto(f"/people/{ids[post_id]}")
        admin.get_by_role("button", name=re.compile("E-mail an invitation")).click()
        expect(admin.get_by_text("Invitation sent")).to_be_visible()
    worker.run_once(factory, SmtpTransport(smtp.url), worker.settings(live_app.config), now=utcnow)
    received = {m["To"]: m for m in smtp.messages()}
    assert {"nia.ode@example.test", "raf.lund@example.test", "ivy.chu@example.test"} <= set(received)

    # Nia follows the link in her e-mail, chooses a password and signs in.
    text = received["nia.ode@example.test"].get_body(("plain",)).get_content()
    link = urlsplit(re.search(r"http://\S+/account/password/\S+", text).group(0)).path
    nia = browser.new_context(viewport=DESKTOP, base_url=live_server).new_page()
    nia.goto(link)
    nia.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    nia.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    nia.get_by_role("button", name="Save the password").click()
    expect(nia.get_by_text("Your password is set.")).to_be_visible()
    nia.close()
    sign_in(browser, live_server, "onb-1", NEW_PASSWORD).close()

    # Her training manager promotes Raf and transfers Ivy to Harbor Bay.
    manager = sign_in(browser, live_server, "manager")
    manager.goto(f"/people/{ids['ONB-2']}")
    manager.get_by_role("link", name=re.compile("Edit details")).click()
    manager.get_by_label("Rank tier").select_option("supervisor")
    manager.get_by_label("A new role, assignment or rank began on").fill(promoted_on)
    assert serious_violations(manager) == []
    manager.get_by_role("button", name="Save changes").click()
    expect(manager.get_by_text("changes are saved")).to_be_visible()
    history = manager.get_by_role("region", name="History")
    expect(history.get_by_text(re.compile(r"Supervisor: .* to now"))).to_be_visible()
    expect(history.get_by_text(re.compile(r"Line: .* to "))).to_be_visible()

    manager.goto(f"/people/{ids['ONB-3']}")
    manager.get_by_text("Transfer to another agency").click()
    manager.get_by_label("To agency").select_option(str(harbor_id))
    manager.get_by_label(re.compile("Move this person")).check()
    manager.get_by_role("button", name="Transfer").click()
    expect(manager.get_by_text("moved to Harbor Bay Police Department")).to_be_visible()
    screenshot(manager, "onboarding-transferred")

    # Home's dashboard no longer lists Ivy; Harbor Bay's does, with her imported record counted.
    manager.goto(f"/compliance/agencies/{home_id}?q=Chu")
    expect(manager.get_by_role("link", name=re.compile("Chu"))).to_have_count(0)
    manager.goto(f"/compliance/agencies/{home_id}?q=Lund")
    expect(manager.get_by_role("link", name=re.compile("Lund"))).to_have_count(1)
    admin.goto(f"/compliance/agencies/{harbor_id}?q=Chu")
    expect(admin.get_by_role("link", name=re.compile("Chu"))).to_have_count(1)
    # Her profile: all of it for Harbor Bay (via the administrator), her time with us for her old manager.
    admin.goto(f"/people/{ids['ONB-3']}/profile")
    expect(admin.get_by_role("cell", name=re.compile("Academy report writing"))).to_be_visible()
    manager.goto(f"/people/{ids['ONB-3']}/profile")
    expect(manager.get_by_text("has moved to another agency")).to_be_visible()
    expect(manager.get_by_role("cell", name=re.compile("Academy report writing"))).to_be_visible()
    assert manager.goto(f"/people/{ids['ONB-3']}").status == 404  # the account is Harbor Bay's to manage now
