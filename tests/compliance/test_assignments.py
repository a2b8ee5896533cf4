"""An agency's assignments over their life: listed with their status, extended, cancelled, excused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from learning_portal.accounts.localdate import today_for
from learning_portal.audit.models import AuditEntry
from learning_portal.catalog.queries import get_course
from learning_portal.clock import utcnow
from learning_portal.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from learning_portal.learning import assignments
from learning_portal.learning import services as learning
from learning_portal.learning.models import AssignmentReason, ClosedAs, CourseAssignment


def assign(db, world, *people, days: int = 30):
    course, _ = get_course(db, "psp-arrest-and-control")
    now = utcnow()
    today = now.date()
    outcome = learning.assign_course(db, person_ids=[p.id for p in people], course=course,
                                     due_on=today + timedelta(days=days), reason=AssignmentReason.ASSIGNED, note="",
                                     assigned_by=world.manager, now=now, today=today)
    db.flush()
    return outcome.assigned


def test_the_page_lists_filters_and_exports_with_the_status(world, signed_in, db_session):
    ana, ben = assign(db_session, world, world.ana, world.ben)
    ben.due_on = utcnow().date() - timedelta(days=3)  # ben's is overdue
    db_session.flush()
    manager = signed_in(world.manager)
    page = manager.get(f"/compliance/agencies/{world.central.id}/assignments").get_data(as_text=True)
    assert "2 assignments" in page and world.ana.last_name in page and "Overdue" in page
    overdue = manager.get(f"/compliance/agencies/{world.central.id}/assignments?status=overdue").get_data(as_text=True)
    assert world.ben.last_name in overdue and world.ana.last_name not in overdue
    csv = manager.get(f"/compliance/agencies/{world.central.id}/assignments?format=csv").get_data(as_text=True)
    lines = csv.strip().splitlines()
    assert lines[0].startswith("post_id,last_name") and len(lines) == 3
    assert any(world.ben.post_id in line and ",overdue," in line for line in lines)
    assert signed_in(world.harbor_manager).get(
        f"/compliance/agencies/{world.central.id}/assignments").status_code == 404


def test_extending_cancelling_and_excusing_are_audited_and_shown_to_the_person(world, signed_in, db_session):
    ana, ben, cleo = assign(db_session, world, world.ana, world.ben, world.cleo)
    manager = signed_in(world.manager)
    later = (utcnow().date() + timedelta(days=60)).isoformat()
    done = manager.post(f"/compliance/assignments/{ana.id}", data={"action": "extend", "due_on": later,
                                                                  "reason": "On leave in December"},
                        follow_redirects=True).get_data(as_text=True)
    db_session.refresh(ana)
    assert "assignment of" in done and ana.due_on.isoformat() == later
    mine = signed_in(world.ana).get("/my/learning").get_data(as_text=True)
    assert "Due date extended from" in mine and "On leave in December" in mine

    refused = manager.post(f"/compliance/assignments/{ben.id}", data={"action": "excused", "reason": ""},
                           follow_redirects=True).get_data(as_text=True)
    assert "Say why the person is excused." in refused and ben.closed_as is None
    manager.post(f"/compliance/assignments/{ben.id}", data={"action": "excused", "reason": "Took it at the academy"})
    manager.post(f"/compliance/assignments/{cleo.id}", data={"action": "cancelled", "reason": ""})
    db_session.expire_all()
    assert db_session.get(CourseAssignment, ben.id).closed_as is ClosedAs.EXCUSED
    assert db_session.get(CourseAssignment, cleo.id).closed_as is ClosedAs.CANCELLED
    assert "Assigned to you" not in signed_in(world.ben).get("/my/learning").get_data(as_text=True)  # excused
    actions = db_session.scalars(select(AuditEntry.details).where(AuditEntry.action == "assignment.changed")).all()
    assert [d["what"] for d in actions] == ["extended", "excused", "cancelled"]
    # a closed assignment no longer blocks assigning the course again, and is not open on My learning
    again = assign(db_session, world, world.cleo)
    assert len(again) == 1 and again[0].id != cleo.id
    with pytest.raises(ConflictError):
        assignments.change(db_session, actor=world.manager, assignment=db_session.get(CourseAssignment, ben.id),
                           due_on=utcnow().date() + timedelta(days=9), now=utcnow())


def test_nobody_changes_their_own_or_another_agencys_assignments(world, db_session):
    (own,) = assign(db_session, world, world.manager)
    (ana,) = assign(db_session, world, world.ana)
    with pytest.raises(PermissionDeniedError):
        assignments.get_for(db_session, world.manager, own.id)
    with pytest.raises(NotFoundError):
        assignments.get_for(db_session, world.harbor_manager, ana.id)
    with pytest.raises(ValidationError):
        assignments.change(db_session, actor=world.manager, assignment=ana, now=utcnow(),  # yesterday, locally
                           due_on=today_for(db_session, world.ana, utcnow()) - timedelta(days=1))
    with pytest.raises(ValidationError):
        assignments.change(db_session, actor=world.manager, assignment=ana, now=utcnow())


def test_the_api_lists_pages_and_changes_assignments(world, db_session, client):
    from learning_portal.accounts.services import issue_api_token
    from tests.factories import NOW

    ana, ben = assign(db_session, world, world.ana, world.ben)
    token = issue_api_token(db_session, person=world.manager, now=NOW, ttl=timedelta(days=3650))[0]
    auth = {"Authorization": f"Bearer {token}"}
    first = client.get(f"/api/v1/agencies/{world.central.id}/assignments?limit=1", headers=auth).json
    rest = client.get(f"/api/v1/agencies/{world.central.id}/assignments?after={first['next_after']}",
                      headers=auth).json
    assert [a["id"] for a in first["assignments"] + rest["assignments"]] == sorted([ana.id, ben.id])
    assert first["assignments"][0]["status"] == "open" and rest["next_after"] is None
    csv = client.get(f"/api/v1/agencies/{world.central.id}/assignments?format=csv", headers=auth)
    assert csv.mimetype == "text/csv" and len(csv.get_data(as_text=True).strip().splitlines()) == 3

    excused = client.patch(f"/api/v1/assignments/{ben.id}", headers=auth,
                           json={"close": "excused", "reason": "Certified elsewhere"})
    assert excused.status_code == 200 and excused.json["status"] == "excused"
    assert excused.json["changes"][-1]["reason"] == "Certified elsewhere"
    again = client.patch(f"/api/v1/assignments/{ben.id}", headers=auth, json={"due_on": "2099-01-01"})
    assert again.status_code == 409
    bad = client.patch(f"/api/v1/assignments/{ana.id}", headers=auth, json={"close": "deleted", "due_on": "soon"})
    assert bad.status_code == 422 and set(bad.json["error"]["details"]) == {"close", "due_on"}
    other = issue_api_token(db_session, person=world.harbor_manager, now=NOW, ttl=timedelta(days=3650))[0]
    assert client.patch(f"/api/v1/assignments/{ana.id}", headers={"Authorization": f"Bearer {other}"},
                        json={"close": "cancelled"}).status_code == 404


def test_the_api_assigns_by_filters_with_a_dry_run_first(world, db_session, client, app):
    from learning_portal.accounts.services import issue_api_token
    from tests.factories import NOW

    token = issue_api_token(db_session, person=world.manager, now=NOW, ttl=timedelta(days=3650))[0]
    auth = {"Authorization": f"Bearer {token}"}
    db_session.commit()
    url = f"/api/v1/agencies/{world.central.id}/assignments"
    due = (utcnow() + timedelta(days=30)).date().isoformat()
    body = {"course": "psp-arrest-and-control", "due_on": due, "filters": {"q": "Alvarez"}}
    dry = client.post(url + "?dry_run=1", json=body, headers=auth)
    assert dry.status_code == 200, dry.get_json()
    answer = dry.get_json()
    assert answer["people"] == 1 and answer["would_assign"] == 1 and answer["sample"][0]["id"] == world.ana.id
    assert "sample course" in answer["no_credit"]  # flagged before assigning
    assert db_session.scalars(select(CourseAssignment.id)).all() == []
    done = client.post(url, json=body, headers=auth)
    assert done.status_code == 201 and done.get_json()["assigned"] == 1
    again = client.post(url, json={**body, "filters": {}}, headers=auth).get_json()  # everyone: Ana has it
    assert again["already"] == 1 and again["assigned"] >= 3
    bad = client.post(url, json={"course": "psp-arrest-and-control", "due_on": due, "person_ids": [world.erin.id]},
                      headers=auth)
    assert bad.status_code == 422  # another agency's officer
    both = client.post(url, json={**body, "person_ids": [world.ana.id]}, headers=auth)
    assert both.status_code == 422 and "person_ids" in both.get_json()["error"]["details"]
    assert client.post(f"/api/v1/agencies/{world.harbor.id}/assignments", json=body,
                       headers=auth).status_code == 404
