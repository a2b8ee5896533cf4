"""The evaluation engine on its own: cycle boundaries, leap years, new hires, rolling and one-time rules,
records start and effective dates, hours and topics, audiences, exemptions, and the reasons people read."""

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

ANCHOR = date(2025, 1, 1)  # the cycle anchor, and where records start unless a test says otherwise
TITLES = {"arrest_control": "Arrest & Control", "driving": "Driving", "firearms": "Firearms",
          "holds_restraints": "Holds", "anti_bias": "Anti-bias", "community_policing": "Community policing",
          "de_escalation": "De-escalation", "disabilities": "Disabilities", "mmir": "MMIR"}


def person(roles=("officer",), rank="line", assignments=("patrol",), **facts) -> PersonFacts:
    return PersonFacts(roles=frozenset(roles), rank_tier=rank, assignments=frozenset(assignments), **facts)


OFFICER = person(hire_date=date(2026, 3, 2))  # hired after the records start: their whole history is here
VETERAN = person(hire_date=date(2009, 5, 4))  # hired long before


def req(rid: str = "CA-CPT-24", months: int = 24, **rule) -> RequirementDef:
    parsed, errors = parse_rule(rule, set(TITLES))
    assert not errors, errors
    return RequirementDef(rid, rid, parsed, months, ANCHOR)


def rec(day: date, hours: float = 2, satisfies: tuple[str, ...] = (), number: str = "", cpt: bool = True,
        **categories: float) -> RecordFact:
    return RecordFact(day, Decimal(str(hours)), {c: Decimal(str(h)) for c, h in categories.items()},
                      frozenset(satisfies), course_number=number, cpt=cpt)


def check(requirement, records, today, person=VETERAN, exemptions=(), records_start=ANCHOR
          ) -> tuple[Finding, str, str]:
    finding = evaluate(requirement, person, records, exemptions, today, records_start=records_start)
    status = finding.status(today, 90)
    return finding, status, reason(finding, status, TITLES)


CPT = req(kind="cycle_hours", hours=24, audience={"roles": ["officer"]})


# --- cycles ---------------------------------------------------------------------------------------


def test_hours_still_owed_before_a_distant_due_date_are_on_track_not_compliant():
    finding, status, why = check(CPT, [rec(date(2025, 5, 1), 10), rec(date(2026, 2, 1), 8)], date(2026, 6, 1))
    assert status == "on_track" and not finding.done
    assert why == "18 of 24 hours for 2025-2026; 6 to go; due 31 Dec 2026."
    _, status, why = check(CPT, [], date(2025, 3, 1))
    assert status == "on_track" and why == "0 of 24 hours for 2025-2026; 24 to go; due 31 Dec 2026."
    _, status, _ = check(CPT, [rec(date(2025, 5, 1), 24)], date(2025, 6, 1))
    assert status == "compliant"


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


def test_a_missed_cycle_is_not_made_up_by_the_next_cycles_hours_but_a_waiver_for_it_clears_it():
    records = [rec(date(2025, 3, 1), 6), rec(date(2027, 2, 1), 24)]
    finding, status, why = check(CPT, records, date(2027, 3, 1))
    assert status == "overdue" and finding.previous[0] == "2025-2026"
    assert why.startswith("Only 6 of 24 hours in 2025-2026, which ended 31 Dec 2026: this cycle's hours do not "
                          "make it up") and why.endswith("24 of 24 hours for 2027-2028: done.")
    waiver = ExemptionFact("CA-CPT-24", "Waived: military leave", date(2025, 1, 1), date(2026, 12, 31))
    _, status, _ = check(CPT, records, date(2027, 3, 1), exemptions=[waiver])
    assert status == "compliant"


def test_a_new_hire_owes_nothing_in_the_cycle_they_joined_by_default():
    hired = person(hire_date=date(2025, 7, 1))
    finding, status, why = check(CPT, [], date(2026, 6, 1), person=hired)
    assert status == "not_applicable" and finding.valid_until == date(2026, 12, 31)
    assert "Hired 1 Jul 2025, during the 2025-2026 cycle" in why
    _, status, _ = check(CPT, [], date(2027, 1, 1), person=hired)  # not overdue for the cycle they joined
    assert status == "on_track"


