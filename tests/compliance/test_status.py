"""One definition of each status: the SQL the dashboards count with and the Python the engine reads agree on
every combination of stored facts, on every day around the due dates (SQLite and PostgreSQL)."""

from __future__ import annotations

import itertools
import secrets
from datetime import date, timedelta

from sqlalchemy import insert, select

from learning_portal.accounts.models import Person, Role
from learning_portal.catalog.models import Requirement
from learning_portal.compliance.models import PersonEvaluation, RequirementStatus
from learning_portal.compliance.status import (
    STATES,
    overall_status,
    overall_status_sql,
    requirement_status,
    requirement_status_sql,
)
from tests.factories import NOW, make_agency

TODAY = date(2026, 12, 6)
DUES = (None, TODAY - timedelta(days=1), TODAY, TODAY + timedelta(days=30), TODAY + timedelta(days=31),
        TODAY + timedelta(days=400))
DAYS = (TODAY - timedelta(days=1), TODAY, TODAY + timedelta(days=1), TODAY + timedelta(days=31))


def _people(db_session, agency, n: int) -> list[int]:
    db_session.execute(insert(Person), [
        {"post_id": f"S{i:06d}", "username": f"status{i}", "first_name": "Sam", "last_name": f"Status{i}",
         "role": Role.OFFICER, "agency_id": agency.id, "login_nonce": secrets.token_hex(8), "created_at": NOW}
        for i in range(n)])
    return list(db_session.scalars(select(Person.id).where(Person.agency_id == agency.id).order_by(Person.id)))


def test_requirement_statuses_agree_in_sql_and_python(db_session):
    agency = make_agency(db_session)
    cases = list(itertools.product(STATES, (False, True), DUES, (False, True), (False, True)))
    db_session.add(Requirement(id="ZZ-STATUS", jurisdiction="ZZ-POST", title="Status", citation="", summary="",
                               rule=None, updated_at=NOW))
    people = _people(db_session, agency, len(cases))
    db_session.execute(insert(RequirementStatus), [
        {"person_id": pid, "requirement_id": "ZZ-STATUS", "agency_id": agency.id, "state": state, "done": done,
         "due_on": due, "gap": gap, "owed": owed, "reason": "", "finding": {}}
        for pid, (state, done, due, gap, owed) in zip(people, cases, strict=True)])
    by_person = dict(zip(people, cases, strict=True))
    seen = set()
    for day, soon in itertools.product(DAYS, (0, 30)):
        rows = db_session.execute(select(RequirementStatus.person_id,
                                         requirement_status_sql(RequirementStatus, day, soon))).all()
        assert len(rows) == len(cases)
        for pid, in_sql in rows:
            state, done, due, gap, owed = by_person[pid]
            in_python = requirement_status(state=state, done=done, due_on=due, gap=gap, owed=owed, today=day,
                                           due_soon_days=soon)
            assert in_sql == in_python, (by_person[pid], day, soon)
            seen.add(in_python)
    assert seen == {"overdue", "due_soon", "missing_date", "no_record", "on_track", "compliant", "exempt",
                    "not_applicable"}


def test_overall_statuses_agree_in_sql_and_python(db_session):
    agency = make_agency(db_session)
    cases = [(bool(worst), worst, missing, gaps, owed, tracked, exempt)
             for worst, missing, gaps, owed, tracked, exempt in itertools.product(
                 DUES, (0, 1), (0, 2), (0, 1), (0, 3), (0, 1))]
    people = _people(db_session, agency, len(cases))
    db_session.execute(insert(PersonEvaluation), [
        {"person_id": pid, "agency_id": agency.id, "definitions": "x", "person_revision": 0, "last_record_id": 0,
         "valid_until": None, "stale": False, "outstanding": outstanding, "worst_due_on": worst, "missing": missing,
         "gaps": gaps, "owed": owed, "tracked": tracked, "exempt": exempt, "evaluated_at": NOW}
        for pid, (outstanding, worst, missing, gaps, owed, tracked, exempt) in zip(people, cases, strict=True)])
    by_person = dict(zip(people, cases, strict=True))
    seen = set()
    for day, soon in itertools.product(DAYS, (0, 30)):
        for pid, in_sql in db_session.execute(select(PersonEvaluation.person_id,
                                                     overall_status_sql(PersonEvaluation, day, soon))):
            outstanding, worst, missing, gaps, owed, tracked, exempt = by_person[pid]
            in_python = overall_status(outstanding=outstanding, worst_due_on=worst, missing=missing, gaps=gaps,
                                       owed=owed, tracked=tracked, exempt=exempt, today=day, due_soon_days=soon)
            assert in_sql == in_python, (by_person[pid], day, soon)
            seen.add(in_python)
    assert len(seen) == 8
