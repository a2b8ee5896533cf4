"""An agency's training from before the portal, imported from CSV: previewed, all or nothing, idempotent, and
counted for compliance at once."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from learning_portal.accounts.models import Role
from learning_portal.compliance import services as compliance
from learning_portal.csvfile import CsvImportError
from learning_portal.errors import PermissionDeniedError
from learning_portal.records import history
from learning_portal.records.models import RecordSource, TrainingRecord
from tests.factories import NOW, REAL_CONTENT, load_content, make_agency, make_person

HEADER = "post_id,course_number,title,completed_on,hours,categories,requirements,cpt\n"


@pytest.fixture
def agency_people(db_session):
    load_content(db_session, REAL_CONTENT, slugs=("psp-tactical-firearms",))
    agency = make_agency(db_session, jurisdiction="CA-POST", name="Central PD")
    manager = make_person(db_session, role=Role.TRAINING_MANAGER, agency=agency)
    ana = make_person(db_session, agency=agency, post_id="A1001", first_name="Ana", hire_date=date(2015, 3, 2))
    ben = make_person(db_session, agency=agency, post_id="B1002", first_name="Ben")
    return agency, manager, ana, ben


def run(db, agency, manager, text: str, *, dry_run: bool = False):
    return history.import_history(db, actor=manager, agency=agency, data=text.encode(), now=NOW,
                                  max_hours=Decimal(120), dry_run=dry_run)


GOOD = (HEADER
        + "A1001,1234-00001,Academy firearms qualification,2025-03-01,4,firearms: 4,CA-PSP-TF,yes\n"
        + "a1001,1234-00002,Report writing,03/15/2025,8,,,\n"
        + "B1002,1234-00003,First aid/CPR refresher,2025-06-01,2.5,general: 2.5,CA-LM-FA-2Y,no\n")


def test_a_preview_writes_nothing_and_the_import_counts_for_compliance_at_once(db_session, agency_people):
    agency, manager, ana, ben = agency_people
    preview = run(db_session, agency, manager, GOOD, dry_run=True)
    assert [(r.line, r.post_id, r.new) for r in preview.rows] == [(2, "A1001", True), (3, "A1001", True),
                                                                   (4, "B1002", True)]
    assert db_session.scalars(select(TrainingRecord)).all() == []
    before = {s.requirement.id: s.status for s in compliance.evaluate_person(db_session, ana, now=NOW)[0]}

    done = run(db_session, agency, manager, GOOD)
    assert (done.added, done.already, done.written) == (3, 0, True)
    records = db_session.scalars(select(TrainingRecord).order_by(TrainingRecord.id)).all()
    assert {r.source for r in records} == {RecordSource.IMPORTED}
    assert records[1].completed_on == date(2025, 3, 15) and records[2].cpt_credited is False
    after = {s.requirement.id: s for s in compliance.evaluate_person(db_session, ana, now=NOW)[0]}
    assert after["CA-PSP-TF"].status != before["CA-PSP-TF"] and after["CA-PSP-TF"].finding.hours_done == 4

    again = run(db_session, agency, manager, GOOD + "B1002,1234-00004,Ethics,2025-07-01,1,,,\n")
    assert (again.added, again.already) == (1, 3)  # a re-import adds only what is new
    assert len(db_session.scalars(select(TrainingRecord)).all()) == 4


def test_every_problem_is_named_with_its_line_and_nothing_is_written(db_session, agency_people):
    agency, manager, _, _ = agency_people
    other = make_person(db_session, agency=make_agency(db_session), post_id="Z9999")
    future = (NOW + timedelta(days=3)).date().isoformat()
    text = (HEADER
            + "A1001,1234-00001,Fine row,2025-03-01,4,,,\n"
            + f"{other.post_id},1234-00001,Another agency's officer,2025-03-01,4,,,\n"
            + "A1001,12-1,Bad number,2025-02-30,-1,,,\n"
            + f"A1001,1234-00009,Tomorrow,{future},4,archery: 4,CA-NOPE,maybe\n"
            + "A1001,9999-00109,Tactical Firearms (PSP),2025-04-01,40,,,\n"  # certified for 4 hours
            + "A1001,1234-00001,Fine row again,2025-03-01,4,,,\n")
    with pytest.raises(CsvImportError) as refused:
        run(db_session, agency, manager, text)
    found = [(e.line, e.column) for e in refused.value.errors]
    assert found == [(3, "post_id"), (4, "course_number"), (4, "completed_on"), (4, "hours"),
                     (5, "completed_on"), (5, "categories"), (5, "requirements"), (5, "cpt"), (6, "hours"),
                     (7, "")], refused.value.errors
    assert "Central PD" in refused.value.errors[0].message and "line 2" in refused.value.errors[-1].message
    assert db_session.scalars(select(TrainingRecord)).all() == []


def test_only_the_agency_s_manager_or_an_administrator_imports_and_imported_history_has_no_certificate(
        db_session, agency_people, signed_in):
    agency, manager, ana, _ = agency_people
    elsewhere = make_person(db_session, role=Role.TRAINING_MANAGER, agency=make_agency(db_session))
    with pytest.raises(PermissionDeniedError):
        run(db_session, agency, elsewhere, GOOD)
    with pytest.raises(PermissionDeniedError):
        run(db_session, agency, ana, GOOD)
    run(db_session, agency, make_person(db_session, role=Role.ADMINISTRATOR), GOOD)
    record = db_session.scalars(select(TrainingRecord).where(TrainingRecord.person_id == ana.id)).first()
    answer = signed_in(ana).get(f"/records/{record.id}/certificate.pdf")
    assert answer.status_code == 404 and "original presenter" in answer.get_data(as_text=True)
    assert signed_in(ana).get(f"/verify/{record.verification_code}").status_code == 404


def test_the_upload_page_previews_then_imports_and_the_profile_shows_no_certificate(db_session, agency_people,
                                                                                     signed_in):
    import io
    import re

    agency, manager, ana, _ = agency_people
    client = signed_in(manager)
    page = client.post(f"/agencies/{agency.id}/records/import", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(GOOD.encode()), "history.csv")}).get_data(as_text=True)
    assert "Check before importing" in page and "Academy firearms qualification" in page
    assert db_session.scalar(select(TrainingRecord).where(TrainingRecord.person_id == ana.id)) is None
    token = re.search(r'name="token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="token"', page).group(1)
    done = client.post(f"/agencies/{agency.id}/records/import", data={"token": token})
    assert done.status_code == 302 and f"/compliance/agencies/{agency.id}" in done.headers["Location"]
    records = db_session.scalars(select(TrainingRecord).where(TrainingRecord.person_id == ana.id)).all()
    assert len(records) == 2 and {r.source for r in records} == {RecordSource.IMPORTED}
    profile = client.get(f"/people/{ana.id}/profile").get_data(as_text=True)
    assert "Imported history" in profile and "None: imported" in profile
    assert f"/records/{records[0].id}/certificate.pdf" not in profile
    # another agency's manager cannot reach the page at all
    other = make_person(db_session, role=Role.TRAINING_MANAGER, agency=make_agency(db_session))
    assert signed_in(other).get(f"/agencies/{agency.id}/records/import").status_code == 404