def test_a_prorated_new_hire_owes_hours_in_proportion_to_the_months_left():
    annual = req("CO-R28-ANNUAL", months=12, kind="cycle_hours", hours=24, new_hire="prorate")
    hired = person(hire_date=date(2025, 10, 15))
    finding, _, why = check(annual, [rec(date(2025, 11, 1), 3)], date(2025, 11, 2), person=hired)
    assert finding.hours_needed == Decimal(6)  # Oct, Nov, Dec: 3 of 12 months of 24 hours
    assert why == "3 of 6 hours for 2025; 3 to go; due 31 Dec 2025."


def test_hired_on_the_first_day_of_a_cycle_owes_the_whole_cycle():
    finding, _, _ = check(CPT, [], date(2025, 6, 1), person=person(hire_date=date(2025, 1, 1)))
    assert finding.state == "tracked" and finding.hours_needed == 24


def test_hired_on_the_last_day_of_a_year_owes_a_calendar_year_only_from_the_next():
    annual = req("CO-R28-ANNUAL", months=12, kind="cycle_hours", hours=24)
    hired = person(hire_date=date(2025, 12, 31))
    _, status, _ = check(annual, [], date(2025, 12, 31), person=hired)
    assert status == "not_applicable"
    finding, status, _ = check(annual, [], date(2026, 1, 1), person=hired)
    assert status == "on_track" and finding.period == "2026" and finding.previous is None


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


def test_one_record_counts_toward_several_requirements_and_categories():
    psp_ac = req("CA-PSP-AC", kind="category_hours", categories=["arrest_control"], hours=4)
    psp_dt = req("CA-PSP-DT", kind="category_hours", categories=["driving"], hours=4)
    dv = req("CA-LM-DV-2Y", kind="rolling", every_months=24, hours=2)
    both = [rec(date(2025, 6, 1), 10, ("CA-LM-DV-2Y",), arrest_control=4, driving=4)]
    assert check(psp_ac, both, date(2025, 7, 1))[1] == "compliant"
    assert check(psp_dt, both, date(2025, 7, 1))[1] == "compliant"
    assert check(dv, both, date(2025, 7, 1))[0].last_done == date(2025, 6, 1)
    assert check(CPT, both, date(2025, 7, 1))[0].hours_done == 10


def test_a_mandate_counted_in_a_cycle_takes_a_repeat_that_earned_no_cpt_hours():
    pursuit = req("CA-LM-PURSUIT-1Y", months=12, kind="cycle_hours", counts="satisfying", hours=1, cycle_months=12)
    second_year = [rec(date(2025, 3, 1), 2, ("CA-LM-PURSUIT-1Y",), number="9999-00107"),
                   rec(date(2026, 3, 1), 2, ("CA-LM-PURSUIT-1Y",), number="9999-00107", cpt=False)]
    finding, status, _ = check(pursuit, second_year, date(2026, 4, 1))
    assert status == "compliant" and finding.period == "2026"  # the repeat meets the annual mandate
    finding, _, _ = check(CPT, second_year, date(2026, 4, 1))
    assert finding.hours_done == 2  # but earns CPT hours once
    assert check(pursuit, [rec(date(2026, 3, 1), 8)], date(2026, 4, 1))[0].hours_done == 0  # not a pursuit course


def test_the_same_training_recorded_twice_counts_once():
    twice = [rec(date(2025, 4, 1), 12, number="1820-21798"), rec(date(2025, 4, 1), 12, number="1820-21798")]
    finding, _, _ = check(CPT, twice, date(2025, 5, 1))
    assert finding.hours_done == 12
    again = [*twice, rec(date(2025, 9, 1), 12, number="1820-21798")]  # the same course another day is another
    assert check(CPT, again, date(2025, 10, 1))[0].hours_done == 24


def test_a_record_dated_in_the_future_counts_from_its_date():
    later = [rec(date(2025, 8, 1), 24)]
    assert check(CPT, later, date(2025, 7, 31))[0].hours_done == 0
    assert check(CPT, later, date(2025, 8, 1))[1] == "compliant"


def test_a_cycle_spanning_a_leap_year_counts_29_february():
    finding, _, _ = check(CPT, [rec(date(2026, 5, 1), 24), rec(date(2028, 2, 29), 24)], date(2028, 3, 1))
    assert finding.done and finding.period == "2027-2028"


# --- records start, effective dates, triggers -------------------------------------------------------


