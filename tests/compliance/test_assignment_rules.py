"""Assignment rules: due on a requirement, joining the agency, taking up a role; each acts once per person and
occasion, run by the nightly run or on demand from the assignments page."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from learning_portal.accounts import people
from learning_portal.accounts.models import Role
from learning_portal.catalog.models import CourseVersion
from learning_portal.compliance import assignment_rules
from learning_portal.compliance import services as compliance
from learning_portal.errors import ValidationError
from learning_portal.learning import services as learning
from learning_portal.learning.models import AssignmentReason, CourseAssignment
from learning_portal.notices.models import Notification
from tests.factories import load_content, make_agency, make_person

AT = datetime(2026, 12, 5, 17, tzinfo=UTC)
TODAY = date(2026, 12, 5)


@pytest.fixture
def harbor(db_session):
    load_content(db_session)  # ZZ-POST: ZZ-CPT due 31 December 2026 for officers hired in the cycle
    agency = make_agency(db_session, jurisdiction="ZZ-POST", name="Harbor PD")
    manager = make_person(db_session, role=Role.TRAINING_MANAGER, agency=agency)
    ana = make_person(db_session, agency=agency, first_name="Ana", hire_date=date(2024, 6, 1))
    return agency, manager, ana


def fresh(db, agency):
    compliance.ensure_fresh(db, agency_ids=[agency.id], defs=compliance.definitions(db, "ZZ-POST"), now=AT)


def assigned(db):
    return db.execute(select(CourseAssignment.person_id, CourseAssignment.due_on, CourseAssignment.reason)).all()


def test_due_on_a_requirement_assigns_once_per_due_date(db_session, harbor):
    agency, manager, ana = harbor
    rule = assignment_rules.create(db_session, actor=manager, agency=agency, course_slug="basic-course",
                                   trigger="due", requirement_id="ZZ-CPT", role=None, days=30, now=AT)
    fresh(db_session, agency)
    assert assignment_rules.run_agency(db_session, agency.id, today=TODAY, now=AT) == 1
    assert assigned(db_session) == [(ana.id, date(2026, 12, 31), AssignmentReason.RULE)]
    told = db_session.scalars(select(Notification.body).where(Notification.kind == "assignment_new")).one()
    assert "due 31 December 2026" in told or "2026" in told
    assert assignment_rules.run_agency(db_session, agency.id, today=TODAY, now=AT) == 0  # again: nothing
    version = db_session.scalars(select(CourseVersion)).first()
    learning.record_roster_completion(db_session, person_id=ana.id, version=version, completed_at=AT, note="",
                                      now=AT)  # done, yet 1.5 hours do not complete the 24: still due
    fresh(db_session, agency)
    assert assignment_rules.run_agency(db_session, agency.id, today=TODAY, now=AT) == 0  # not assigned twice
    assignment_rules.end(db_session, actor=manager, rule_id=rule.id, now=AT)
    assert assignment_rules.of_agency(db_session, agency.id)[0].ended_at is not None


def test_joining_and_taking_up_a_role_count_from_the_rule_s_day(db_session, harbor):
    agency, manager, ana = harbor
    assignment_rules.create(db_session, actor=manager, agency=agency, course_slug="basic-course", trigger="joins",
                            requirement_id=None, role=None, days=14, now=AT - timedelta(days=3))
    newcomer = make_person(db_session, agency=agency, first_name="Nia", hire_date=date(2026, 12, 3))
    assert assignment_rules.run_agency(db_session, agency.id, today=TODAY, now=AT) == 1
    assert assigned(db_session) == [(newcomer.id, date(2026, 12, 17), AssignmentReason.RULE)]  # not Ana

    assignment_rules.create(db_session, actor=manager, agency=agency, course_slug="basic-course", trigger="role",
                            requirement_id=None, role="instructor", days=30, now=AT - timedelta(days=1))
    people.edit_person(db_session, actor=manager, person=ana, now=AT,
                       edit=people.PersonEdit(other_roles=["instructor"], effective_on=TODAY))
    assert assignment_rules.run_agency(db_session, agency.id, today=TODAY, now=AT) == 1
    assert (ana.id, TODAY + timedelta(days=30), AssignmentReason.RULE) in assigned(db_session)
    assert assignment_rules.run_agency(db_session, agency.id, today=TODAY, now=AT) == 0


def test_a_rule_must_be_complete(db_session, harbor):
    agency, manager, _ = harbor
    with pytest.raises(ValidationError) as refused:
        assignment_rules.create(db_session, actor=manager, agency=agency, course_slug="nope", trigger="due",
                                requirement_id="CA-CPT-24", role=None, days=400, now=AT)
    assert set(refused.value.details) == {"course", "requirement", "days"}


def test_the_assignments_page_adds_runs_and_turns_off_rules(db_session, harbor, signed_in):
    agency, manager, ana = harbor
    fresh(db_session, agency)
    db_session.commit()
    browser = signed_in(manager)
    page = browser.post(f"/compliance/agencies/{agency.id}/assignment-rules", follow_redirects=True, data={
        "course": "basic-course", "trigger": "due", "requirement": "ZZ-CPT", "days": "30"}).get_data(as_text=True)
    assert "Rule added" in page and "everyone due on ZZ-CPT within 30 days" in page
    rule = assignment_rules.of_agency(db_session, agency.id)[0]
    ran = browser.post(f"/compliance/assignment-rules/{rule.id}/run", follow_redirects=True).get_data(as_text=True)
    assert "assigned 9999-00001 to 1 person" in ran or "to 1 person" in ran
    ended = browser.post(f"/compliance/assignment-rules/{rule.id}/end", follow_redirects=True)
    assert "turned off" in ended.get_data(as_text=True)
    other = make_person(db_session, role=Role.TRAINING_MANAGER, agency=make_agency(db_session))
    db_session.commit()
    assert signed_in(other).post(f"/compliance/assignment-rules/{rule.id}/run").status_code == 404
