"""The evaluation engine on its own: cycle boundaries, leap years, new hires, rolling and one-time rules,
audiences, exemptions, and the plain-language reasons people read."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from learning_portal.catalog.rules import Audience, Rule, parse_rule
from learning_portal.compliance.engine import (
    ExemptionFact,
    Finding,
    PersonFacts,
    RecordFact,
    RequirementDef,
    add_months,
    evaluate,
    reason,
)

ANCHOR = date(2025, 1, 1)
OFFICER = PersonFacts(role="officer", rank_tier="line", assignment="patrol", hire_date=date(2015, 3, 2))
TITLES = {"arrest_control": "Arrest & Control", "driving": "Driving", "firearms": "Firearms"}


def req(rid: str = "CA-CPT-24", months: int = 24, **rule) -> RequirementDef:
    parsed, errors = parse_rule(rule, set(TITLES))
    assert not errors, errors
    return RequirementDef(rid, rid, parsed, months, ANCHOR, judged_from=ANCHOR)


def rec(day: date, hours: float = 2, satisfies: tuple[str, ...] = (), **categories: float) -> RecordFact:
    return RecordFact(day, Decimal(str(hours)), {c: Decimal(str(h)) for c, h in categories.items()},
                      frozenset(satisfies))


def check(requirement, records, today, person=OFFICER, exemptions=()) -> tuple[Finding, str, str]:
    finding = evaluate(requirement, person, records, exemptions, today)
    status = finding.status(today, 90)
    return finding, status, reason(finding, status, TITLES)


CPT = req(kind="cycle_hours", hours=24, audience={"roles": ["officer"]})


def test_cycle_hours_short_mid_cycle_says_how_many_hours_are_left_and_when():
    finding, status, why = check(CPT, [rec(date(2025, 5, 1), 10), rec(date(2026, 2, 1), 8)], date(2026, 6, 1))
    assert status == "compliant" and not finding.done  # not late yet: the cycle ends 31 Dec 2026
    assert why == "18 of 24 hours for 2025-2026; 6 to go; due 31 Dec 2026."


def test_the_last_day_of_a_cycle_is_due_soon_and_the_next_day_overdue():
    records = [rec(date(2025, 5, 1), 20)]
    _, status, _ = check(CPT, records, date(2026, 12, 31))
    assert status == "due_soon"
    finding, status, why = check(CPT, records, date(2027, 1, 1))
    assert status == "overdue" and finding.period == "2027-2028" and finding.due_on == date(2026, 12, 31)
    assert why.startswith("Only 20 of 24 hours in 2025-2026, which ended 31 Dec 2026")


def test_hours_on_the_last_day_of_a_cycle_count_for_that_cycle_not_the_next():
    finding, status, _ = check(CPT, [rec(date(2026, 12, 31), 24)], date(2026, 12, 31))
    assert status == "compliant" and finding.done
    finding, _, _ = check(CPT, [rec(date(2026, 12, 31), 24)], date(2027, 1, 2))
    assert finding.hours_done == 0 and finding.previous is None  # 2025-2026 was met: nothing carried over


def test_a_missed_cycle_clears_once_the_current_cycle_is_met():
    records = [rec(date(2025, 3, 1), 6), rec(date(2027, 2, 1), 24)]
    finding, status, why = check(CPT, records, date(2027, 3, 1))
    assert status == "compliant" and finding.done and why == "24 of 24 hours for 2027-2028: done."


def test_a_new_hire_owes_nothing_in_the_cycle_they_joined_by_default():
    hired = PersonFacts(role="officer", rank_tier="line", assignment="patrol", hire_date=date(2025, 7, 1))
    finding, status, why = check(CPT, [], date(2026, 6, 1), person=hired)
    assert status == "not_applicable" and finding.valid_until == date(2026, 12, 31)
    assert "Hired 1 Jul 2025, during the 2025-2026 cycle" in why
    _, status, _ = check(CPT, [], date(2027, 1, 1), person=hired)  # not overdue for the cycle they joined
    assert status == "compliant"


def test_a_prorated_new_hire_owes_hours_in_proportion_to_the_months_left():
    annual = req("CO-R28-ANNUAL", months=12, kind="cycle_hours", hours=24, new_hire="prorate")
    hired = PersonFacts(role="officer", rank_tier="line", assignment="patrol", hire_date=date(2025, 10, 15))
    finding, _, why = check(annual, [rec(date(2025, 11, 1), 3)], date(2025, 11, 2), person=hired)
    assert finding.hours_needed == Decimal(6)  # Oct, Nov, Dec: 3 of 12 months of 24 hours
    assert why == "3 of 6 hours for 2025; 3 to go; due 31 Dec 2025."


def test_hired_on_the_first_day_of_a_cycle_owes_the_whole_cycle():
    hired = PersonFacts(role="officer", rank_tier="line", assignment="patrol", hire_date=date(2025, 1, 1))
    finding, _, _ = check(CPT, [], date(2025, 6, 1), person=hired)
    assert finding.state == "tracked" and finding.hours_needed == 24


def test_category_hours_count_only_their_category():
    psp = req("CA-PSP-AC", kind="category_hours", categories=["arrest_control"], hours=4)
    records = [rec(date(2025, 4, 1), 4, arrest_control=2), rec(date(2025, 6, 1), 4, firearms=4)]
    finding, _, why = check(psp, records, date(2026, 1, 10))
    assert finding.hours_done == 2 and not finding.done
    assert why == "2 of 4 hours of Arrest & Control for 2025-2026; 2 to go; due 31 Dec 2026."


def test_category_minimums_name_each_category_short():
    perish = req("CO-R28-PERISH", months=12, kind="category_hours", hours=12, each_at_least=1,
                 categories=["arrest_control", "driving", "firearms"])
    records = [rec(date(2025, 2, 1), 8, arrest_control=8), rec(date(2025, 3, 1), 5, firearms=5)]
    finding, status, why = check(perish, records, date(2025, 11, 1))
    assert finding.hours_done == 13 and not finding.done and status == "due_soon"  # 13 >= 12, but no driving
    assert why == ("13 of 12 hours of Arrest & Control, Driving and Firearms for 2025; 1 of Driving missing; "
                   "due 31 Dec 2025.")


def test_cycle_hours_counting_only_satisfying_courses():
    pursuit = req("CA-LM-PURSUIT-1Y", months=12, kind="cycle_hours", counts="satisfying", hours=1, cycle_months=12)
    finding, _, _ = check(pursuit, [rec(date(2026, 3, 1), 8)], date(2026, 4, 1))
    assert finding.hours_done == 0
    finding, _, _ = check(pursuit, [rec(date(2026, 3, 1), 2, ("CA-LM-PURSUIT-1Y",))], date(2026, 4, 1))
    assert finding.done and finding.period == "2026"


def test_rolling_refresher_is_due_every_n_months_after_the_last_completion():
    ripa = req("CA-LM-RIPA-5Y", kind="rolling", every_months=60, hours=2)
    records = [rec(date(2019, 5, 10), 2, ("CA-LM-RIPA-5Y",)), rec(date(2022, 8, 1), 2, ("CA-LM-RIPA-5Y",))]
    finding, status, why = check(ripa, records, date(2026, 1, 1))
    assert finding.due_on == date(2027, 8, 1) and status == "compliant"
    assert why == "Last completed 1 Aug 2022; due 1 Aug 2027."
    _, status, _ = check(ripa, records, date(2027, 6, 1))
    assert status == "due_soon"
    _, status, why = check(ripa, records, date(2027, 8, 2))
    assert status == "overdue" and why == "Last completed 1 Aug 2022; was due 1 Aug 2027."


def test_rolling_ignores_completions_shorter_than_the_minimum_and_counts_from_hire_when_never_done():
    fa = req("CA-LM-FA-2Y", kind="rolling", every_months=24, hours=8)
    finding, status, why = check(fa, [rec(date(2025, 1, 1), 4, ("CA-LM-FA-2Y",))], date(2026, 1, 1))
    assert finding.last_done is None and status == "overdue"
    assert why == "No completion on record; was due 2 Mar 2017, 24 months after hire on 2 Mar 2015."


def test_leap_day_plus_whole_years_lands_on_the_last_day_of_february():
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2024, 2, 29), 48) == date(2028, 2, 29)
    assert add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    dv = req("CA-LM-DV-2Y", kind="rolling", every_months=24)
    finding, status, _ = check(dv, [rec(date(2024, 2, 29), 2, ("CA-LM-DV-2Y",))], date(2026, 2, 28))
    assert finding.due_on == date(2026, 2, 28) and status == "due_soon"
    _, status, _ = check(dv, [rec(date(2024, 2, 29), 2, ("CA-LM-DV-2Y",))], date(2026, 3, 1))
    assert status == "overdue"


def test_a_cycle_spanning_a_leap_year_counts_29_february():
    leap = req("CA-CPT-24", kind="cycle_hours", hours=24)
    finding, _, _ = check(leap, [rec(date(2028, 2, 29), 24)], date(2028, 3, 1))
    assert finding.done and finding.period == "2027-2028"


def test_one_time_within_months_of_promotion():
    sup = req("CA-SUP-80", kind="one_time", trigger="promotion", within_months=12,
              audience={"rank_tiers": ["supervisor"]})
    sergeant = PersonFacts(role="officer", rank_tier="supervisor", assignment="patrol",
                           hire_date=date(2010, 1, 1), promotion_date=date(2026, 3, 15))
    finding, status, why = check(sup, [], date(2026, 6, 1), person=sergeant)
    assert status == "compliant" and finding.due_on == date(2027, 3, 15)
    assert why == "Not completed; due 15 Mar 2027, 12 months after promotion on 15 Mar 2026."
    _, status, why = check(sup, [], date(2027, 3, 16), person=sergeant)
    assert status == "overdue" and why.startswith("Not completed; was due 15 Mar 2027")
    finding, status, why = check(sup, [rec(date(2026, 9, 1), 80, ("CA-SUP-80",))], date(2027, 5, 1), person=sergeant)
    assert status == "compliant" and finding.done and why == "Completed 1 Sep 2026."


def test_one_time_without_a_trigger_date_or_before_its_start_does_not_apply():
    cit = req("CA-FTO-CIT", kind="one_time", trigger="assignment", within_months=6, since=date(2017, 1, 1))
    fto = PersonFacts(role="officer", rank_tier="line", assignment="field_training")
    _, status, why = check(cit, [], date(2026, 1, 1), person=fto)
    assert status == "not_applicable" and why == "No assignment date is on file, so no due date can be set."
    early = PersonFacts(role="officer", rank_tier="line", assignment="field_training", assigned_on=date(2016, 5, 1))
    _, status, why = check(cit, [], date(2026, 1, 1), person=early)
    assert status == "not_applicable" and "on or after 1 Jan 2017" in why


@pytest.mark.parametrize(("audience", "person", "expected"), [
    ({"roles": ["dispatcher"]}, OFFICER, "not_applicable"),
    ({"rank_tiers": ["line", "supervisor"]}, PersonFacts("officer", "middle_management", "patrol"), "not_applicable"),
    ({"not_assignments": ["custody"]}, PersonFacts("officer", "line", "custody"), "not_applicable"),
    ({"reserve": False}, PersonFacts("officer", "line", "patrol", is_reserve=True), "not_applicable"),
    ({"clerical": False}, PersonFacts("officer", "line", "patrol", is_clerical=True), "not_applicable"),
    ({"assignments": ["patrol", "traffic"]}, PersonFacts("officer", "line", "traffic"), "overdue"),
    ({"reserve": False, "clerical": False}, OFFICER, "overdue"),
])
def test_audiences(audience, person, expected):
    fa = req("CA-LM-FA-2Y", kind="rolling", every_months=24, audience=audience)
    finding, status, why = check(fa, [], date(2026, 1, 1), person=person)
    assert status == expected
    if expected == "not_applicable":
        assert why.startswith("Applies to ")


def test_audience_description_reads_plainly():
    audience = Audience(roles=("officer",), rank_tiers=("line", "supervisor"), not_assignments=("custody",),
                        reserve=False)
    assert audience.describe() == "officers; line or supervisor rank; not assigned to custody; not reserves"


def test_exemptions_apply_only_while_in_force():
    psp = req("CA-PSP-DT", kind="category_hours", categories=["driving"], hours=4)
    leave = ExemptionFact("CA-PSP-DT", "Medical leave", date(2026, 1, 1), date(2026, 6, 30))
    finding, status, why = check(psp, [], date(2026, 3, 1), exemptions=[leave])
    assert status == "exempt" and why == "Exempt until 30 Jun 2026: Medical leave"
    assert finding.valid_until == date(2026, 6, 30)
    _, status, _ = check(psp, [], date(2026, 7, 1), exemptions=[leave])
    assert status == "compliant"  # back in force; due 31 Dec 2026 is more than 90 days away
    agency = ExemptionFact("CA-PSP-DT", "No marked vehicles", date(2020, 1, 1), None, agency_wide=True)
    _, status, why = check(psp, [], date(2026, 3, 1), exemptions=[agency])
    assert status == "exempt" and why == "Agency exemption: No marked vehicles"
    other = ExemptionFact("CA-PSP-TF", "Not this one", date(2020, 1, 1), None)
    _, status, _ = check(psp, [], date(2026, 11, 1), exemptions=[other])
    assert status == "due_soon"


def test_a_future_exemption_limits_how_long_the_evaluation_holds():
    rolling = req("CA-LM-RIPA-5Y", kind="rolling", every_months=60)
    later = ExemptionFact("CA-LM-RIPA-5Y", "Military leave", date(2026, 5, 1), None)
    finding, _, _ = check(rolling, [], date(2026, 3, 1), exemptions=[later])
    assert finding.state == "tracked" and finding.valid_until == date(2026, 4, 30)


def test_an_exemption_overlapping_the_last_cycle_forgives_its_shortfall():
    leave = ExemptionFact("CA-CPT-24", "Military leave", date(2026, 2, 1), date(2026, 10, 31))
    _, status, _ = check(CPT, [rec(date(2025, 3, 1), 6)], date(2027, 2, 1), exemptions=[leave])
    assert status == "compliant"


def test_without_a_start_date_every_earlier_cycle_is_judged():
    strict = RequirementDef("CA-CPT-24", "CPT", CPT.rule, 24, ANCHOR)  # no judged_from
    _, status, why = check(strict, [rec(date(2025, 3, 1), 24)], date(2025, 6, 1))
    assert status == "compliant"  # met now
    _, status, why = check(strict, [rec(date(2025, 3, 1), 10)], date(2025, 6, 1))
    assert status == "overdue" and why.startswith("Only 0 of 24 hours in 2023-2024")


def test_a_stored_finding_reads_back_the_same():
    records = [rec(date(2025, 3, 1), 6, arrest_control=1)]
    perish = req("CO-R28-PERISH", months=12, kind="category_hours", hours=12, each_at_least=1,
                 categories=["arrest_control", "driving", "firearms"])
    for requirement in (CPT, perish):
        finding = evaluate(requirement, OFFICER, records, (), date(2026, 4, 1))
        back = Finding.from_json(finding.requirement_id, finding.state, finding.done, finding.due_on,
                                 finding.to_json())
        assert back == Finding(**{**finding.__dict__, "valid_until": None})


@pytest.mark.parametrize(("raw", "message"), [
    ({"kind": "weekly"}, "kind must be one of"),
    ({"kind": "cycle_hours"}, "hours is required"),
    ({"kind": "cycle_hours", "hours": -1}, "more than 0"),
    ({"kind": "category_hours", "hours": 4}, "lists the categories"),
    ({"kind": "category_hours", "hours": 4, "categories": ["swimming"]}, "unknown hour category 'swimming'"),
    ({"kind": "rolling"}, "every_months is required"),
    ({"kind": "one_time", "within_months": 12, "trigger": "birthday"}, "trigger must be"),
    ({"kind": "rolling", "every_months": 24, "trigger": "hire"}, "trigger does not apply"),
    ({"kind": "rolling", "every_months": 24, "audience": {"roles": ["sheriff"]}}, "audience roles must be"),
    ({"kind": "rolling", "every_months": 24, "audience": {"height": 2}}, "unknown audience key 'height'"),
])
def test_rule_validation_explains_each_problem(raw, message):
    rule, errors = parse_rule(raw, set(TITLES))
    assert rule is None and any(message in text for _, text in errors), errors


def test_rules_round_trip_through_storage():
    rule = req(kind="one_time", trigger="assignment", within_months=6, since=date(2017, 1, 1),
               audience={"assignments": ["field_training"], "reserve": False}).rule
    assert Rule.from_dict(rule.to_dict()) == rule