def test_no_history_is_a_data_gap_not_overdue_since_hire_and_overdue_only_once_certain():
    fa = req("CA-LM-FA-2Y", kind="rolling", every_months=24, hours=8)
    finding, status, why = check(fa, [], date(2026, 1, 1))  # hired 2009: did it before the portal?
    assert status == "no_record" and finding.due_on == date(2027, 1, 1) and finding.gap
    assert why == "No completion on file since this agency's records start (1 Jan 2025); due 1 Jan 2027 at the latest."
    _, status, _ = check(fa, [], date(2026, 11, 1))
    assert status == "due_soon"
    _, status, why = check(fa, [], date(2027, 1, 2))  # whatever was done before 2025 has lapsed by now
    assert status == "overdue" and why.startswith("No completion on file since") and "was due 1 Jan 2027" in why
    finding, status, why = check(fa, [], date(2026, 1, 1), person=OFFICER)  # hired here: counted from hire
    assert status == "on_track" and not finding.gap and finding.due_on == date(2028, 3, 2)
    assert why == "No completion on file; due 2 Mar 2028, 24 months after hire on 2 Mar 2026."


def test_a_mandate_is_not_due_before_it_took_effect():
    hate = req("CA-LM-HATE-6Y", kind="rolling", every_months=72, effective=date(2022, 1, 1))
    finding, status, why = check(hate, [], date(2026, 1, 1), records_start=None)
    assert finding.due_on == date(2028, 1, 1) and status == "on_track"  # not 2015 (hire + 6 years)
    assert "72 months after the mandate took effect on 1 Jan 2022" in why
    uof = req("CA-PSP-UOF", kind="category_hours", categories=["arrest_control"], hours=4,
              effective=date(2026, 6, 1))
    _, status, why = check(uof, [], date(2026, 7, 1))
    assert status == "not_applicable" and why.startswith("In force from 1 Jun 2026")


def test_a_cycle_begun_before_the_records_start_shows_the_gap():
    late_start = date(2026, 6, 1)  # this agency moved in mid-cycle
    finding, status, why = check(CPT, [rec(date(2026, 7, 1), 4)], date(2026, 8, 1), records_start=late_start)
    assert status == "no_record" and finding.gap
    assert why.endswith("Hours before 1 Jun 2026, when this agency's records start, are not on file.")
    _, status, _ = check(CPT, [rec(date(2026, 7, 1), 24)], date(2026, 8, 1), records_start=late_start)
    assert status == "compliant"
    finding, status, _ = check(CPT, [], date(2027, 2, 1), records_start=late_start)
    assert status == "on_track" and finding.previous is None  # 2025-2026 is not judged: records were partial


def test_without_a_records_start_every_earlier_cycle_is_judged():
    _, status, why = check(CPT, [rec(date(2025, 3, 1), 10)], date(2025, 6, 1), records_start=None)
    assert status == "overdue" and why.startswith("Only 0 of 24 hours in 2023-2024")


def test_one_time_hours_add_up_and_a_short_record_does_not_meet_an_80_hour_course():
    sup = req("CA-SUP-80", kind="one_time", trigger="promotion", within_months=12, hours=80,
              audience={"rank_tiers": ["supervisor"]})
    sergeant = person(rank="supervisor", hire_date=date(2010, 1, 1), promotion_date=date(2026, 3, 15))
    finding, status, why = check(sup, [], date(2026, 6, 1), person=sergeant)
    assert status == "on_track" and finding.due_on == date(2027, 3, 15)
    assert why == "Not completed; due 15 Mar 2027, 12 months after promotion on 15 Mar 2026."
    short = [rec(date(2026, 5, 1), 1, ("CA-SUP-80",))]
    finding, status, why = check(sup, short, date(2027, 3, 16), person=sergeant)
    assert status == "overdue" and not finding.done
    assert why == ("Not completed; was due 15 Mar 2027, 12 months after promotion on 15 Mar 2026. "
                   "1 of 80 hours so far.")
    blocks = [rec(date(2026, 9, 1), 40, ("CA-SUP-80",)), rec(date(2026, 10, 20), 40, ("CA-SUP-80",))]
    finding, status, why = check(sup, blocks, date(2027, 5, 1), person=sergeant)
    assert status == "compliant" and finding.done and why == "Completed 20 Oct 2026."


