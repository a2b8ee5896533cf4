"""The audit log is append-only, its chain links every entry, and tampering is reported at the first broken
link. Both backends."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from learning_portal import migrate
from learning_portal.audit import services as audit
from learning_portal.audit.models import AuditEntry
from learning_portal.db import make_engine, session_factory

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def append(db, n: int, start: int = 0) -> list[AuditEntry]:
    return [audit.record(db, "course.assigned", actor_id=7, subject_id=8, target=f"thing:{start + i}",
                         details={"n": start + i, "word": "café"}, now=NOW + timedelta(seconds=i)) for i in range(n)]


def allow_tampering(db) -> None:
    """What an intruder with database access could do: switch the append-only triggers off (rolled back)."""
    if db.bind.dialect.name == "postgresql":
        db.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER USER"))
    else:
        db.execute(text("DROP TRIGGER audit_entries_no_update"))
        db.execute(text("DROP TRIGGER audit_entries_no_delete"))


def test_entries_link_into_a_chain_that_verifies(db_session):
    before = audit.verify(db_session)
    entries = append(db_session, 3)
    assert [e.seq for e in entries] == [before.checked + 1, before.checked + 2, before.checked + 3]
    assert entries[1].prev_hash == entries[0].hash and entries[2].prev_hash == entries[1].hash
    db_session.expire_all()  # read back from the database: the hash must survive the round trip
    result = audit.verify(db_session)
    assert result.ok and result.checked == before.checked + 3 and result.head_hash == entries[-1].hash


@pytest.mark.parametrize("statement", ["UPDATE audit_entries SET action = 'x'", "DELETE FROM audit_entries"])
def test_the_database_refuses_to_change_or_remove_entries(db_session, statement):
    append(db_session, 1)
    with pytest.raises(DBAPIError, match="append-only"), db_session.begin_nested():
        db_session.execute(text(statement))


def test_an_altered_entry_is_reported_at_its_position(db_session):
    entries = append(db_session, 4)
    allow_tampering(db_session)
    db_session.execute(text("UPDATE audit_entries SET target = 'thing:else' WHERE seq = :s"),
                       {"s": entries[2].seq})
    result = audit.verify(db_session)
    assert result.broken_at == entries[2].seq and "altered" in result.problem


def test_a_removed_entry_and_a_cut_tail_are_reported(db_session):
    entries = append(db_session, 4)
    allow_tampering(db_session)
    db_session.execute(text("DELETE FROM audit_entries WHERE seq = :s"), {"s": entries[-1].seq})
    cut = audit.verify(db_session)
    assert cut.broken_at == entries[-1].seq and "removed" in cut.problem
    db_session.execute(text("DELETE FROM audit_entries WHERE seq = :s"), {"s": entries[1].seq})
    missing = audit.verify(db_session)
    assert missing.broken_at == entries[1].seq and "missing" in missing.problem


def test_a_view_of_ones_own_data_is_not_recorded_but_another_persons_is(db_session):
    count = db_session.query(AuditEntry).count
    before = count()
    audit.viewed(db_session, actor_id=5, subject_id=5, what="profile", now=NOW)
    assert count() == before
    audit.viewed(db_session, actor_id=5, subject_id=6, what="profile", now=NOW)
    last = db_session.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
    assert (last.action, last.actor_id, last.subject_id, last.target) == ("personal_data.viewed", 5, 6, "profile")


def test_concurrent_appends_never_fork_the_chain(engine):
    """Writers in separate connections, as several gunicorn workers would be; committed for real."""
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    errors: list[BaseException] = []

    def writer(k: int) -> None:
        try:
            for i in range(10):
                with factory() as db:
                    append(db, 1, start=k * 100 + i)
                    db.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    with factory() as db:
        result = audit.verify(db)
        assert result.ok, result.problem
        assert db.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1)) == result.checked


def test_the_verify_command_reports_the_first_broken_link(tmp_path, app_on):
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    app = app_on(url)
    with app.app_context(), session_factory()() as db:
        append(db, 3)
        db.commit()
    intact = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert intact.exit_code == 0 and "Audit log intact: 3 entries" in intact.output
    with Session(engine) as db:
        allow_tampering(db)
        db.execute(text("UPDATE audit_entries SET details = '{\"n\": 99}' WHERE seq = 2"))
        db.commit()
    broken = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert broken.exit_code == 1 and "broken at entry 2" in broken.output and "altered" in broken.output
    engine.dispose()
