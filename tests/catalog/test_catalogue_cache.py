"""What every page reads from the catalogue is kept per process under the catalogue's version token: a write
(through the unit of work or as a statement) is seen by the next page at once, and a write rolled back leaves
nothing behind."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from learning_portal import refdata
from learning_portal.catalog.models import CourseVersion, HourCategory
from learning_portal.catalog.queries import category_titles, get_course
from tests.factories import REAL_CONTENT, load_content, make_person


@pytest.fixture
def officer(db_session, login_as):
    load_content(db_session, REAL_CONTENT, slugs=("dv-response-update", "hate-crimes"))
    person = make_person(db_session)
    login_as(person)
    return person


def test_a_catalogue_write_is_on_the_next_page_and_a_rolled_back_one_never(client, db_session, officer):
    assert "Domestic Violence Response Update" in client.get("/courses").get_data(as_text=True)
    before = refdata.token(db_session)
    _, version = get_course(db_session, "dv-response-update")
    version.title = "Domestic Violence: Response Update 2027"
    db_session.flush()
    assert refdata.token(db_session) != before
    assert "Response Update 2027" in client.get("/courses").get_data(as_text=True)

    # A statement, not the unit of work: a new version all the same.
    db_session.execute(update(CourseVersion).where(CourseVersion.id == version.id).values(summary="Rewritten."))
    db_session.expire_all()
    assert "Rewritten." in client.get("/courses").get_data(as_text=True)

    # Written, shown, rolled back: the page shows the catalogue as it stands, not the cached page.
    nested = db_session.begin_nested()
    version.title = "A title that was never committed"
    db_session.flush()
    assert "never committed" in client.get("/courses").get_data(as_text=True)
    nested.rollback()
    db_session.expire_all()
    page = client.get("/courses").get_data(as_text=True)
    assert "never committed" not in page and "Response Update 2027" in page


def test_category_titles_follow_the_catalogue(db_session, officer):
    assert category_titles(db_session)["general"] != "General law enforcement"
    db_session.get(HourCategory, "general").title = "General law enforcement"
    db_session.flush()
    assert category_titles(db_session)["general"] == "General law enforcement"
