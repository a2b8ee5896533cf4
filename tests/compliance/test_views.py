"""The compliance pages and API as each kind of user meets them; a manager never sees another agency."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from learning_portal.accounts.models import Person
from learning_portal.catalog.models import Course
from learning_portal.compliance import api, views
from learning_portal.compliance.models import Exemption
from learning_portal.compliance.status import STATUSES
from learning_portal.learning.models import CourseAssignment
from tests.compliance.conftest import TODAY_UTC


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    monkeypatch.setattr(views, "utcnow", lambda: TODAY_UTC)
    monkeypatch.setattr(api, "utcnow", lambda: TODAY_UTC)


def test_my_compliance_explains_each_requirement_and_links_courses(world, signed_in):
    page = signed_in(world.ben).get("/compliance/").get_data(as_text=True)
    assert "My compliance" in page
    assert "10 of 24 hours for 2025-2026; 14 to go; due 31 Dec 2026." in page
    # Hired 2015, with no First Aid on file: a data gap until it would be overdue whatever was done before.
    assert "No completion on file since this agency&#39;s records start (1 Jan 2025); due 1 Jan 2027 at the latest." \
        in page
    assert 'href="/courses/psp-arrest-and-control"' in page  # counts toward the arrest and control gap
    assert "Penal Code 13518" in page  # the citation


def test_the_dashboard_summarises_filters_and_drills_down(world, signed_in):
    manager = signed_in(world.manager)
    page = manager.get("/compliance/agency", follow_redirects=True).get_data(as_text=True)
    assert "Central PD: compliance" in page and "Alvarez, Ana" in page and "Evans" not in page
    assert 'role="img"' in page  # the chart
    filtered = manager.get(f"/compliance/agencies/{world.central.id}?requirement=CA-CPT-24&status=due_soon"
                           "&sort=name").get_data(as_text=True)
    assert "Brooks, Ben" in filtered and "Cruz, Cleo" in filtered and "Alvarez" not in filtered
    assert "10 of 24 hours for 2025-2026" in filtered
    detail = manager.get(f"/compliance/people/{world.ana.id}").get_data(as_text=True)
    assert "Ana Alvarez: compliance" in detail and "Test training" in detail  # standing and records
    assert "2 of 4 hours of Arrest and control for 2025-2026; 2 to go; due 31 Dec 2026." in detail


def test_pagination_and_odd_parameters_do_not_break_the_page(world, signed_in):
    manager = signed_in(world.manager)
    page = manager.get(f"/compliance/agencies/{world.central.id}?per_page=2&sort=name").get_data(as_text=True)
    assert "Page 1 of 3" in page
    odd = manager.get(f"/compliance/agencies/{world.central.id}?status=bogus&requirement=XX&sort=%3B&page=0")
    assert odd.status_code == 200


def test_the_csv_export_streams_every_row_with_the_filters(world, signed_in):
    manager, url = signed_in(world.manager), f"/compliance/agencies/{world.central.id}/export.csv"
    response = manager.get(f"{url}?requirement=CA-CPT-24")
    assert response.status_code == 200 and response.is_streamed
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["post_id", "last_name", "first_name"]
    assert [r[2] for r in rows[1:]] == ["Ana", "Ben", "Cleo"]
    ben = dict(zip(rows[0], rows[2], strict=True))
    assert [ben[k] for k in ("status", "hours_done", "hours_needed", "due_on")] == ["due_soon", "10", "24",
                                                                                   "2026-12-31"]
    assert ben["reason"] == "10 of 24 hours for 2025-2026; 14 to go; due 31 Dec 2026."
    everything = manager.get(url).get_data(as_text=True)
    ana_first_aid = next(r for r in csv.reader(io.StringIO(everything)) if r[2] == "Ana" and r[5] == "CA-LM-FA-2Y")
    assert ana_first_aid[7] == "due_soon" and ana_first_aid[-1].endswith("due 1 Jan 2027 at the latest.")


def test_a_manager_never_sees_another_agency(world, signed_in):
    manager = signed_in(world.manager)
    for url in (f"/compliance/agencies/{world.harbor.id}", f"/compliance/agencies/{world.harbor.id}/export.csv",
                f"/compliance/people/{world.erin.id}", f"/api/v1/agencies/{world.harbor.id}/compliance",
                f"/api/v1/agencies/{world.harbor.id}/compliance?format=csv"):
        assert manager.get(url).status_code == 404, url
    assert manager.post(f"/compliance/agencies/{world.harbor.id}/assign",
                        data={"course": "courtroom-testimony", "due_on": "2026-12-01",
                              "person": str(world.erin.id)}).status_code == 404
    assert manager.post(f"/compliance/people/{world.erin.id}/exemptions",
                        data={"requirement_ids": "CA-PSP-AC", "kind": "leave", "reason": "x" * 5,
                              "starts_on": "2026-11-01"}).status_code == 404
    officer = signed_in(world.ana)
    assert officer.get(f"/compliance/agencies/{world.central.id}").status_code == 403
    assert officer.get(f"/compliance/people/{world.ben.id}").status_code == 404
    assert officer.get(f"/api/v1/agencies/{world.central.id}/compliance").status_code == 403
    assert signed_in(world.admin).get(f"/compliance/agencies/{world.harbor.id}").status_code == 200


def test_assigning_a_course_from_the_dashboard(world, signed_in, db_session):
    manager = signed_in(world.manager)
    due = (TODAY_UTC + timedelta(days=30)).date().isoformat()
    ticked = {"course": "psp-arrest-and-control", "due_on": due, "note": "Before the cycle ends",
              "person": [str(world.ana.id), str(world.ben.id)]}
    # A sample course earns no CPT outside the demonstration: said before anything is assigned
    preview = manager.post(f"/compliance/agencies/{world.central.id}/assign", data=ticked).get_data(as_text=True)
    assert "No CPT credit" in preview and "sample course" in preview and "Assign to 2 people" in preview
    assert db_session.scalars(select(CourseAssignment.person_id)).all() == []
    response = manager.post(f"/compliance/agencies/{world.central.id}/assign", data={**ticked, "confirm": "1"},
                            follow_redirects=True)
    assert "Assigned to 2 people." in response.get_data(as_text=True)
    assigned = db_session.scalars(select(CourseAssignment.person_id)).all()
    assert sorted(assigned) == sorted([world.ana.id, world.ben.id])
    nobody = manager.post(f"/compliance/agencies/{world.central.id}/assign",
                          data={"course": "psp-arrest-and-control", "due_on": due}, follow_redirects=True)
    assert "Nobody is selected." in nobody.get_data(as_text=True)


def test_assigning_to_everyone_the_filters_select_across_pages(world, signed_in, db_session, app):
    app.config["CREDIT_SAMPLE_COURSES"] = True  # as in the demonstration: the flag is about repeats here
    manager = signed_in(world.manager)
    due = (TODAY_UTC + timedelta(days=30)).date().isoformat()
    everyone = {"course": "psp-arrest-and-control", "due_on": due, "scope": "filter", "per_page": "1"}
    preview = manager.post(f"/compliance/agencies/{world.central.id}/assign", data=everyone).get_data(as_text=True)
    central = db_session.scalars(select(Person.id).where(Person.agency_id == world.central.id,
                                                        Person.is_enabled)).all()
    assert f"{len(central)} people matching the dashboard" in preview
    assert world.ana.sort_name in preview and world.erin.sort_name not in preview  # Erin is Harbor's
    assert db_session.scalars(select(CourseAssignment.id)).all() == []  # a preview assigns nothing
    manager.post(f"/compliance/agencies/{world.central.id}/assign", data={**everyone, "confirm": "1"})
    assert sorted(db_session.scalars(select(CourseAssignment.person_id)).all()) == sorted(central)
    only_ana = {**everyone, "q": world.ana.last_name, "course": "vehicle-pursuit-policy-update"}
    manager.post(f"/compliance/agencies/{world.central.id}/assign", data={**only_ana, "confirm": "1"})
    pursuit = db_session.scalars(select(CourseAssignment.person_id).join(Course).where(
        Course.slug == "vehicle-pursuit-policy-update")).all()
    assert pursuit == [world.ana.id]


def test_a_manager_records_and_ends_an_exemption(world, signed_in, db_session):
    manager = signed_in(world.manager)
    page = manager.post(f"/compliance/people/{world.ben.id}/exemptions",
                        data={"requirement_ids": ["CA-PSP-AC", "CA-PSP-DT"], "kind": "leave",
                              "reason": "Medical leave to 31 Mar",
                              "starts_on": "2026-10-01", "ends_on": "2027-03-31"},
                        follow_redirects=True).get_data(as_text=True)
    assert "Exemption recorded for CA-PSP-AC, CA-PSP-DT." in page
    assert "Exempt until 31 Mar 2027: Leave of absence (medical, military or other extended leave); Medical leave to " \
        "31 Mar" in page
    exemption = db_session.scalars(select(Exemption).where(Exemption.requirement_id == "CA-PSP-AC")).one()
    assert exemption.granted_by_id == world.manager.id
    ended = manager.post(f"/compliance/exemptions/{exemption.id}/revoke", follow_redirects=True)
    assert "Exemption from CA-PSP-AC ended." in ended.get_data(as_text=True)
    assert signed_in(world.harbor_manager).post(f"/compliance/exemptions/{exemption.id}/revoke").status_code == 404


def test_the_statewide_summary_is_for_administrators(world, signed_in):
    page = signed_in(world.admin).get("/compliance/state?jurisdiction=CA-POST").get_data(as_text=True)
    assert "Statewide compliance" in page and "Central PD" in page and "Harbor PD" in page
    assert signed_in(world.manager).get("/compliance/state").status_code == 403


def test_api_me_compliance(world, signed_in):
    body = signed_in(world.ben).get("/api/v1/me/compliance").get_json()
    by_id = {r["id"]: r for r in body["requirements"]}
    assert by_id["CA-CPT-24"] == {**by_id["CA-CPT-24"], "status": "due_soon", "hours_done": "10",
                                  "hours_needed": "24", "due_on": "2026-12-31"}
    assert by_id["CA-CPT-24"]["reason"].startswith("10 of 24 hours")
    assert {r["status"] for r in body["requirements"]} <= set(STATUSES)
    assert signed_in(world.admin).get("/api/v1/me/compliance").status_code == 404


def test_api_agency_compliance_json_and_csv(world, signed_in):
    manager = signed_in(world.manager)
    body = manager.get(f"/api/v1/agencies/{world.central.id}/compliance?requirement=CA-CPT-24&sort=name").get_json()
    assert body["total"] == 3 and [p["first_name"] for p in body["people"]] == ["Ana", "Ben", "Cleo"]
    assert body["summary"]["CA-CPT-24"]["due_soon"] == 2
    assert body["people"][1]["reason"].startswith("10 of 24 hours")
    overall = manager.get(f"/api/v1/agencies/{world.central.id}/compliance").get_json()
    assert overall["total"] == 5 and all("needs_attention" in p for p in overall["people"])
    text = manager.get(f"/api/v1/agencies/{world.central.id}/compliance?format=csv").get_data(as_text=True)
    assert text.splitlines()[0].startswith("post_id,last_name,first_name")


def test_the_openapi_document_describes_compliance(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert "/me/compliance" in doc["paths"] and "/agencies/{agency_id}/compliance" in doc["paths"]
    assert doc["components"]["schemas"]["Standing"]["properties"]["status"]["enum"][0] == "overdue"


def test_a_finished_export_leaves_no_lock_behind(tmp_path, app_on):
    """Embedded SQLite: the streamed export used to keep the write lock after the download ended, so the next
    sign-in (and the credit poster) waited for it."""
    import sqlite3

    from learning_portal import migrate
    from learning_portal.accounts.models import Role
    from learning_portal.db import make_engine, session_factory
    from tests.factories import REAL_CONTENT, load_content, make_person

    path = tmp_path / "portal.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    app = app_on(f"sqlite:///{path}")
    with app.app_context(), session_factory()() as db:
        load_content(db, REAL_CONTENT, slugs=())
        manager = make_person(db, role=Role.TRAINING_MANAGER)
        make_person(db, agency=manager.agency)
        db.commit()
        agency_id, user_id = manager.agency_id, manager.get_id()
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = user_id
    export = client.get(f"/compliance/agencies/{agency_id}/export.csv")
    assert export.status_code == 200 and export.get_data(as_text=True).count("\n") > 1
    export.close()
    other = sqlite3.connect(path, timeout=1, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # "database is locked" if the export still held it
    other.execute("ROLLBACK")
