"""Eligibility, the outbox and the poster, driven through run_once (no threads, no sleeps)."""

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from learning_portal.accounts.models import Jurisdiction
from learning_portal.credits import services, worker
from learning_portal.credits.models import CreditPosting, PostingStatus
from learning_portal.records.models import RecordSource, TrainingRecord
from learning_portal.records.services import cycle_for, totals_by_cycle
from tests.credits.helpers import FakeForwarder, complete_course
from tests.factories import NOW, REAL_CONTENT, load_content, make_agency, make_jurisdiction, make_person


@pytest.fixture
def officer(db_session):
    load_content(db_session, REAL_CONTENT, slugs=("dv-response-update", "courtroom-testimony",
                                                 "did-you-know-series"))
    return make_person(db_session, agency=make_agency(db_session, jurisdiction="CA-POST"))


def run(app, settings=None, now=NOW, limit=None):
    factory = app.extensions["db_sessionmaker"]
    return worker.run_once(factory, settings or services.PosterSettings(), now=lambda: now, limit=limit)


def records(session, person):
    return list(session.scalars(select(TrainingRecord).where(TrainingRecord.person_id == person.id)))


def posting_of(session, completion):
    """The posting as the database has it now (the poster wrote it through its own session)."""
    return session.scalar(select(CreditPosting).where(CreditPosting.completion_id == completion.id)
                          .execution_options(populate_existing=True))


def test_a_passed_automatic_course_posts_one_record(app, db_session, officer):
    completion = complete_course(db_session, officer, "dv-response-update", now=NOW)
    assert run(app) == 1
    (record,) = records(db_session, officer)
    assert (record.course_number, record.hours, record.source) == ("9999-00101", Decimal("2.00"), RecordSource.ONLINE)
    assert record.categories == {"general": "2.00"} and set(record.satisfies) == {"CA-CPT-24", "CA-LM-DV-2Y"}
    assert record.completed_on == NOW.date() and len(record.verification_code) == 12
    posting = posting_of(db_session, completion)
    assert posting.status is PostingStatus.POSTED and posting.posted_at == NOW
    assert run(app) == 0 and len(records(db_session, officer)) == 1  # never twice


def test_roster_only_and_no_credit_courses_say_why(app, db_session, officer):
    roster = complete_course(db_session, officer, "courtroom-testimony", now=NOW)
    awareness = complete_course(db_session, officer, "did-you-know-series", now=NOW)
    run(app)
    assert records(db_session, officer) == []
    assert posting_of(db_session, roster).status is PostingStatus.NOT_ELIGIBLE
    assert "roster" in posting_of(db_session, roster).reason
    assert posting_of(db_session, awareness).reason == "This course carries no CPT credit."


def test_a_repeat_is_always_recorded_and_earns_cpt_again_unless_the_jurisdiction_says_not(app, db_session, officer):
    complete_course(db_session, officer, "dv-response-update", now=NOW)
    run(app)
    again = complete_course(db_session, officer, "dv-response-update", now=NOW + timedelta(days=30))
    run(app, now=NOW + timedelta(days=30))
    assert posting_of(db_session, again).status is PostingStatus.POSTED  # California sets no repeat rule
    assert [r.cpt_credited for r in records(db_session, officer)] == [True, True]

    db_session.get(Jurisdiction, "CA-POST").repeat_credit_in_cycle = False  # a jurisdiction that has one
    third = complete_course(db_session, officer, "dv-response-update", now=NOW + timedelta(days=60))
    run(app, now=NOW + timedelta(days=60))
    posting = posting_of(db_session, third)
    assert posting.status is PostingStatus.POSTED  # recorded: it counts for the DV refresher
    assert posting.reason.startswith("Recorded, without CPT hours: you already earned CPT for this course in the "
                                     "2025-2026 cycle")
    kept = records(db_session, officer)
    assert len(kept) == 3 and not kept[-1].cpt_credited and "CA-LM-DV-2Y" in kept[-1].satisfies
    (cycle,) = totals_by_cycle(kept, months=24, anchor=date(2025, 1, 1))
    assert cycle.hours == 4  # the repeat's hours are not counted again
    next_cycle = datetime(2027, 2, 1, 20, 0, tzinfo=UTC)  # midday in California
    complete_course(db_session, officer, "dv-response-update", now=next_cycle)
    run(app, now=next_cycle)
    assert records(db_session, officer)[-1].cpt_credited


def test_two_completions_of_a_course_in_one_cycle_posted_together_earn_credit_once(app, db_session, officer, caplog):
    db_session.get(Jurisdiction, "CA-POST").repeat_credit_in_cycle = False
    others = [make_person(db_session, agency=officer.agency) for _ in range(3)]
    first = complete_course(db_session, officer, "dv-response-update", now=NOW)
    again = complete_course(db_session, officer, "dv-response-update", now=NOW + timedelta(days=1))
    for person in others:
        complete_course(db_session, person, "dv-response-update", now=NOW)
    assert run(app, now=NOW + timedelta(days=1)) == 5  # one batch
    assert posting_of(db_session, first).status is PostingStatus.POSTED
    assert "already earned CPT for this course" in posting_of(db_session, again).reason
    assert [len(records(db_session, p)) for p in (officer, *others)] == [2, 1, 1, 1]
    assert [r.cpt_credited for r in records(db_session, officer)] == [True, False]
    assert "one at a time" not in caplog.text  # decided as one batch, not by the per-posting fallback


