"""The records change feed: every creation and withdrawal in an order a reader resumes from, so an integrator that
reads it from the start ends with exactly the agency's records."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from learning_portal import migrate
from learning_portal.accounts import services as accounts
from learning_portal.accounts.models import Person
from learning_portal.clock import utcnow
from learning_portal.db import make_engine, session_factory
from learning_portal.records import changes, disputes, history
from learning_portal.records.models import RecordSource, TrainingRecord
from learning_portal.records.services import RecordInput, write_record
from tests import pg
from tests.compliance.conftest import build_world
from tests.factories import NOW, make_agency, make_person


def replay(client, agency_id: int, *, after: str | None = None, limit: int = 2, headers=None):
    """Apply every change page by page: record id -> (POST ID, course, hours, withdrawn). Returns it and the cursor."""
    held: dict[int, tuple] = {}
    cursor = after
    for _ in range(1000):
        query = f"limit={limit}" + (f"&after={cursor}" if cursor else "")
        page = client.get(f"/api/v1/agencies/{agency_id}/records/changes?{query}", headers=headers or {})
        assert page.status_code == 200, page.json
        for change in page.json["changes"]:
            record = change["record"]
            if change["operation"] == "created":
                assert record["id"] not in held, "created twice"
                held[record["id"]] = (record["post_id"], record["course_number"], record["hours"], False)
            else:
                held[record["id"]] = held[record["id"]][:3] + (True,)
        if page.json["next_after"] == cursor:
            return held, cursor
        cursor = page.json["next_after"]
    raise AssertionError("the feed did not end")


def portal_records(db, agency) -> dict[int, tuple]:
    found = {r.id: (post_id, r.course_number, str(r.hours), r.withdrawn_at is not None) for r, post_id in db.execute(
        select(TrainingRecord, Person.post_id).join(Person, Person.id == TrainingRecord.person_id)
        .where(Person.agency_id == agency.id))}
    db.commit()  # ends the read: on SQLite a transaction holds the write lock the pages need
    return found


@pytest.fixture
def committed(committed_app):
    """The compliance world, committed as a portal's would be: on PostgreSQL the feed shows only transactions
    that have ended (the test's usual open transaction would hide everything)."""
    app = committed_app
    with app.app_context():
        db = session_factory()(expire_on_commit=False)
        world = build_world(db)
        db.commit()

    def client_of(person: Person):
        client = app.test_client()
        with client.session_transaction() as browser:
            browser["_user_id"], browser["_fresh"] = person.get_id(), True
        return client

    yield db, world, client_of
    db.close()


def test_the_feed_replayed_from_the_start_is_the_agencys_records(committed):
    db, world, signed_in = committed
    ana_record = db.scalars(select(TrainingRecord).where(TrainingRecord.person_id == world.ana.id)).first()
    dispute = disputes.open_dispute(db, None, person=world.ana, record_id=ana_record.id, reason="Wrong hours.",
                                    attachment=None, now=NOW)
    disputes.resolve(db, actor=world.manager, dispute=dispute, accept=True, note="Corrected from the roster.",
                     correction=disputes.Correction(completed_on=ana_record.completed_on, hours=Decimal("1.5")),
                     now=NOW)
    history.import_history(db, actor=world.manager, agency=world.central, now=NOW, max_hours=Decimal(120), data=(
        "post_id,course_number,title,completed_on,hours\n"
        f"{world.ben.post_id},1234-00001,Academy firearms qualification,2025-03-01,4\n").encode())
    db.commit()
    manager = signed_in(world.manager)
    held, cursor = replay(manager, world.central.id)
    assert held == portal_records(db, world.central)
    sources = set(db.scalars(select(TrainingRecord.source).where(TrainingRecord.id.in_(held))))
    db.commit()
    assert {RecordSource.CORRECTION, RecordSource.IMPORTED} <= sources
    assert any(withdrawn for *_, withdrawn in held.values())  # the disputed record, withdrawn
    # Another agency's records are not in it, and its own feed has them.
    assert not set(held) & set(portal_records(db, world.harbor))
    assert replay(signed_in(world.harbor_manager), world.harbor.id)[0] == portal_records(db, world.harbor)

    # A reader that resumes sees only what changed since: here one withdrawal, then nothing.
    record = db.get(TrainingRecord, next(i for i, v in held.items() if not v[3]))
    record.withdrawn_at, record.withdrawn_reason = NOW + timedelta(hours=1), "Test withdrawal"
    db.commit()
    page = manager.get(f"/api/v1/agencies/{world.central.id}/records/changes?after={cursor}").json
    assert [(c["operation"], c["record"]["id"]) for c in page["changes"]] == [("withdrawn", record.id)]
    assert manager.get(f"/api/v1/agencies/{world.central.id}/records/changes?after={page['next_after']}").json == {
        "changes": [], "next_after": page["next_after"]}


def test_who_reads_the_feed(committed):
    db_session, world, signed_in = committed
    client = signed_in(world.ana).application.test_client()
    central = world.central.id
    assert signed_in(world.harbor_manager).get(f"/api/v1/agencies/{central}/records/changes").status_code == 404
    assert signed_in(world.ana).get(f"/api/v1/agencies/{central}/records/changes").status_code == 403
    assert signed_in(world.admin).get(f"/api/v1/agencies/{central}/records/changes").status_code == 200
    bad = signed_in(world.manager).get(f"/api/v1/agencies/{central}/records/changes?after=12")
    assert bad.status_code == 422 and "cursor" in bad.json["error"]["message"]
    raw, _ = accounts.issue_system_token(db_session, issuer=world.admin, name="RMS", scopes=["records:read"],
                                         agency=world.central, now=utcnow(), ttl=timedelta(days=30))
    db_session.commit()
    bearer = {"Authorization": f"Bearer {raw}"}
    held, _ = replay(client, central, headers=bearer, limit=1000)
    assert held == portal_records(db_session, world.central)
    assert client.get(f"/api/v1/agencies/{world.harbor.id}/records/changes", headers=bearer).status_code == 403


def _write(db: Session, person_id: int, key: str) -> None:
    write_record(db, now=NOW, inbound_key=key, data=RecordInput(
        person_id=person_id, course_number="9998-00001", title="Test", hours=Decimal(1), categories={},
        satisfies=[], completed_on=date(2026, 3, 1), source=RecordSource.ROSTER))


def test_a_change_that_commits_late_is_not_skipped_on_postgresql(request, backend):
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE): ids are in commit order there")
    engine = make_engine(pg.create_database(request.getfixturevalue("postgres_url")))
    migrate.upgrade(engine)
    with Session(engine) as db:
        agency = make_agency(db)
        person_id = make_person(db, agency=agency).id
        agency_id = agency.id
        db.commit()
    early, late = Session(engine), Session(engine)
    try:
        _write(early, person_id, "early-transaction")  # began first, commits last
        early.flush()
        _write(late, person_id, "late-transaction")
        late.commit()
        with Session(engine) as reader:
            seen, cursor = changes.feed(reader, agency_id=agency_id, after=None)
            assert seen == []  # the later change waits while an earlier transaction is still open
        early.commit()
        with Session(engine) as reader:
            seen, cursor = changes.feed(reader, agency_id=agency_id, after=cursor)
            assert [c.record.inbound_key for c in seen] == ["early-transaction", "late-transaction"]
            assert changes.feed(reader, agency_id=agency_id, after=cursor) == ([], cursor)
    finally:
        early.close()
        late.close()
        engine.dispose()
