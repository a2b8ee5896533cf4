"""The retention purge: people who left long ago lose their personal data; their training records remain,
anonymous, and nothing else is touched."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from learning_portal.accounts import two_factor
from learning_portal.accounts.models import Person, Role
from learning_portal.audit.models import AuditEntry
from learning_portal.media.storage import app_storage
from learning_portal.privacy import retention
from learning_portal.records import disputes
from learning_portal.records.models import RecordSource, TrainingRecord
from learning_portal.records.services import RecordInput, write_record
from tests.factories import NOW, make_person


def record_for(db, person, key):
    return write_record(db, inbound_key=key, now=NOW, data=RecordInput(
        person_id=person.id, course_number="9999-00103", title="Courtroom Testimony", hours=Decimal(4),
        categories={"general": Decimal(4)}, satisfies=[], completed_on=date(2015, 3, 2),
        source=RecordSource.FORWARDED))[0]


def test_an_administrator_records_leaving_and_the_purge_follows_the_retention_period(app, signed_in, db_session):
    admin = make_person(db_session, role=Role.ADMINISTRATOR)
    gone, recent, staying = (make_person(db_session, first_name=n) for n in ("Gone", "Recent", "Staying"))
    storage = app_storage(app)
    record = record_for(db_session, gone, "ret-1")
    record_for(db_session, staying, "ret-2")
    dispute = disputes.open_dispute(db_session, storage, person=gone, record_id=record.id, now=NOW,
                                    reason="The date is wrong, it was 2014.",
                                    attachment=disputes.Attachment("proof.pdf", b"%PDF-1.4 proof"))
    two_factor.begin_setup(db_session, person=gone, now=NOW)
    document = dispute.attachment_key
    assert storage.size(document) is not None
    assert signed_in(admin).post(f"/admin/people/{gone.id}/left",
                                 data={"left_on": "2026-06-01", "confirm": "y"}).status_code == 302
    db_session.expire_all()
    assert not gone.is_enabled and gone.left_on is not None
    gone.left_on = NOW.date() - timedelta(days=8 * 365)  # left eight years ago
    recent.left_on = NOW.date() - timedelta(days=2 * 365)
    db_session.flush()

    assert retention.due(db_session, years=7, now=NOW) == [gone.id]
    retention.purge(db_session, storage, gone.id, now=NOW)
    db_session.expire_all()
    assert (gone.first_name, gone.post_id, gone.email, gone.password_hash, gone.hire_date) == (
        "Former member", f"PURGED-{gone.id}", None, None, None)
    assert not two_factor.enabled(db_session, gone) and db_session.get(type(dispute), dispute.id).reason.startswith(
        "(removed")
    assert storage.size(document) is None  # the document is gone
    assert db_session.scalar(select(func.count()).where(TrainingRecord.person_id == gone.id)) == 1  # stays
    assert db_session.get(Person, staying.id).first_name == "Staying"
    assert retention.due(db_session, years=7, now=NOW) == []  # done once
    assert db_session.scalar(select(AuditEntry.action).where(AuditEntry.subject_id == gone.id)
                             .order_by(AuditEntry.seq.desc()).limit(1)) == "account.purged"


def test_the_purge_command_reports_and_dry_runs(app_on, tmp_path):
    from learning_portal import migrate
    from learning_portal.db import make_engine, session_factory

    url = f"sqlite:///{tmp_path / 'p.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    other = app_on(url)
    with other.app_context(), session_factory()() as db:
        person = make_person(db)
        person.left_on = date(2010, 1, 1)
        db.commit()
    runner = other.test_cli_runner()
    dry = runner.invoke(args=["privacy", "purge", "--dry-run"])
    assert dry.exit_code == 0 and "1 people left more than 7 years ago" in dry.output
    done = runner.invoke(args=["privacy", "purge"])
    assert done.exit_code == 0 and "Purged 1" in done.output
    assert "0 people" in runner.invoke(args=["privacy", "purge"]).output
