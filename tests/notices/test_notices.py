"""Notices as people meet them: the list and its unread count, settings, the API, e-mail through the SMTP
server (no address, a refused address), the events that tell them, the nightly run's reminders, digests and
alerts, and the manager's list of what was sent."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from learning_portal.accounts.models import Role
from learning_portal.compliance import services as compliance
from learning_portal.mail import services as mail
from learning_portal.mail import worker
from learning_portal.mail.models import MailBounce, OutgoingMail
from learning_portal.mail.transport import SmtpTransport
from learning_portal.notices import services as notices
from learning_portal.notices.models import EmailState, Notification
from learning_portal.outbox import OutboxStatus
from learning_portal.records import disputes
from learning_portal.records.models import RecordSource
from learning_portal.records.services import RecordInput, write_record
from learning_portal.reminders import nightly
from tests.factories import load_content, make_agency, make_person

PLAN = nightly.Schedule()
AT = datetime(2026, 12, 5, 17, tzinfo=UTC)  # 09:00 on Saturday 5 December in California


@pytest.fixture
def harbor(db_session):
    load_content(db_session)  # ZZ-POST (California's zone, a cycle ending 31 December 2026) and basic-course
    agency = make_agency(db_session, jurisdiction="ZZ-POST", name="Harbor PD")
    manager = make_person(db_session, role=Role.TRAINING_MANAGER, agency=agency, email="mo@harbor.test")
    ana = make_person(db_session, agency=agency, first_name="Ana", email="ana@harbor.test", hire_date=date(2024, 6, 1))
    return agency, manager, ana


def assign(db, agency, manager, people, due, now=AT):
    return compliance.assign_course(db, actor=manager, agency=agency, person_ids=[p.id for p in people],
                                    course_slug="basic-course", due_on=due, note="", now=now)


def deliver(app, smtp, at=AT):
    settings = worker.settings(app.config)
    return worker.run_once(app.extensions["db_sessionmaker"], SmtpTransport(smtp.url), settings,
                           now=lambda: at, prepare=tuple(app.extensions["mail_preparers"]))


def run(app, at=AT, plan=PLAN, **kw):
    return nightly.run(app.extensions["db_sessionmaker"], now=at, plan=plan, **kw)


def test_the_header_counts_unread_and_the_list_marks_them_read(db_session, harbor, signed_in):
    agency, manager, ana = harbor
    assign(db_session, agency, manager, [ana], date(2026, 12, 20))
    db_session.commit()
    browser = signed_in(ana)
    page = browser.get("/").get_data(as_text=True)
    assert "Notifications <span class=\"count-badge\">1<" in page
    listing = browser.get("/notifications").get_data(as_text=True)
    assert "Assigned: Basic Test Course" in listing and "1 unread." in listing
    notice = db_session.scalars(select(Notification).where(Notification.person_id == ana.id)).one()
    opened = browser.get(f"/notifications/{notice.id}/open")
    assert opened.status_code == 302 and opened.headers["Location"].endswith("/courses/basic-course")
    db_session.refresh(notice)
    assert notice.read_at is not None
    assert "count-badge" not in browser.get("/").get_data(as_text=True)
    other = signed_in(manager)
    assert other.get(f"/notifications/{notice.id}/open").status_code == 404  # someone else's


def test_the_api_lists_and_marks_only_ones_own(db_session, harbor, signed_in):
    agency, manager, ana = harbor
    assign(db_session, agency, manager, [ana], date(2026, 12, 20))
    theirs = notices.send(db_session, [notices.Notice(manager.id, "digest", "t:1", "Digest", "body")], now=AT)
    db_session.commit()
    api = signed_in(ana)
    body = api.get("/api/v1/me/notifications").get_json()
    assert body["unread"] == 1 and [n["title"] for n in body["notifications"]] == ["Assigned: Basic Test Course"]
    mine = body["notifications"][0]["id"]
    manager_notice = db_session.scalar(select(Notification.id).where(Notification.key == theirs[0].key))
    answer = api.post("/api/v1/me/notifications/read", json={"ids": [mine, manager_notice]}).get_json()
    assert answer == {"marked": 1, "unread": 0}
    assert db_session.get(Notification, manager_notice).read_at is None  # another's id is ignored
    assert api.post("/api/v1/me/notifications/read", json={"ids": "all"}).status_code == 422
    assert api.get("/api/v1/me/notifications?unread=1").get_json()["notifications"] == []


def test_one_notice_per_event_and_opted_out_kinds_are_not_sent(db_session, harbor, signed_in):
    agency, manager, ana = harbor
    n = notices.Notice(ana.id, "credit_posted", "credit:1", "Credit posted", "b")
    assert len(notices.send(db_session, [n, n], now=AT)) == 1
    assert notices.send(db_session, [n], now=AT) == []
    browser = signed_in(ana)
    db_session.commit()
    page = browser.get("/notifications/settings").get_data(as_text=True)
    assert 'value="overdue" checked disabled' in page  # shown, never off
    browser.post("/notifications/settings", data={"on": ["credit_posted", "overdue"]})  # all else off
    assert notices.opted_out(db_session, ana.id) >= {"assignment_due", "credit_refused"}
    assert "overdue" not in notices.opted_out(db_session, ana.id)
    assert notices.send(db_session, [notices.Notice(ana.id, "assignment_due", "r:1", "Due", "b")], now=AT) == []
    assert len(notices.send(db_session, [notices.Notice(ana.id, "overdue", "o:1", "Overdue", "b")], now=AT)) == 1
    with pytest.raises(ValueError):
        notices.set_opt_outs(db_session, ana, {"overdue"})


def test_no_address_and_a_refused_address_are_in_portal_only_and_listed_for_the_manager(
        app, db_session, harbor, smtp, signed_in):
    agency, manager, ana = harbor
    ben = make_person(db_session, agency=agency, first_name="Ben", email=None)
    cleo = make_person(db_session, agency=agency, first_name="Cleo", email="cleo@refused.invalid")
    assign(db_session, agency, manager, [ana, ben, cleo], date(2026, 12, 20))
    db_session.commit()
    deliver(app, smtp)
    assert [m["To"] for m in smtp.messages()] == ["ana@harbor.test"]
    states = dict(db_session.execute(select(Notification.person_id, Notification.email_state)).all())
    assert states[ben.id] is EmailState.NO_ADDRESS and states[cleo.id] is EmailState.QUEUED
    assert db_session.get(MailBounce, "cleo@refused.invalid") is not None  # 550: dead at once, marked
    notices.send(db_session, [notices.Notice(cleo.id, "overdue", "o:cleo", "Overdue", "b", agency_id=agency.id)],
                 now=AT)
    db_session.commit()
    deliver(app, smtp)
    assert db_session.scalar(select(Notification.email_state).where(Notification.key == "o:cleo")) \
        is EmailState.BOUNCED
    assert db_session.scalar(select(func.count()).select_from(OutgoingMail)
                             .where(OutgoingMail.to_address == "cleo@refused.invalid")) == 1  # not retried
    page = signed_in(manager).get(f"/compliance/agencies/{agency.id}/notices").get_data(as_text=True)
    assert "No working e-mail address (2)" in page
    assert "No e-mail on file" in page and "Address refused by the mail server" in page
    assert "ana@harbor.test" in page and "E-mailed" in page  # what was sent to whom, and how
    other = make_person(db_session, role=Role.TRAINING_MANAGER, agency=make_agency(db_session))
    db_session.commit()
    assert signed_in(other).get(f"/compliance/agencies/{agency.id}/notices").status_code == 404


def test_a_resolved_dispute_tells_the_person(app, db_session, harbor):
    agency, manager, ana = harbor
    record, _ = write_record(db_session, data=RecordInput(
        person_id=ana.id, course_number="9999-00001", title="Report Writing", hours=Decimal(4), categories={},
        satisfies=[], completed_on=date(2026, 6, 1), source=RecordSource.FORWARDED), inbound_key="x-1", now=AT)
    dispute = disputes.open_dispute(db_session, None, person=ana, record_id=record.id, now=AT,
                                    reason="I never took this course.", attachment=None)
    disputes.resolve(db_session, actor=manager, dispute=dispute, accept=True, note="Entered in error.",
                     correction=None, now=AT)
    (told,) = db_session.scalars(select(Notification).where(Notification.kind == "dispute_resolved")).all()
    assert told.person_id == ana.id and "accepted: the record was withdrawn" in told.body
    assert "Entered in error." in told.body


def test_the_nightly_run_reminds_before_due_dates_in_local_time_once(app, db_session, harbor, smtp):
    agency, manager, ana = harbor
    assign(db_session, agency, manager, [ana], date(2026, 12, 8), now=AT - timedelta(days=10))
    db_session.commit()
    first = run(app)
    assert first.notices["assignment_due"] == 1  # 3 days left: the 3-day reminder
    assert first.notices["requirement_due"] == 2  # ZZ-CPT and ZZ-FIRE, due 31 December: 26 days left
    deliver(app, smtp)
    subjects = sorted(m["Subject"].removesuffix(" · Learning Portal") for m in smtp.messages()
                      if m["To"] == "ana@harbor.test")
    # one message for both requirements, not one each
    assert subjects == ["2 requirements due soon", "Assigned: Basic Test Course",
                        "Due on 8 Dec 2026: Basic Test Course"], subjects
    again = run(app, at=AT + timedelta(hours=5))
    assert again.notices == {}  # repeated: nothing twice
    # 23:00 on the 8th in California is 07:00 on the 9th in UTC: not overdue yet there
    assert run(app, at=datetime(2026, 12, 9, 7, tzinfo=UTC)).notices["overdue"] == 0
    late = run(app, at=datetime(2026, 12, 9, 8, 30, tzinfo=UTC))
    assert late.notices["overdue"] == 1 and late.notices["escalation"] == 1
    keys = db_session.scalars(select(Notification.key).where(Notification.person_id == ana.id)).all()
    assert sum(k.startswith("assignment_due:") for k in keys) == 1


def test_a_dry_run_counts_and_changes_nothing(app, db_session, harbor):
    agency, manager, ana = harbor
    assign(db_session, agency, manager, [ana], date(2026, 12, 8), now=AT - timedelta(days=10))
    db_session.commit()
    before = db_session.scalar(select(func.count()).select_from(Notification))
    dry = run(app, dry_run=True)
    assert dry.notices["assignment_due"] == 1 and "would send 1 assignment_due" in dry.lines()
    assert db_session.scalar(select(func.count()).select_from(Notification)) == before
    assert run(app).notices == dry.notices


def test_the_weekly_digest_goes_once_a_week_from_the_configured_day(app, db_session, harbor):
    agency, manager, ana = harbor
    monday = nightly.Schedule(digest_weekday=0)
    assert run(app, at=AT, plan=monday).notices["digest"] == 1  # Saturday: the week's digest, not yet sent
    assert run(app, at=AT + timedelta(days=1), plan=monday).notices["digest"] == 0  # Sunday, same week
    assert run(app, at=AT + timedelta(days=2), plan=monday).notices["digest"] == 1  # Monday, a new week
    body = db_session.scalars(select(Notification.body).where(Notification.kind == "digest")).first()
    assert "Due within 30 days: 2" in body  # the two requirements due on 31 December
    friday = nightly.Schedule(digest_weekday=4)
    assert run(app, at=AT + timedelta(days=3), plan=friday).notices["digest"] == 0  # Tuesday: before Friday


def test_administrators_are_alerted_once_per_newly_dead_item(app, db_session, harbor, smtp):
    admin = make_person(db_session, role=Role.ADMINISTRATOR, email="root@portal.test")
    assign(db_session, *harbor[:2], [make_person(db_session, agency=harbor[0], email="x@refused.invalid")],
           date(2026, 12, 20))
    db_session.commit()
    deliver(app, smtp)  # the message to x@refused.invalid goes dead
    assert run(app).notices["admin_alert"] == 1
    assert run(app, at=AT + timedelta(days=1)).notices["admin_alert"] == 0  # the same dead item
    later = mail.queue(db_session, key="later", kind="test", to="y@refused.invalid", now=AT,
                       content=mail.letter("notice", subject="s", reason="r", name="n", body="b", link=""))
    later.status = OutboxStatus.DEAD  # another goes dead
    db_session.commit()
    assert run(app, at=AT + timedelta(days=1)).notices["admin_alert"] == 1
    alerts = db_session.scalars(select(Notification).where(Notification.person_id == admin.id)
                                .order_by(Notification.id)).all()
    assert [a.title for a in alerts] == ["1 e-mail message needs attention", "2 e-mail messages need attention"]
    assert alerts[0].link == "/admin/mail/"


def test_flask_notify_run_dry_run_reports(app, db_session, harbor):
    db_session.commit()
    result = app.test_cli_runner().invoke(args=["notify", "run", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "agencies;" in result.output and "would" in result.output
