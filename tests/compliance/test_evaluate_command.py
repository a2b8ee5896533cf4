"""``flask compliance evaluate``: the engine asked about one case, as an operator would, with the real rules."""

from __future__ import annotations

import json

import pytest

from tests.factories import REAL_CONTENT, load_content

VETERAN = {"roles": ["officer"], "assignments": ["patrol"], "rank": "line", "hire_date": "2009-05-04"}


def ask(app, case) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["compliance", "evaluate", "-"], input=json.dumps(case))
    return result.exit_code, result.output


@pytest.fixture
def rules(db_session):
    load_content(db_session, REAL_CONTENT, slugs=())
    db_session.flush()


def by_id(output: str) -> dict[str, dict]:
    return {r["id"]: r for r in json.loads(output)}


def test_a_veteran_with_no_history_is_a_data_gap_and_a_dispatcher_owes_the_basic_course(app, rules):
    code, out = ask(app, {"jurisdiction": "CA-POST", "today": "2026-06-01", "person": VETERAN,
                          "agency_records_start": "2025-01-01"})
    assert code == 0, out
    verdicts = by_id(out)
    assert verdicts["CA-LM-FA-2Y"] == {"id": "CA-LM-FA-2Y", "status": "no_record", "due": "2027-01-01",
                                       "reason": "No completion on file since this agency's records start "
                                                 "(1 Jan 2025); due 1 Jan 2027 at the latest.",
                                       "hours_done": 0.0, "hours_required": 8.0}
    assert verdicts["CA-CPT-24"]["status"] == "on_track" and verdicts["CA-CPT-24"]["hours_required"] == 24.0
    assert verdicts["CA-PSD-BASIC"]["status"] == "not_applicable"
    dispatcher = {"roles": ["dispatcher"], "assignments": ["dispatch"], "hire_date": "2018-01-01",
                  "role_dates": {"dispatcher": "2026-02-01"}}
    code, out = ask(app, {"jurisdiction": "CA-POST", "today": "2026-06-01", "person": dispatcher,
                          "agency_records_start": "2025-01-01",
                          "records": [{"course_number": "9999-00201", "completed_on": "2026-03-01", "hours": 4,
                                       "requirements": ["CA-PSD-BASIC"]}]})
    basic = by_id(out)["CA-PSD-BASIC"]
    assert (basic["status"], basic["due"], basic["hours_done"], basic["hours_required"]) == (
        "on_track", "2027-02-01", 4.0, 120.0)


def test_colorado_topics_and_an_exemption_of_part_of_a_year(app, rules):
    records = [{"completed_on": "2026-02-01", "hours": 14, "categories": {
        "holds_restraints": 4, "anti_bias": 4, "community_policing": 2, "de_escalation": 2, "disabilities": 1,
        "mmir": 1}}]
    code, out = ask(app, {"jurisdiction": "CO-POST", "today": "2026-07-01", "person": VETERAN,
                          "records": records, "exemptions": [{"kind": "medical_leave", "start": "2026-01-01",
                                                              "end": "2026-06-30", "requirement": "CO-R28-ANNUAL"}]})
    assert code == 0, out
    verdicts = by_id(out)
    assert verdicts["CO-315-5Y"]["status"] == "compliant" and verdicts["CO-315-5Y"]["due"] == "2031-02-01"
    assert verdicts["CO-R28-ANNUAL"]["hours_required"] == 13.0  # 24 x 184 of 365 days not exempted, rounded up


@pytest.mark.parametrize(("case", "field"), [
    ({"jurisdiction": "CA-POST", "today": "2026-06-01", "person": VETERAN, "colour": "blue"}, "colour"),
    ({"jurisdiction": "CA-POST", "today": "yesterday", "person": VETERAN}, "today"),
    ({"jurisdiction": "XX-POST", "today": "2026-06-01", "person": VETERAN}, "jurisdiction"),
    ({"jurisdiction": "CA-POST", "today": "2026-06-01", "person": {**VETERAN, "roles": ["sheriff"]}}, "person.roles"),
    ({"jurisdiction": "CA-POST", "today": "2026-06-01", "person": {**VETERAN, "ssn": "x"}}, "person.ssn"),
    ({"jurisdiction": "CA-POST", "today": "2026-06-01", "person": VETERAN,
      "records": [{"completed_on": "2026-01-01", "hours": -2}]}, "records[0].hours"),
    ({"jurisdiction": "CA-POST", "today": "2026-06-01", "person": VETERAN,
      "records": [{"completed_on": "2026-01-01", "hours": 2, "requirements": ["CA-NOPE"]}]}, "records[0].requirements"),
    ({"jurisdiction": "CA-POST", "today": "2026-06-01", "person": VETERAN,
      "exemptions": [{"kind": "leave", "start": "2026-02-01", "end": "2026-01-01"}]}, "exemptions[0].end"),
    ({"jurisdiction": "CO-POST", "today": "2026-06-01", "person": VETERAN,
      "exemptions": [{"kind": "sabbatical", "start": "2026-02-01"}]}, "exemptions[0].kind"),
    ({"jurisdiction": "CO-POST", "today": "2026-06-01", "person": VETERAN,  # no ground covers 24-31-315
      "exemptions": [{"kind": "medical_leave", "start": "2026-02-01", "requirement": "CO-315-5Y"}]},
     "exemptions[0].requirement"),
])
def test_bad_cases_are_refused_naming_the_field(app, rules, case, field):
    code, out = ask(app, case)
    assert code != 0 and f"  {field}: " in out, out


def test_not_json_is_refused(app, rules):
    result = app.test_cli_runner().invoke(args=["compliance", "evaluate", "-"], input="{not json")
    assert result.exit_code != 0 and "Not JSON" in result.output