def test_sample_courses_earn_no_credit_outside_the_demo(app, db_session, officer):
    completion = complete_course(db_session, officer, "dv-response-update", now=NOW)  # 9999-...: made up
    run(app, worker.settings_from_config({"CREDIT_SAMPLE_COURSES": False}))
    posting = posting_of(db_session, completion)
    assert posting.status is PostingStatus.NOT_ELIGIBLE and "sample course" in posting.reason
    assert records(db_session, officer) == []


def test_forwarding_retries_with_backoff_then_dies_and_an_admin_retry_posts_it(app, db_session, officer):
    completion = complete_course(db_session, officer, "dv-response-update", now=NOW)
    forwarder = FakeForwarder(failures=3)
    settings = services.PosterSettings(max_attempts=3, retry_base=timedelta(seconds=10), forwarder=forwarder)
    run(app, settings)
    posting = posting_of(db_session, completion)
    assert posting.status is PostingStatus.FAILED and posting.attempts == 1
    assert NOW + timedelta(seconds=5) <= posting.next_attempt_at <= NOW + timedelta(seconds=10)
    assert len(records(db_session, officer)) == 1  # the local profile has it already
    assert run(app, settings, now=NOW + timedelta(seconds=4)) == 0  # not due yet
    run(app, settings, now=NOW + timedelta(minutes=1))
    run(app, settings, now=NOW + timedelta(minutes=2))
    db_session.refresh(posting)
    assert posting.status is PostingStatus.DEAD and posting.attempts == 3 and "not a record" in posting.last_error
    services.retry_posting(db_session, posting_id=posting.id, now=NOW + timedelta(minutes=3))
    run(app, settings, now=NOW + timedelta(minutes=3))
    db_session.refresh(posting)
    assert posting.status is PostingStatus.POSTED and posting.external_ref == "remote-1"
    assert len(records(db_session, officer)) == 1
    (key, payload), = forwarder.sent
    assert key == posting.idempotency_key
    assert payload == {"post_id": officer.post_id, "course_number": "9999-00101",
                       "title": "Domestic Violence Response Update", "hours": "2.00",
                       "categories": {"general": "2.00"}, "satisfies": ["CA-CPT-24", "CA-LM-DV-2Y"],
                       "completed_on": NOW.date().isoformat(), "source": "online", "cpt_credited": True}


def test_a_receiver_outage_of_hours_is_waited_out_reported_once_then_posted(app, db_session, officer, caplog):
    completion = complete_course(db_session, officer, "dv-response-update", now=NOW)
    outage = FakeForwarder(failures=40, transient=True)
    settings = services.PosterSettings(max_attempts=3, retry_base=timedelta(seconds=10),
                                       retry_cap=timedelta(minutes=5), alert_after=timedelta(hours=1),
                                       forwarder=outage)
    now = NOW
    run(app, settings, now=now)
    posting = posting_of(db_session, completion)
    for _ in range(39):  # far past max_attempts: the receiver is down, not refusing
        db_session.refresh(posting)
        assert posting.status is PostingStatus.FAILED
        assert posting.next_attempt_at - now <= timedelta(minutes=5)  # the interval is capped
        now = posting.next_attempt_at
        assert run(app, settings, now=now) == 1
    db_session.refresh(posting)
    assert posting.status is PostingStatus.FAILED and posting.attempts == 40 and now - NOW > timedelta(hours=1)
    assert caplog.text.count("has been failing") == 1 and posting.alerted_at is not None
    run(app, settings, now=posting.next_attempt_at)  # the receiver is back
    db_session.refresh(posting)
    assert posting.status is PostingStatus.POSTED and [key for key, _ in outage.sent] == [posting.idempotency_key]
    assert len(records(db_session, officer)) == 1


def test_a_refused_record_goes_dead_at_once(app, db_session, officer):
    completion = complete_course(db_session, officer, "dv-response-update", now=NOW)
    run(app, services.PosterSettings(forwarder=FakeForwarder(failures=1, retryable=False)))
    assert posting_of(db_session, completion).status is PostingStatus.DEAD


def test_an_agency_without_loaded_rules_is_retried_not_refused(app, db_session):
    load_content(db_session, REAL_CONTENT, slugs=("dv-response-update",))
    officer = make_person(db_session, agency=make_agency(db_session, jurisdiction="TX-TCOLE"))
    completion = complete_course(db_session, officer, "dv-response-update", now=NOW)
    run(app)
    posting = posting_of(db_session, completion)
    assert posting.status is PostingStatus.FAILED and "No credit rules for jurisdiction TX-TCOLE" in posting.last_error
    make_jurisdiction(db_session, "TX-TCOLE")  # an administrator loads the rules
    run(app, now=NOW + timedelta(hours=2))
    assert posting_of(db_session, completion).status is PostingStatus.POSTED


