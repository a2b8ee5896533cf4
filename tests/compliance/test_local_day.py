"""Which day it is, for whom: a person's or agency's "today" is their jurisdiction's local date, everywhere.

At 17:00 on 6 December in California it is already 7 December in UTC; nothing may be overdue a day early,
dated tomorrow or purged a day early because a page took UTC's date.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from learning_portal.accounts import localdate
from learning_portal.accounts import views as account_views
from learning_portal.accounts.models import Person, Role
from learning_portal.catalog.queries import get_course
from learning_portal.compliance import views as compliance_views
from learning_portal.learning import views as learning_views
from learning_portal.learning.models import AssignmentReason, CourseAssignment
from learning_portal.privacy import retention
from tests.factories import NOW, REAL_CONTENT, load_content, make_agency, make_jurisdiction, make_person

CA_EVENING = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)  # 17:00 on 6 Dec in Los Angeles
CA_NEXT_MORNING = datetime(2026, 12, 7, 8, 30, tzinfo=UTC)  # 00:30 on 7 Dec in Los Angeles


@pytest.mark.parametrize(("moment", "zone", "day"), [
    # the last minute of the year and of a CPT cycle, and the first, in both zones
    (datetime(2027, 1, 1, 7, 59, tzinfo=UTC), "America/Los_Angeles", date(2026, 12, 31)),
    (datetime(2027, 1, 1, 8, 0, tzinfo=UTC), "America/Los_Angeles", date(2027, 1, 1)),
    (datetime(2027, 1, 1, 6, 59, tzinfo=UTC), "America/Denver", date(2026, 12, 31)),
    (datetime(2027, 1, 1, 7, 0, tzinfo=UTC), "America/Denver", date(2027, 1, 1)),
    # the day clocks go forward (8 Mar 2026) and back (1 Nov 2026): midnight moves by an hour in UTC
    (datetime(2026, 3, 8, 7, 59, tzinfo=UTC), "America/Los_Angeles", date(2026, 3, 7)),
    (datetime(2026, 3, 9, 6, 59, tzinfo=UTC), "America/Los_Angeles", date(2026, 3, 8)),
    (datetime(2026, 3, 9, 7, 0, tzinfo=UTC), "America/Los_Angeles", date(2026, 3, 9)),
    (datetime(2026, 11, 1, 5, 59, tzinfo=UTC), "America/Denver", date(2026, 10, 31)),
    (datetime(2026, 11, 1, 6, 0, tzinfo=UTC), "America/Denver", date(2026, 11, 1)),
    (datetime(2026, 11, 2, 6, 59, tzinfo=UTC), "America/Denver", date(2026, 11, 1)),
    (datetime(2026, 11, 2, 7, 0, tzinfo=UTC), "America/Denver", date(2026, 11, 2)),
    # 29 February in a leap year
    (datetime(2028, 3, 1, 7, 59, tzinfo=UTC), "America/Los_Angeles", date(2028, 2, 29)),
])
def test_an_agency_s_day_ends_at_its_local_midnight(db_session, moment, zone, day):
    jurisdiction = make_jurisdiction(db_session, "ZZ-TEST")
    jurisdiction.timezone = zone
    agency = make_agency(db_session, jurisdiction="ZZ-TEST")
    person = make_person(db_session, agency=agency)
    assert localdate.today_for(db_session, agency, moment) == day
    assert localdate.today_for(db_session, person, moment) == day
    assert jurisdiction.local_date(moment) == day


def test_a_person_without_an_agency_counts_in_utc(db_session):
    admin = make_person(db_session, role=Role.ADMINISTRATOR)
    assert localdate.today_for(db_session, admin, CA_EVENING) == date(2026, 12, 7)


@pytest.fixture
def assigned(db_session):
    """A California officer with a course due on 6 Dec 2026."""
    load_content(db_session, REAL_CONTENT, slugs=("dv-response-update",))
    make_jurisdiction(db_session)
    officer = make_person(db_session, agency=make_agency(db_session, jurisdiction="CA-POST"))
    course, _ = get_course(db_session, "dv-response-update")
    db_session.add(CourseAssignment(person_id=officer.id, course_id=course.id, due_on=date(2026, 12, 6),
                                    reason=AssignmentReason.ASSIGNED, assigned_at=NOW))
    db_session.flush()
    return officer


def test_an_assignment_due_today_is_not_overdue_in_the_california_evening(assigned, signed_in, monkeypatch):
    monkeypatch.setattr(learning_views, "utcnow", lambda: CA_EVENING)
    page = signed_in(assigned).get("/my/learning").get_data(as_text=True)
    assert "Due 6 Dec 2026" in page and "Overdue" not in page

    monkeypatch.setattr(learning_views, "utcnow", lambda: CA_NEXT_MORNING)
    page = signed_in(assigned).get("/my/learning").get_data(as_text=True)
    assert "Overdue: was due 6 Dec 2026" in page


def test_cpt_due_on_the_last_day_of_the_cycle_is_overdue_only_after_local_midnight(world, signed_in, monkeypatch):
    # Ben has 10 of 24 hours for 2025-2026, due 31 Dec 2026.
    monkeypatch.setattr(compliance_views, "utcnow", lambda: datetime(2027, 1, 1, 7, 30, tzinfo=UTC))
    page = signed_in(world.ben).get("/compliance/").get_data(as_text=True)
    assert "as of 31 Dec 2026" in page and "10 of 24 hours for 2025-2026; 14 to go; due 31 Dec 2026." in page

    monkeypatch.setattr(compliance_views, "utcnow", lambda: datetime(2027, 1, 1, 8, 30, tzinfo=UTC))
    page = signed_in(world.ben).get("/compliance/").get_data(as_text=True)
    assert "as of 1 Jan 2027" in page and "Only 10 of 24 hours in 2025-2026, which ended 31 Dec 2026" in page


def test_leaving_recorded_in_the_california_evening_is_dated_that_day(db_session, signed_in, monkeypatch):
    make_jurisdiction(db_session)
    admin = make_person(db_session, role=Role.ADMINISTRATOR)
    officer = make_person(db_session, agency=make_agency(db_session, jurisdiction="CA-POST"))
    monkeypatch.setattr(account_views, "utcnow", lambda: CA_EVENING)
    client = signed_in(admin)
    page = client.get(f"/people/{officer.id}").get_data(as_text=True)
    assert re.search(r'name="left_on"[^>]*value="2026-12-06"', page)  # offered: today where the officer is
    tomorrow = client.post(f"/admin/people/{officer.id}/left", data={"left_on": "2026-12-07", "confirm": "y"},
                           follow_redirects=True).get_data(as_text=True)
    assert "The leaving date is in the future." in tomorrow  # 7 Dec in UTC, not yet in California
    assert client.post(f"/admin/people/{officer.id}/left",
                       data={"left_on": "2026-12-06", "confirm": "y"}).status_code == 302
    assert db_session.scalar(select(Person.left_on).where(Person.id == officer.id)) == date(2026, 12, 6)


def test_the_retention_period_ends_on_the_local_anniversary(db_session):
    make_jurisdiction(db_session)
    officer = make_person(db_session, agency=make_agency(db_session, jurisdiction="CA-POST"), left_on=date(2019, 12, 6))
    assert retention.due(db_session, years=7, now=CA_EVENING) == []  # 6 Dec 2026 in California: not yet 7 years
    assert retention.due(db_session, years=7, now=CA_NEXT_MORNING) == [officer.id]