def test_a_window_in_days_is_days_not_months():
    cit = req("CA-FTO-CIT", kind="one_time", trigger="assignment", within_days=180, hours=8,
              effective=date(2017, 1, 1), audience={"assignments": ["field_training"]})
    fto = person(assignments=("patrol", "field_training"), hire_date=date(2020, 1, 1),
                 assignment_dates={"patrol": date(2020, 6, 1), "field_training": date(2026, 1, 1)})
    finding, _, why = check(cit, [], date(2026, 2, 1), person=fto)
    assert finding.due_on == date(2026, 6, 30)  # six months would be 1 Jul 2026
    assert why == "Not completed; due 30 Jun 2026, 180 days after assignment on 1 Jan 2026."


def test_a_missing_trigger_date_is_a_data_problem_and_a_trigger_before_the_mandate_is_not_covered():
    cit = req("CA-FTO-CIT", kind="one_time", trigger="assignment", within_days=180, effective=date(2017, 1, 1),
              audience={"assignments": ["field_training"]})
    fto = person(assignments=("field_training",))
    _, status, why = check(cit, [], date(2026, 1, 1), person=fto)
    assert status == "missing_date"
    assert why == "No date of assignment is on file, so no due date can be set: add it to the person's record."
    early = person(assignments=("field_training",), assignment_dates={"field_training": date(2016, 5, 1)})
    _, status, why = check(cit, [], date(2026, 1, 1), person=early, records_start=None)
    assert status == "not_applicable" and "on or after 1 Jan 2017" in why


def test_a_one_time_course_triggered_before_the_records_start_is_a_data_gap():
    sup = req("CA-SUP-80", kind="one_time", trigger="promotion", within_months=12, hours=80)
    promoted = person(rank="supervisor", promotion_date=date(2019, 4, 1))
    finding, status, why = check(sup, [], date(2026, 1, 1), person=promoted)
    assert status == "no_record" and finding.state == "no_record"
    assert why.startswith("No completion on file. The promotion on 1 Apr 2019 was before this agency's records start")


def test_appointment_to_a_role_triggers_the_dispatchers_basic_course():
    basic = req("CA-PSD-BASIC", kind="one_time", trigger="appointment", within_months=12, hours=120,
                audience={"roles": ["dispatcher"]})
    moved = person(roles=("dispatcher",), assignments=("dispatch",), hire_date=date(2018, 1, 1),
                   role_dates={"dispatcher": date(2026, 2, 1)})  # reclassified into dispatch in 2026
    finding, status, why = check(basic, [], date(2026, 3, 1), person=moved)
    assert status == "on_track" and finding.due_on == date(2027, 2, 1)
    assert "12 months after appointment to the role on 1 Feb 2026" in why
    _, status, _ = check(basic, [], date(2026, 3, 1), person=person(roles=("dispatcher",)))
    assert status == "missing_date"


def test_a_one_time_course_without_a_deadline_is_owed_but_never_overdue():
    ht = req("CA-LM-HT", kind="one_time", trigger="assignment", hours=2)
    new = person(hire_date=date(2026, 2, 1), assignment_dates={"patrol": date(2026, 2, 1)})
    _, status, why = check(ht, [], date(2030, 1, 1), person=new)
    assert status == "on_track" and why == "Not completed; once, no deadline set."


def test_colorado_315_is_six_topics_with_minimum_hours_renewed_five_years_after_the_last():
    topics = {"holds_restraints": 4, "anti_bias": 4, "community_policing": 2, "de_escalation": 2,
              "disabilities": 1, "mmir": 1}
    co315 = req("CO-315-5Y", months=12, kind="rolling", every_months=60, topics=topics)
    one_hour = [rec(date(2025, 3, 1), 1, ("CO-315-5Y",), anti_bias=1)]
    finding, status, why = check(co315, one_hour, date(2025, 4, 1), person=OFFICER, records_start=None)
    assert finding.last_done is None and finding.hours_done == 1 and finding.hours_needed == 14
    assert "Anti-bias: 3 missing" in why and "MMIR: 1 missing" in why
    most = [rec(date(2025, 3, 1), 12, holds_restraints=4, anti_bias=4, community_policing=2, de_escalation=2),
            rec(date(2025, 9, 1), 1, disabilities=1)]
    finding, _, why = check(co315, most, date(2025, 10, 1), person=OFFICER, records_start=None)
    assert finding.last_done is None and finding.missing == (("mmir", Decimal(1)),)
    done = [*most, rec(date(2026, 2, 10), 1, mmir=1)]
    finding, status, why = check(co315, done, date(2026, 3, 1), person=OFFICER, records_start=None)
    assert status == "compliant" and finding.due_on == date(2031, 2, 10)  # five years from the last topic
    assert why == "Last completed 10 Feb 2026; next due 10 Feb 2031."


