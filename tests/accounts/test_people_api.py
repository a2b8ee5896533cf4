"""The people API: the same rules as the pages, through /api/v1."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from learning_portal.accounts.models import Person, Role
from learning_portal.accounts.services import issue_api_token
from learning_portal.mail.models import OutgoingMail
from learning_portal.records.models import TrainingRecord
from tests.factories import NOW, make_agency, make_person


@pytest.fixture
def api(client, db_session):
    def as_(person):
        token = issue_api_token(db_session, person=person, now=NOW, ttl=timedelta(days=3650))[0]

        class Caller:
            def __getattr__(self, method):
                def call(path, **kwargs):
                    return getattr(client, method)(f"/api/v1{path}",
                                                   headers={"Authorization": f"Bearer {token}"}, **kwargs)
                return call
        return Caller()
    return as_


def test_managers_list_add_change_and_move_their_people(api, db_session):
    agency, other = make_agency(db_session, name="Central PD"), make_agency(db_session, name="Harbor PD")
    manager = make_person(db_session, role=Role.TRAINING_MANAGER, agency=agency)
    ana = make_person(db_session, agency=agency, hire_date=date(2015, 3, 2))
    stranger = make_person(db_session, agency=other)
    as_manager = api(manager)

    listed = as_manager.get("/people?limit=1")
    assert listed.status_code == 200 and len(listed.json["people"]) == 1 and listed.json["next_after"]
    rest = as_manager.get(f"/people?after={listed.json['next_after']}").json["people"]
    assert {p["id"] for p in listed.json["people"] + rest} == {manager.id, ana.id}  # never another agency's

    added = as_manager.post("/people", json={"post_id": "API100", "first_name": "Nia", "last_name": "Ode",
                                             "role": "officer", "email": "nia@example.org"})
    assert added.status_code == 201 and added.json["agency"]["id"] == agency.id
    assert as_manager.post("/people", json={"post_id": "API101", "first_name": "X", "last_name": "Y",
                                            "role": "officer", "agency_id": other.id}).status_code == 403

    promoted = as_manager.patch(f"/people/{ana.id}", json={"rank_tier": "supervisor", "effective_on": "2026-02-02",
                                                          "other_roles": ["instructor"]})
    assert promoted.status_code == 200, promoted.json
    assert promoted.json["rank_tier"] == "supervisor" and promoted.json["promotion_date"] == "2026-02-02"
    assert promoted.json["roles"] == ["instructor", "officer"]
    assert ("rank_tier", "line", "2015-03-02", "2026-02-02") in {
        (h["kind"], h["value"], h["starts_on"], h["ends_on"]) for h in promoted.json["history"]}
    bad = as_manager.patch(f"/people/{ana.id}", json={"rank_tier": "supervisor", "ssn": "123"})
    assert bad.status_code == 422 and set(bad.json["error"]["details"]) == {"ssn"}
    bad = as_manager.patch(f"/people/{ana.id}", json={"rank_tier": "colonel", "email": "x@"})
    assert bad.status_code == 422 and set(bad.json["error"]["details"]) == {"rank_tier", "email"}
    assert as_manager.patch(f"/people/{manager.id}", json={"rank_tier": "executive"}).status_code == 403
    assert as_manager.patch(f"/people/{stranger.id}", json={"first_name": "Z"}).status_code == 404

    moved = as_manager.post(f"/people/{ana.id}/transfer", json={"agency_id": other.id, "on": "2026-03-01"})
    assert moved.status_code == 200 and moved.json["agency"]["id"] == other.id
    assert as_manager.get(f"/people/{ana.id}").status_code == 404  # Harbor's now
    assert api(make_person(db_session, role=Role.TRAINING_MANAGER, agency=other)).get(
        f"/people/{ana.id}").json["agencies"][-1] == {"agency_id": other.id, "starts_on": "2026-03-01",
                                                      "ends_on": None}


def test_separation_needs_a_date_and_a_confirmation_and_can_be_undone(api, db_session):
    agency = make_agency(db_session)
    manager = make_person(db_session, role=Role.TRAINING_MANAGER, agency=agency)
    ben = make_person(db_session, agency=agency, hire_date=date(2020, 1, 6))
    as_manager = api(manager)
    refused = as_manager.post(f"/people/{ben.id}/separation", json={"left_on": "2026-02-27", "confirm": False})
    assert refused.status_code == 422 and "confirm" in refused.json["error"]["details"]
    left = as_manager.post(f"/people/{ben.id}/separation", json={"left_on": "2026-02-27", "confirm": True})
    assert left.status_code == 200 and left.json["left_on"] == "2026-02-27"
    db_session.refresh(ben)
    assert not ben.is_enabled
    back = as_manager.delete(f"/people/{ben.id}/separation?rehired_on=2026-02-28")
    assert back.status_code == 200 and back.json["left_on"] is None and back.json["hire_date"] == "2026-02-28"


def test_csv_imports_preview_with_dry_run_then_write(api, db_session):
    agency = make_agency(db_session, number="77")
    manager = make_person(db_session, role=Role.TRAINING_MANAGER, agency=agency)
    as_manager = api(manager)
    people_csv = ("post_id,first_name,last_name,role,jurisdiction,agency_number,email\n"
                  "IMP100,Ana,Lee,officer,CA-POST,77,ana@example.org\n")
    assert as_manager.post("/people/import", data=people_csv, content_type="application/json").status_code == 415
    plan = as_manager.post("/people/import?dry_run=1", data=people_csv, content_type="text/csv")
    assert plan.status_code == 200 and plan.json["written"] is False and plan.json["counts"]["create"] == 1
    assert db_session.scalar(select(Person).where(Person.post_id == "IMP100")) is None
    done = as_manager.post("/people/import", data=people_csv, content_type="text/csv")
    assert done.status_code == 201 and done.json["rows"][0]["action"] == "create"
    bad = as_manager.post("/people/import", data=people_csv.replace("77,", "78,"), content_type="text/csv")
    assert bad.status_code == 422 and bad.json["error"]["details"][0]["line"] == 2

    history_csv = ("post_id,course_number,title,completed_on,hours\n"
                   "IMP100,1234-00001,Report writing,2025-03-15,8\n")
    path = f"/agencies/{agency.id}/records/import"
    assert as_manager.post(path + "?dry_run=1", data=history_csv, content_type="text/csv").json["added"] == 1
    assert db_session.scalar(select(TrainingRecord.id)) is None
    assert as_manager.post(path, data=history_csv, content_type="text/csv").json["added"] == 1
    assert as_manager.post(path, data=history_csv, content_type="text/csv").json["already"] == 1  # idempotent
    other = make_person(db_session, role=Role.TRAINING_MANAGER, agency=make_agency(db_session))
    assert api(other).post(path, data=history_csv, content_type="text/csv").status_code == 404


def test_invitations_and_password_resets(api, client, db_session):
    agency = make_agency(db_session)
    manager = make_person(db_session, role=Role.TRAINING_MANAGER, agency=agency)
    new = [make_person(db_session, agency=agency, password=None) for _ in range(2)]
    as_manager = api(manager)
    one = as_manager.post("/invitations", json={"person_id": new[0].id})
    assert one.status_code == 201 and one.json["invited"] == 1
    rest = as_manager.post("/invitations", json={"all": True})
    assert rest.json == {"invited": 1, "pending": 1, "without_email": 0}
    assert {m.to_address for m in db_session.scalars(select(OutgoingMail).where(OutgoingMail.kind == "invitation"))
            } == {p.email for p in new}
    assert as_manager.post("/invitations", json={"person_id": 99999999}).status_code == 404
    assert api(new[1]).post("/invitations", json={"person_id": new[0].id}).status_code == 403

    known = client.post("/api/v1/password-resets", json={"login": manager.username})
    unknown = client.post("/api/v1/password-resets", json={"login": "nobody-at-all"})
    assert known.status_code == unknown.status_code == 202 and known.json == unknown.json
    assert db_session.scalar(select(OutgoingMail).where(OutgoingMail.kind == "password_reset")).to_address == \
        manager.email
