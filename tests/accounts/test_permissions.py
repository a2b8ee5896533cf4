"""Nobody acts on their own record: a training manager cannot exempt themselves, allow their own new start or
resolve their own dispute; another manager of the agency, or an administrator, can."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from learning_portal.accounts.models import Role
from learning_portal.catalog.queries import get_course
from learning_portal.compliance import services as compliance
from learning_portal.errors import ConflictError, PermissionDeniedError
from learning_portal.learning import services as learning
from learning_portal.media.storage import LocalStorage
from learning_portal.quizzes import services as quizzes
from learning_portal.records import disputes
from learning_portal.records.models import RecordSource
from learning_portal.records.services import RecordInput, write_record
from tests.factories import NOW, REAL_CONTENT, load_content, make_agency, make_person


@pytest.fixture
def managers(db_session):
    load_content(db_session, REAL_CONTENT, slugs=("courtroom-testimony",))
    agency = make_agency(db_session, jurisdiction="CA-POST")
    return (make_person(db_session, role=Role.TRAINING_MANAGER, agency=agency),
            make_person(db_session, role=Role.TRAINING_MANAGER, agency=agency))


def test_a_manager_cannot_exempt_themselves_but_a_colleague_can(db_session, managers):
    me, colleague = managers
    kwargs = dict(requirement_ids=["CA-CPT-24"], kind="leave", reason="Medical leave", starts_on=date(2026, 1, 1),
                  ends_on=None, now=NOW, person=me)
    with pytest.raises(PermissionDeniedError, match="never to themselves"):
        compliance.grant_exemption(db_session, actor=me, **kwargs)
    (exemption,) = compliance.grant_exemption(db_session, actor=colleague, **kwargs)
    with pytest.raises(Exception, match="No such exemption"):
        compliance.revoke_exemption(db_session, actor=me, exemption_id=exemption.id, now=NOW)


def test_a_manager_cannot_allow_their_own_new_start(db_session, managers):
    me, colleague = managers
    course, _ = get_course(db_session, "courtroom-testimony")
    enrollment, _ = learning.enroll(db_session, person=me, course=course, now=NOW)
    with pytest.raises(PermissionDeniedError, match="Another training manager"):
        quizzes.allow_new_start(db_session, actor=me, enrollment=enrollment, now=NOW)
    with pytest.raises(ConflictError):  # the colleague may: refused only because attempts are not used up
        quizzes.allow_new_start(db_session, actor=colleague, enrollment=enrollment, now=NOW)


def test_a_manager_cannot_resolve_their_own_dispute(db_session, managers, tmp_path):
    me, colleague = managers
    record, _ = write_record(db_session, data=RecordInput(
        person_id=me.id, course_number="9999-00103", title="Courtroom Testimony", hours=Decimal(4), categories={},
        satisfies=[], completed_on=date(2026, 2, 1), source=RecordSource.ROSTER), inbound_key="mine-1", now=NOW)
    dispute = disputes.open_dispute(db_session, LocalStorage(tmp_path), person=me, record_id=record.id,
                                    reason="The hours are wrong: it was 8.", attachment=None, now=NOW)
    with pytest.raises(PermissionDeniedError):
        disputes.resolve(db_session, actor=me, dispute=dispute, accept=True, note="Fine by me", correction=None,
                         now=NOW)
    disputes.resolve(db_session, actor=colleague, dispute=dispute, accept=False, note="The roster says 4 hours.",
                     correction=None, now=NOW)


def test_leaving_asks_for_a_date_and_a_confirmation_and_can_be_undone_or_followed_by_re_hire(
        db_session, managers, signed_in, client):
    from sqlalchemy import select

    from learning_portal.accounts.models import Person
    from tests.factories import PASSWORD

    me, _ = managers
    officer = make_person(db_session, agency=me.agency, hire_date=date(2020, 1, 6))
    manager = signed_in(me)
    unconfirmed = manager.post(f"/admin/people/{officer.id}/left", data={"left_on": "2026-03-01"},
                               follow_redirects=True).get_data(as_text=True)
    assert "Tick to confirm." in unconfirmed and db_session.get(Person, officer.id).left_on is None
    early = manager.post(f"/admin/people/{officer.id}/left", data={"left_on": "2019-03-01", "confirm": "y"},
                         follow_redirects=True).get_data(as_text=True)
    assert "The leaving date is before the hire date." in early
    assert manager.post(f"/admin/people/{officer.id}/left", data={"left_on": "2026-03-01", "confirm": "y"},
                        follow_redirects=True).status_code == 200
    db_session.expire_all()
    assert db_session.scalar(select(Person.left_on).where(Person.id == officer.id)) == date(2026, 3, 1)
    assert client.post("/login", data={"username": officer.username, "password": PASSWORD}).status_code != 302
    assert signed_in(me).post(f"/admin/people/{me.id}/left", data={"left_on": "2026-03-01", "confirm": "y"}
                              ).status_code == 403  # never their own

    page = manager.post(f"/admin/people/{officer.id}/reopen", data={"rehired_on": "2026-04-01"},
                        follow_redirects=True).get_data(as_text=True)
    assert "account is open again" in page
    db_session.expire_all()
    back = db_session.get(Person, officer.id)
    assert back.left_on is None and back.is_enabled and back.hire_date == date(2026, 4, 1)
    assert client.post("/login", data={"username": officer.username, "password": PASSWORD}).status_code == 302
