"""Properties of the engine that hold for any records, dates and people (hypothesis): it never fails, hours
are never negative, and more training never makes someone's standing worse."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from learning_portal.compliance.engine import DUE, STATUSES, PersonFacts, RecordFact, evaluate, reason, reason_text
from tests.compliance.test_engine import TITLES, req

RULES = [
    req("CA-CPT-24", kind="cycle_hours", hours=24),
    req("CO-R28-ANNUAL", months=12, kind="cycle_hours", hours=24, new_hire="prorate"),
    req("CO-R28-PERISH", months=12, kind="category_hours", hours=12, each_at_least=1,
        categories=["arrest_control", "driving", "firearms"], new_hire="prorate"),
    req("CA-LM-PURSUIT-1Y", months=12, kind="cycle_hours", counts="satisfying", hours=1, cycle_months=12),
    req("CA-LM-RIPA-5Y", kind="rolling", every_months=60, hours=2),
    req("CA-SUP-80", kind="one_time", trigger="promotion", within_months=12),
    req("CA-FTO-CIT", kind="one_time", trigger="assignment", within_months=6, since=date(2017, 1, 1)),
]
DAYS = st.dates(min_value=date(2018, 1, 1), max_value=date(2030, 12, 31))
RECORDS = st.builds(
    lambda day, hours, cat, sat: RecordFact(day, Decimal(hours) / 4, {cat: Decimal(hours) / 4} if cat else {},
                                            frozenset(sat)),
    DAYS, st.integers(min_value=0, max_value=160), st.sampled_from([None, *TITLES]),
    st.sets(st.sampled_from([r.id for r in RULES]), max_size=3))
PEOPLE = st.builds(
    lambda hire, promo, assigned: PersonFacts(role="officer", rank_tier="supervisor", assignment="field_training",
                                              hire_date=hire, promotion_date=promo, assigned_on=assigned),
    st.one_of(st.none(), DAYS), st.one_of(st.none(), DAYS), st.one_of(st.none(), DAYS))
RANK = {s: i for i, s in enumerate(STATUSES)}  # worst first


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(rule=st.sampled_from(RULES), person=PEOPLE, records=st.lists(RECORDS, max_size=12), today=DAYS)
def test_evaluation_never_fails_and_reads_sensibly(rule, person, records, today):
    finding = evaluate(rule, person, records, (), today)
    status = finding.status(today, 90)
    assert status in STATUSES
    assert finding.hours_done is None or finding.hours_done >= 0
    assert not finding.done or status == "compliant" or finding.state != "tracked"
    words = reason(finding, status, TITLES)
    assert words and DUE not in words  # the placeholder is always worded
    assert ("was due" in words) <= (status == "overdue")
    assert reason_text(finding, TITLES).replace(DUE, "due") == reason(finding, "compliant", TITLES)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(rule=st.sampled_from(RULES), person=PEOPLE, records=st.lists(RECORDS, max_size=10), extra=RECORDS,
       today=DAYS)
def test_one_more_completion_never_makes_a_standing_worse(rule, person, records, extra, today):
    if extra.completed_on > today:
        extra = RecordFact(today - timedelta(days=1), extra.hours, extra.categories, extra.satisfies)
    before = evaluate(rule, person, records, (), today).status(today, 90)
    after = evaluate(rule, person, [*records, extra], (), today).status(today, 90)
    assert RANK[after] >= RANK[before], (before, after)