def test_enqueue_is_idempotent(app, db_session, officer):
    complete_course(db_session, officer, "dv-response-update", now=NOW)
    assert services.enqueue_new_completions(db_session, now=NOW) == 1
    assert services.enqueue_new_completions(db_session, now=NOW) == 0
    assert db_session.scalar(select(func.count(CreditPosting.id))) == 1


def test_backoff_grows_exponentially_within_jitter_and_cap():
    settings = services.PosterSettings(retry_base=timedelta(seconds=10), retry_cap=timedelta(minutes=5))
    rng = random.Random(3)
    # the last: a long outage counts attempts without limit
    for attempt, ceiling in ((1, 10), (2, 20), (3, 40), (4, 80), (9, 300), (100_000, 300)):
        delay = services.backoff(attempt, settings, rng).total_seconds()
        assert ceiling / 2 <= delay <= ceiling


@pytest.mark.parametrize(("day", "months", "label", "start", "end"), [
    (date(2026, 11, 24), 24, "2025-2026", date(2025, 1, 1), date(2026, 12, 31)),
    (date(2027, 1, 1), 24, "2027-2028", date(2027, 1, 1), date(2028, 12, 31)),
    (date(2024, 6, 30), 24, "2023-2024", date(2023, 1, 1), date(2024, 12, 31)),
    (date(2026, 3, 2), 12, "2026", date(2026, 1, 1), date(2026, 12, 31)),
])
def test_cycles(day, months, label, start, end):
    cycle = cycle_for(day, months=months, anchor=date(2025, 1, 1))
    assert (cycle.label, cycle.start, cycle.end) == (label, start, end)


def test_a_posting_that_breaks_fails_alone_and_the_rest_of_the_batch_posts(app, db_session, officer, monkeypatch):
    other = make_person(db_session, agency=officer.agency)
    broken = complete_course(db_session, officer, "dv-response-update", now=NOW)
    fine = complete_course(db_session, other, "dv-response-update", now=NOW)
    real_decide = services.decide

    def decide(completion, person, jurisdiction, facts, **options):
        if person.id == officer.id:
            raise RuntimeError("unexpected bug")
        return real_decide(completion, person, jurisdiction, facts, **options)

    monkeypatch.setattr(services, "decide", decide)
    run(app)
    assert posting_of(db_session, fine).status is PostingStatus.POSTED
    failed = posting_of(db_session, broken)
    assert failed.status is PostingStatus.FAILED and "RuntimeError: unexpected bug" in failed.last_error
    assert records(db_session, officer) == []  # its savepoint, record included, was rolled back
    assert len(records(db_session, other)) == 1


def test_a_forwarder_that_breaks_fails_that_posting_only(app, db_session, officer):
    other = make_person(db_session, agency=officer.agency)
    broken = complete_course(db_session, officer, "dv-response-update", now=NOW)
    fine = complete_course(db_session, other, "dv-response-update", now=NOW)

    class Exploding(FakeForwarder):
        def forward(self, *, idempotency_key, payload):
            if payload["post_id"] == officer.post_id:
                raise RuntimeError("unexpected bug")
            return super().forward(idempotency_key=idempotency_key, payload=payload)

    run(app, services.PosterSettings(forwarder=Exploding()))
    assert posting_of(db_session, fine).status is PostingStatus.POSTED
    failed = posting_of(db_session, broken)
    assert failed.status is PostingStatus.FAILED and "RuntimeError: unexpected bug" in failed.last_error
    assert len(records(db_session, officer)) == 1  # on the local profile already; forwarding is retried


def test_forwarding_happens_after_the_records_are_committed(app, db_session, officer):
    complete_course(db_session, officer, "dv-response-update", now=NOW)
    seen = []

    class Watching(FakeForwarder):
        def forward(self, *, idempotency_key, payload):
            posting = db_session.scalar(select(CreditPosting).where(CreditPosting.idempotency_key == idempotency_key))
            db_session.refresh(posting)
            seen.append((posting.record_written_at is not None, posting.next_attempt_at > NOW))
            return super().forward(idempotency_key=idempotency_key, payload=payload)

    run(app, services.PosterSettings(forwarder=Watching()))
    assert seen == [(True, True)]  # committed, and leased so no other poster forwards it meanwhile


def test_dates_and_cycles_follow_the_jurisdictions_calendar(app, db_session, officer):
    # 17:30 on 31 December 2026 in California is already 1 January 2027 in UTC.
    evening = datetime(2027, 1, 1, 1, 30, tzinfo=UTC)
    complete_course(db_session, officer, "dv-response-update", now=evening)
    run(app, now=evening)
    (record,) = records(db_session, officer)
    assert record.completed_on == date(2026, 12, 31)  # the 2025-2026 cycle, as the officer saw it
