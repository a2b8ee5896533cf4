"""People over their working life: promotions, several roles and assignments, transfers, as managers record
them and as the requirements, permissions and former agencies then see them."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from learning_portal.accounts import history, people
from learning_portal.accounts.models import Role
from learning_portal.audit.models import AuditEntry
from learning_portal.compliance import services
from learning_portal.errors import ConflictError, PermissionDeniedError, ValidationError
from tests.compliance.conftest import TODAY_UTC, add_record
from tests.factories import make_person

Edit = people.PersonEdit


def standing(db, person, requirement_id):
    standings, _ = services.evaluate_person(db, person, now=TODAY_UTC)
    return next(s for s in standings if s.requirement.id == requirement_id)


def test_a_second_promotion_moves_the_clock_and_the_first_stays_in_the_history(db_session, world):
    db, ana = db_session, world.ana
    people.edit_person(db, actor=world.manager, person=ana, edit=Edit(rank_tier="supervisor",
                                                                       effective_on=date(2025, 9, 15)), now=TODAY_UTC)
    sup = standing(db, ana, "CA-SUP-80")  # within 12 months of promotion: 15 Sep 2026, past
    assert sup.status == "overdue" and sup.finding.due_on == date(2026, 9, 15)

    people.edit_person(db, actor=world.manager, person=ana, edit=Edit(rank_tier="middle_management",
                                                                       effective_on=date(2026, 5, 4)), now=TODAY_UTC)
    assert ana.promotion_date == date(2026, 5, 4)
    assert standing(db, ana, "CA-SUP-80").status == "not_applicable"  # a middle manager is past it
    assert standing(db, ana, "CA-MGT-104").status not in ("not_applicable", "compliant")
    ranks = [(t.value, t.starts_on, t.ends_on) for t in history.terms_of(db, ana) if t.kind.value == "rank_tier"]
    assert ranks == [("middle_management", date(2026, 5, 4), None),
                     ("supervisor", date(2025, 9, 15), date(2026, 5, 4)),
                     ("line", date(2015, 3, 2), date(2025, 9, 15))]
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "person.updated",
                                                AuditEntry.subject_id == ana.id).order_by(AuditEntry.seq)).all()[-1]
    assert entry.actor_id == world.manager.id
    assert entry.details["rank_tier"] == {"added": ["middle_management"], "ended": ["supervisor"]}


def test_a_new_assignment_starts_its_own_clock_and_one_held_before_keeps_its_start(db_session, world):
    db = db_session
    ben = make_person(db, agency=world.central, hire_date=date(2015, 3, 2), assigned_on=date(2025, 2, 1))  # patrol
    people.edit_person(db, actor=world.manager, person=ben,
                       edit=Edit(other_assignments=["field_training"], effective_on=date(2026, 9, 1)), now=TODAY_UTC)
    fto = standing(db, ben, "CA-FTO-CIT")  # 180 days from the field-training assignment
    assert fto.status == "on_track" and fto.finding.due_on == date(2027, 2, 28)
    elder = standing(db, ben, "CA-LM-ELDER")  # 18 months from the first of the duties it names: patrol
    assert elder.status == "overdue" and elder.finding.due_on == date(2026, 8, 1)
    assert ben.assignment.value == "patrol" and {a.value for a in ben.assignments} == {"patrol", "field_training"}


def test_several_roles_and_permissions_follow_them(db_session, world, signed_in):
    db, ben = db_session, world.ben
    people.edit_person(db, actor=world.admin, person=ben, edit=Edit(other_roles=["training_manager"]), now=TODAY_UTC)
    db.flush()
    assert ben.has_role(Role.OFFICER) and ben.has_role(Role.TRAINING_MANAGER)
    assert standing(db, ben, "CA-CPT-24").status == "due_soon"  # still an officer: his own requirements stay

    client = signed_in(ben)
    page = client.get(f"/compliance/agencies/{world.central.id}")
    assert page.status_code == 200 and world.ana.last_name in page.get_data(as_text=True)
    assert "Agency compliance" in client.get("/").get_data(as_text=True)  # the menu of the leading role
    assert client.get(f"/admin/people/{world.ana.id}/edit").status_code == 200
    # ...but never for himself, and not for another agency's people
    assert client.get(f"/admin/people/{ben.id}/edit").status_code == 403
    assert client.get(f"/admin/people/{world.erin.id}/edit").status_code == 404

    people.edit_person(db, actor=world.admin, person=ben, edit=Edit(other_roles=[]), now=TODAY_UTC)
    db.flush()
    assert client.get(f"/compliance/agencies/{world.central.id}").status_code == 403


def test_bad_edits_are_refused_whole(db_session, world):
    db, ana = db_session, world.ana
    before = (ana.first_name, ana.rank_tier, ana.revision)
    with pytest.raises(ValidationError) as refused:
        people.edit_person(db, actor=world.manager, person=ana, edit=Edit(
            first_name="Anna", rank_tier="colonel", email="not-an-address", effective_on=date(2026, 11, 2)),
            now=TODAY_UTC)
    assert set(refused.value.details) == {"rank_tier", "email", "effective_on"}
    with pytest.raises(ValidationError) as refused:
        people.edit_person(db, actor=world.manager, person=ana, edit=Edit(other_roles=["administrator"]),
                           now=TODAY_UTC)
    assert "other_roles" in refused.value.details
    with pytest.raises(ValidationError):  # before the hire date
        people.edit_person(db, actor=world.manager, person=ana, now=TODAY_UTC,
                           edit=Edit(rank_tier="supervisor", effective_on=date(2010, 1, 1)))
    db.flush()
    assert (ana.first_name, ana.rank_tier, ana.revision) == before
    with pytest.raises(PermissionDeniedError):
        people.edit_person(db, actor=world.manager, person=world.manager, edit=Edit(rank_tier="executive"),
                           now=TODAY_UTC)
    with pytest.raises(PermissionDeniedError):
        people.edit_person(db, actor=world.harbor_manager, person=ana, edit=Edit(first_name="X"), now=TODAY_UTC)
    with pytest.raises(PermissionDeniedError):
        people.edit_person(db, actor=world.ben, person=ana, edit=Edit(first_name="X"), now=TODAY_UTC)


def test_a_transfer_keeps_the_records_and_the_former_agency_reads_its_time_only(db_session, world, signed_in):
    db, ben = db_session, world.ben
    before = add_record(db, ben, date(2026, 3, 10), 4, general=4)
    with pytest.raises(ValidationError):
        people.transfer_person(db, actor=world.manager, person=ben, agency_id=world.central.id, on=None,
                               now=TODAY_UTC)
    with pytest.raises(ValidationError):
        people.transfer_person(db, actor=world.manager, person=ben, agency_id=world.harbor.id,
                               on=date(2026, 11, 2), now=TODAY_UTC)
    people.transfer_person(db, actor=world.manager, person=ben, agency_id=world.harbor.id, on=date(2026, 6, 1),
                           now=TODAY_UTC)
    after = add_record(db, ben, date(2026, 7, 20), 3, general=3)
    db.flush()
    assert ben.agency_id == world.harbor.id and ben.post_id.startswith("T")
    spans = [(m.agency_id, m.starts_on, m.ends_on) for m in history.memberships_of(db, [ben.id])]
    assert spans == [(world.central.id, date(2015, 3, 2), date(2026, 6, 1)), (world.harbor.id, date(2026, 6, 1), None)]
    with pytest.raises(PermissionDeniedError):  # now Harbor's: Central's manager no longer manages him
        people.transfer_person(db, actor=world.manager, person=ben, agency_id=world.central.id, on=None,
                               now=TODAY_UTC)

    central = signed_in(world.manager).get(f"/people/{ben.id}/profile").get_data(as_text=True)
    assert "has moved to another agency" in central
    assert f"/records/{before.id}/certificate.pdf" in central and f"/records/{after.id}/certificate.pdf" not in central
    assert signed_in(world.manager).get(f"/records/{before.id}/certificate.pdf").status_code == 200
    assert signed_in(world.manager).get(f"/records/{after.id}/certificate.pdf").status_code == 404
    assert signed_in(world.manager).get(f"/people/{ben.id}").status_code == 404  # the account is Harbor's now
    harbor = signed_in(world.harbor_manager).get(f"/people/{ben.id}/profile").get_data(as_text=True)
    assert f"/records/{before.id}/" in harbor and f"/records/{after.id}/" in harbor
    assert "has moved" not in harbor
    assert signed_in(world.erin).get(f"/people/{ben.id}/profile").status_code == 404


def test_left_people_are_reopened_before_they_are_edited_or_moved(db_session, world):
    from learning_portal.accounts import services as accounts

    accounts.record_leaving(db_session, actor=world.manager, person=world.ben, left_on=date(2026, 10, 1),
                            now=TODAY_UTC)
    with pytest.raises(ConflictError):
        people.edit_person(db_session, actor=world.manager, person=world.ben, edit=Edit(first_name="B"),
                           now=TODAY_UTC)
    with pytest.raises(ConflictError):
        people.transfer_person(db_session, actor=world.manager, person=world.ben, agency_id=world.harbor.id,
                               on=None, now=TODAY_UTC)
