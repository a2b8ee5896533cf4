"""Roster review: where the jurisdiction (or course) says so, a submitted roster waits for the agency's training
manager (or commission staff), may still be corrected, and credits on approval; after that, mistakes are
recorded amendments that add or withdraw records."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from learning_portal.accounts.models import Jurisdiction, Role
from learning_portal.audit.models import AuditEntry
from learning_portal.credits import rosters, worker
from learning_portal.credits.services import PosterSettings
from learning_portal.errors import ConflictError, PermissionDeniedError
from learning_portal.learning.models import Completion
from learning_portal.records.models import TrainingRecord
from learning_portal.sessions import services
from learning_portal.sessions.models import SessionStatus
from tests.factories import NOW, make_person


def credited(db, person) -> list[TrainingRecord]:
    return list(db.scalars(select(TrainingRecord).where(TrainingRecord.person_id == person.id,
                                                        TrainingRecord.withdrawn_at.is_(None))))


@pytest.fixture
def reviewed(db_session, world):
    db_session.get(Jurisdiction, "CA-POST").roster_review = "agency"
    manager = make_person(db_session, role=Role.TRAINING_MANAGER, agency=world.agency)
    ts = world.session(db_session)
    ana, ben, cleo = world.officers[:3]
    for person in (ana, ben):
        services.add_attendee_by_id(db_session, ts=ts, actor=world.instructor, person_id=person.id, now=NOW)
    return ts, manager, ana, ben, cleo


def test_a_reviewed_roster_waits_can_be_corrected_and_credits_on_approval(app, db_session, world, reviewed):
    ts, manager, ana, ben, cleo = reviewed
    outcome = services.submit_roster(db_session, ts=ts, actor=world.instructor, now=NOW)
    assert outcome.in_review and ts.status is SessionStatus.IN_REVIEW
    assert db_session.scalars(select(Completion)).all() == []  # nobody credited yet
    services.add_attendee_by_id(db_session, ts=ts, actor=world.instructor, person_id=cleo.id, now=NOW)  # a fix
    with pytest.raises(PermissionDeniedError):
        services.approve_roster(db_session, ts=ts, actor=world.instructor, now=NOW)  # not one's own
    other = make_person(db_session, role=Role.TRAINING_MANAGER, agency=world.other_agency)
    with pytest.raises(PermissionDeniedError):
        services.approve_roster(db_session, ts=ts, actor=other, now=NOW)
    assert services.approve_roster(db_session, ts=ts, actor=manager, now=NOW + timedelta(hours=1)) == 3
    assert ts.status is SessionStatus.SUBMITTED and ts.approved_by_id == manager.id
    with pytest.raises(ConflictError):
        services.approve_roster(db_session, ts=ts, actor=manager, now=NOW)  # once
    worker.run_once(app.extensions["db_sessionmaker"], PosterSettings(), now=lambda: NOW + timedelta(hours=1))
    assert all(len(credited(db_session, p)) == 1 for p in (ana, ben, cleo))


def test_a_commission_review_is_for_commission_staff(db_session, world, reviewed):
    ts, manager, *_ = reviewed
    db_session.get(Jurisdiction, "CA-POST").roster_review = "commission"
    services.submit_roster(db_session, ts=ts, actor=world.instructor, now=NOW)
    with pytest.raises(PermissionDeniedError, match="commission staff only"):
        services.approve_roster(db_session, ts=ts, actor=manager, now=NOW)
    admin = make_person(db_session, role=Role.ADMINISTRATOR)
    assert services.approve_roster(db_session, ts=ts, actor=admin, now=NOW) == 2


def test_after_approval_an_amendment_adds_or_withdraws_records_and_is_recorded(app, db_session, world, reviewed):
    ts, manager, ana, ben, cleo = reviewed
    services.submit_roster(db_session, ts=ts, actor=world.instructor, now=NOW)
    services.approve_roster(db_session, ts=ts, actor=manager, now=NOW)
    with pytest.raises(ConflictError):  # correct attendance no more: amend
        services.add_attendee_by_id(db_session, ts=ts, actor=world.instructor, person_id=cleo.id, now=NOW)
    run = app.extensions["db_sessionmaker"]
    worker.run_once(run, PosterSettings(), now=lambda: NOW)
    rosters.amend_roster(db_session, ts=ts, actor=manager, person=ben, action="withdraw", now=NOW,
                         reason="Ben was on patrol; checked in by mistake.")
    rosters.amend_roster(db_session, ts=ts, actor=world.instructor, person=cleo, action="add", now=NOW,
                         reason="Cleo signed the paper sheet.")
    worker.run_once(run, PosterSettings(), now=lambda: NOW)
    assert credited(db_session, ben) == [] and len(credited(db_session, cleo)) == 1 and len(credited(db_session,
                                                                                                   ana)) == 1
    withdrawn = db_session.scalars(select(TrainingRecord).where(TrainingRecord.person_id == ben.id)).one()
    assert "checked in by mistake" in withdrawn.withdrawn_reason
    assert [a.action.value for a in services.amendments_of(db_session, ts)] == ["withdraw", "add"]
    actions = db_session.scalars(select(AuditEntry.action).where(AuditEntry.action == "roster.amended")).all()
    assert len(actions) == 2
    with pytest.raises(ConflictError):
        rosters.amend_roster(db_session, ts=ts, actor=manager, person=cleo, action="add", reason="Again, twice.",
                             now=NOW)


def test_without_review_a_roster_credits_at_once_as_before(db_session, world):
    ts = world.session(db_session)
    services.add_attendee_by_id(db_session, ts=ts, actor=world.instructor, person_id=world.officers[0].id, now=NOW)
    outcome = services.submit_roster(db_session, ts=ts, actor=world.instructor, now=NOW)
    assert outcome.credited == 1 and not outcome.in_review and ts.status is SessionStatus.SUBMITTED
