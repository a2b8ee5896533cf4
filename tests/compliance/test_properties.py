"""Properties of the engine that hold for any records, dates and people (hypothesis): it never fails, hours
are never negative, more training never makes someone's standing worse, and a person's overall status (from
the counts stored per person) is the worst of their requirements' statuses."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from learning_portal.compliance.engine import (
    DUE,
    ExemptionFact,
    PersonFacts,
    RecordFact,
    evaluate,
    evaluate_all,
    reason,
    reason_text,
)
from learning_portal.compliance.status import STATUSES, overall_status, person_counts
from tests.compliance.test_engine import TITLES, req

ADDITIVE = [  # more training can only help
    req("CA-CPT-24", kind="cycle_hours", hours=24),
    req("CO-R28-ANNUAL", months=12, kind="cycle_hours", hours=24, new_hire="prorate"),
    req("CO-R28-PERISH", months=12, kind="category_hours", hours=12, each_at_least=1,
        categories=["arrest_control", "driving", "firearms"], new_hire="full"),
    req("CA-LM-PURSUIT-1Y", months=12, kind="cycle_hours", counts="satisfying", hours=1, cycle_months=12),
    req("CA-LM-RIPA-5Y", kind="rolling", every_months=60, hours=2),
    req("CA-SUP-80", kind="one_time", trigger="promotion", within_months=12, hours=80),
    req("CA-FTO-CIT", kind="one_time", trigger="assignment", within_days=180, hours=8, effective=date(2017, 1, 1)),
    req("CA-LM-HT", kind="one_time", trigger="assignment", hours=2),
    req("CA-PSD-BASIC", kind="one_time", trigger="appointment", within_months=12, hours=120),
]
# Topics restart counting when all are met, so an extra record can complete a set earlier (and so bring the
# next deadline forward, rightly): not in the monotonic property.
TOPICS = req("CO-315-5Y", months=12, kind="rolling", every_months=60,
             topics={"holds_restraints": 4, "anti_bias": 4, "de_escalation": 2, "mmir": 1})
RULES = [*ADDITIVE, TOPICS]
DAYS = st.dates(min_value=date(2018, 1, 1), max_value=date(2030, 12, 31))
RECORDS = st.builds(
    lambda day, hours, cat, sat, number: RecordFact(day, Decimal(hours) / 4, {cat: Decimal(hours) / 4} if cat else {},
                                                    frozenset(sat), course_number=number),
    DAYS, st.integers(min_value=0, max_value=400), st.sampled_from([None, *TITLES]),
    st.sets(st.sampled_from([r.id for r in RULES]), max_size=3), st.sampled_from(["", "9999-00101", "9999-00102"]))
OPTIONAL_DAY = st.one_of(st.none(), DAYS)
PEOPLE = st.builds(
    lambda hire, promo, assigned, role_day, extra: PersonFacts(
        roles=frozenset({"officer", "dispatcher"}), rank_tier="supervisor",
        assignments=frozenset({"field_training", *extra}), hire_date=hire, promotion_date=promo,
        assignment_dates={"field_training": assigned} if assigned else {},
        role_dates={"dispatcher": role_day} if role_day else {}),
    OPTIONAL_DAY, OPTIONAL_DAY, OPTIONAL_DAY, OPTIONAL_DAY, st.sets(st.sampled_from(["patrol", "custody"])))
EXEMPTIONS = st.lists(st.builds(
    lambda rid, start, days: ExemptionFact(rid, "Leave", start, start + timedelta(days=days) if days else None),
    st.sampled_from([r.id for r in RULES]), DAYS, st.integers(min_value=0, max_value=800)), max_size=2)
RANK = {s: i for i, s in enumerate(STATUSES)}  # worst first


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(rule=st.sampled_from(RULES), person=PEOPLE, records=st.lists(RECORDS, max_size=12), today=DAYS,
       start=OPTIONAL_DAY, exemptions=EXEMPTIONS)
def test_evaluation_never_fails_and_reads_sensibly(rule, person, records, today, start, exemptions):
    finding = evaluate(rule, person, records, exemptions, today, records_start=start)
    status = finding.status(today, 90)
    assert status in STATUSES
    assert finding.hours_done is None or finding.hours_done >= 0
    assert finding.hours_needed is None or finding.hours_needed >= 0
    assert not finding.done or status == "compliant" or finding.state != "tracked"
    assert not finding.gap or start is not None  # a data gap needs a records start
    words = reason(finding, status, TITLES)
    assert words and DUE not in words  # the placeholder is always worded
    assert ("was due" in words) <= (status == "overdue")
    assert reason_text(finding, TITLES).replace(DUE, "due") == reason(finding, "compliant", TITLES)


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(rule=st.sampled_from(ADDITIVE), person=PEOPLE, records=st.lists(RECORDS, max_size=10), extra=RECORDS,
       today=DAYS)
def test_one_more_completion_never_makes_a_standing_worse(rule, person, records, extra, today):
    if extra.completed_on > today:
        extra = RecordFact(today - timedelta(days=1), extra.hours, extra.categories, extra.satisfies)
    before = evaluate(rule, person, records, (), today).status(today, 90)
    after = evaluate(rule, person, [*records, extra], (), today).status(today, 90)
    assert RANK[after] >= RANK[before], (before, after)


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(person=PEOPLE, records=st.lists(RECORDS, max_size=12), today=DAYS, start=OPTIONAL_DAY,
       exemptions=EXEMPTIONS, soon=st.sampled_from([0, 30, 90]), later=st.integers(min_value=0, max_value=900))
def test_the_overall_status_is_the_worst_of_the_requirements(person, records, today, start, exemptions, soon, later):
    findings = [evaluate(rule, person, records, exemptions, today, records_start=start) for rule in RULES]
    assert evaluate_all(RULES, person, records, exemptions, today, records_start=start) == findings
    day = today + timedelta(days=later)  # stored counts are read on later days too (until valid_until)
    findings = [f for f in findings if f.valid_until is None or day <= f.valid_until] or findings[:0]
    worst = min((f.status(day, soon) for f in findings), key=RANK.__getitem__, default="not_applicable")
    assert overall_status(**person_counts(findings), today=day, due_soon_days=soon) == worst