def test_rolling_refresher_is_due_every_n_months_after_the_last_completion():
    ripa = req("CA-LM-RIPA-5Y", kind="rolling", every_months=60, hours=2)
    records = [rec(date(2019, 5, 10), 2, ("CA-LM-RIPA-5Y",)), rec(date(2022, 8, 1), 2, ("CA-LM-RIPA-5Y",))]
    finding, status, why = check(ripa, records, date(2026, 1, 1))
    assert finding.due_on == date(2027, 8, 1) and status == "compliant"
    assert why == "Last completed 1 Aug 2022; next due 1 Aug 2027."
    _, status, _ = check(ripa, records, date(2027, 6, 1))
    assert status == "due_soon"
    _, status, why = check(ripa, records, date(2027, 8, 2))
    assert status == "overdue" and why == "Last completed 1 Aug 2022; next was due 1 Aug 2027."


def test_leap_day_plus_whole_years_lands_on_the_last_day_of_february():
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2024, 2, 29), 48) == date(2028, 2, 29)
    assert add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    dv = req("CA-LM-DV-2Y", kind="rolling", every_months=24)
    finding, status, _ = check(dv, [rec(date(2024, 2, 29), 2, ("CA-LM-DV-2Y",))], date(2026, 2, 28))
    assert finding.due_on == date(2026, 2, 28) and status == "due_soon"
    _, status, _ = check(dv, [rec(date(2024, 2, 29), 2, ("CA-LM-DV-2Y",))], date(2026, 3, 1))
    assert status == "overdue"


# --- audiences --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("audience", "who", "expected"), [
    ({"roles": ["dispatcher"]}, VETERAN, "not_applicable"),
    ({"rank_tiers": ["line", "supervisor"]}, person(rank="middle_management"), "not_applicable"),
    ({"not_assignments": ["custody"]}, person(assignments=("custody",)), "not_applicable"),
    ({"not_assignments": ["custody"]}, person(assignments=("custody", "patrol")), "on_track"),  # also patrols
    ({"reserve": False}, person(is_reserve=True), "not_applicable"),
    ({"clerical": False}, person(is_clerical=True), "not_applicable"),
    ({"assignments": ["patrol", "traffic"]}, person(assignments=("traffic",)), "on_track"),
    ({"assignments": ["patrol"]}, person(assignments=("field_training", "patrol")), "on_track"),  # an FTO patrols
    ({"roles": ["officer"]}, person(roles=("training_manager", "officer"), rank="supervisor"), "on_track"),
    ({"reserve": False, "clerical": False}, VETERAN, "overdue"),  # hired 2009, all records here: overdue
])
def test_audiences(audience, who, expected):
    fa = req("CA-LM-FA-2Y", kind="rolling", every_months=24, audience=audience)
    finding, status, why = check(fa, [], date(2026, 1, 1), person=who, records_start=None)
    who_hired = who.hire_date is not None
    assert status == (expected if who_hired or expected == "not_applicable" else "missing_date")
    if expected == "not_applicable":
        assert why.startswith("Applies to ")


def test_audience_description_reads_plainly():
    audience = Audience(roles=("officer",), rank_tiers=("line", "supervisor"), not_assignments=("custody",),
                        reserve=False)
    assert audience.describe() == "officers; line or supervisor rank; not assigned to custody; not reserves"


# --- exemptions -------------------------------------------------------------------------------------


def test_exemptions_apply_only_while_in_force():
    psp = req("CA-PSP-DT", kind="category_hours", categories=["driving"], hours=4)
    leave = ExemptionFact("CA-PSP-DT", "Medical leave", date(2026, 1, 1), date(2026, 6, 30))
    finding, status, why = check(psp, [], date(2026, 3, 1), exemptions=[leave])
    assert status == "exempt" and why == "Exempt until 30 Jun 2026: Medical leave"
    assert finding.valid_until == date(2026, 6, 30)
    _, status, _ = check(psp, [], date(2026, 7, 1), exemptions=[leave])
    assert status == "on_track"  # back in force; due 31 Dec 2026 is more than 90 days away
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


