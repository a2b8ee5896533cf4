"""Every demo account signs in through the real form and lands on its role's page, accessibly."""

import json
import re
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from tests.browser.accessibility import serious_violations
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

ROLE_PAGES = {
    "officer": "Your training",
    "dispatcher": "Dispatcher training",
    "instructor": "Facilitating training",
    "manager": "Demo Valley Police Department",
    "admin": "Agencies by jurisdiction",
}


def sign_in(page: Page, username: str, password: str = "demo-password") -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_sign_in_page_is_accessible_and_explains_a_wrong_password(page: Page):
    page.goto("/login")
    assert serious_violations(page) == []
    sign_in(page, "officer", "not the password")
    expect(page.get_by_text("Wrong username or password")).to_be_visible()
    expect(page.get_by_label("Username")).to_have_value("officer")
    assert serious_violations(page) == []
    screenshot(page, "login-error")


@pytest.mark.parametrize("username", list(ROLE_PAGES))
def test_each_demo_account_sees_a_page_made_for_its_role(page: Page, username: str):
    sign_in(page, username)
    expect(page.get_by_role("status")).to_contain_text("Signed in as")
    expect(page.get_by_role("heading", name=ROLE_PAGES[username])).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    assert serious_violations(page) == []
    screenshot(page, f"home-{username}")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_manager_browses_their_agency_with_the_keyboard(page: Page):
    sign_in(page, "manager")
    page.get_by_role("link", name="My agency's people").click()
    search = page.get_by_label("Search by name, POST ID or username")
    search.fill("rivera")
    search.press("Enter")
    expect(page.get_by_role("link", name="Rivera, Alex")).to_be_visible()
    expect(page.get_by_text("Baker")).to_have_count(0)  # Colorado agency: not theirs
    assert serious_violations(page) == []
    screenshot(page, "manager-people")


def test_admin_forms_are_accessible(page: Page):
    sign_in(page, "admin")
    for path in ("/admin/agencies", "/admin/people/new", "/admin/people/import", "/people", "/account",
                 "/admin/xapi/", "/api/reference"):
        page.goto(path)
        assert serious_violations(page) == [], path
    page.goto("/admin/people/new")
    page.get_by_role("button", name="Add person").click()
    expect(page.get_by_text("This field is required.").first).to_be_visible()
    assert serious_violations(page) == []
    screenshot(page, "admin-person-errors")


def test_admin_issues_a_system_token_that_an_agency_system_then_uses(page: Page, live_server: str):
    sign_in(page, "admin")
    page.get_by_role("link", name="System tokens").click()
    assert serious_violations(page) == []
    page.get_by_label("System", exact=True).fill(f"Records system ({page.viewport_name})")  # type: ignore[attr-defined]
    page.get_by_label("Agency", exact=True).select_option(index=0)
    page.get_by_label("Read the agency's training records").check()
    page.get_by_role("button", name="Issue token").click()
    token = page.get_by_label("New token").input_value()
    assert serious_violations(page) == []
    screenshot(page, "system-token")
    agency_id = page.get_by_label("Agency", exact=True).locator("option").first.get_attribute("value")

    request = urllib.request.Request(f"{live_server}/api/v1/agencies/{agency_id}/records",  # noqa: S310 - loopback
                                     headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        assert "records" in json.load(response)
    page.get_by_role("button", name=re.compile("Revoke.*Records system")).first.click()
    expect(page.get_by_role("status").or_(page.get_by_text("no longer works")).first).to_be_visible()
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)  # noqa: S310
    assert refused.value.code == 401
    refused.value.close()