def test_an_exemption_covers_the_days_it_covers_not_the_whole_cycle():
    one_day = ExemptionFact("CA-CPT-24", "Jury service", date(2026, 12, 31), date(2026, 12, 31))
    _, status, _ = check(CPT, [rec(date(2025, 3, 1), 6)], date(2027, 2, 1), exemptions=[one_day])
    assert status == "overdue"  # one day's overlap forgives nothing
    half = ExemptionFact("CA-CPT-24", "Military leave", date(2025, 1, 1), date(2025, 12, 31))
    finding, status, why = check(CPT, [rec(date(2026, 3, 1), 10)], date(2026, 4, 1), exemptions=[half])
    assert finding.hours_needed == 12 and finding.exempt_days == 365  # 365 of 730 days: half the hours
    assert why.startswith("10 of 12 hours for 2025-2026 (365 days exempted); 2 to go")
    _, status, _ = check(CPT, [rec(date(2026, 3, 1), 12)], date(2026, 4, 1), exemptions=[half])
    assert status == "compliant"


def test_an_exemption_moves_a_refreshers_due_date_by_the_days_it_covered():
    dv = req("CA-LM-DV-2Y", kind="rolling", every_months=24)
    leave = ExemptionFact("CA-LM-DV-2Y", "Medical leave", date(2026, 1, 1), date(2026, 1, 31))
    finding, _, why = check(dv, [rec(date(2025, 6, 1), 2, ("CA-LM-DV-2Y",))], date(2026, 3, 1), exemptions=[leave])
    assert finding.due_on == date(2027, 7, 2) and "(31 days exempted)" in why


# --- rules ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "message"), [
    ({"kind": "weekly"}, "kind must be one of"),
    ({"kind": "cycle_hours"}, "hours is required"),
    ({"kind": "cycle_hours", "hours": -1}, "more than 0"),
    ({"kind": "category_hours", "hours": 4}, "lists the categories"),
    ({"kind": "category_hours", "hours": 4, "categories": ["swimming"]}, "unknown hour category 'swimming'"),
    ({"kind": "rolling"}, "every_months is required"),
    ({"kind": "one_time", "within_months": 12, "trigger": "birthday"}, "trigger must be"),
    ({"kind": "one_time", "trigger": "hire", "within_months": 6, "within_days": 180}, "not both"),
    ({"kind": "one_time", "trigger": "hire", "within_days": 0}, "within_days must be"),
    ({"kind": "rolling", "every_months": 60, "topics": {"swimming": 2}}, "unknown hour category 'swimming'"),
    ({"kind": "rolling", "every_months": 60, "topics": {"anti_bias": 0}}, "more than 0"),
    ({"kind": "rolling", "every_months": 60, "hours": 2, "topics": {"anti_bias": 4}}, "less than the topics"),
    ({"kind": "cycle_hours", "hours": 4, "topics": {"anti_bias": 4}}, "topics belong to rolling"),
    ({"kind": "rolling", "every_months": 24, "effective": "2021"}, "effective must be a date"),
    ({"kind": "rolling", "every_months": 24, "trigger": "hire"}, "trigger does not apply"),
    ({"kind": "rolling", "every_months": 24, "audience": {"roles": ["sheriff"]}}, "audience roles must be"),
    ({"kind": "rolling", "every_months": 24, "audience": {"height": 2}}, "unknown audience key 'height'"),
])
def test_rule_validation_explains_each_problem(raw, message):
    rule, errors = parse_rule(raw, set(TITLES))
    assert rule is None and any(message in text for _, text in errors), errors


def test_rules_round_trip_through_storage():
    for rule in (req(kind="one_time", trigger="assignment", within_days=180, effective=date(2017, 1, 1), hours=8,
                     audience={"assignments": ["field_training"], "reserve": False}).rule,
                 req(kind="rolling", every_months=60, topics={"anti_bias": 4, "mmir": 1}).rule):
        assert Rule.from_dict(rule.to_dict()) == rule


def test_a_rule_stored_before_effective_dates_reads_its_since_as_effective():
    stored = req(kind="one_time", trigger="assignment", within_months=6).rule.to_dict()
    for key in ("effective", "within_days", "topics"):
        del stored[key]
    stored["since"] = "2017-01-01"
    assert Rule.from_dict(stored).effective == date(2017, 1, 1)
