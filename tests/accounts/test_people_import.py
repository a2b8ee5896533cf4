"""The people CSV import: creates and updates by POST ID, previews per row, all or nothing."""

import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from learning_portal.accounts import history
from learning_portal.accounts.models import Person, Role
from learning_portal.accounts.people_import import import_people
from learning_portal.csvfile import CsvImportError
from learning_portal.errors import PermissionDeniedError
from tests.factories import NOW, make_agency, make_person

HEADER = "post_id,first_name,last_name,email,role,assignment,is_reserve,hire_date,jurisdiction,agency_number\n"


def count_people(db) -> int:
    return db.scalar(select(func.count(Person.id)))


def person(db, post_id) -> Person:
    return db.scalar(select(Person).where(Person.post_id == post_id))


def staged_token(page: str) -> str:
    return re.search(r'name="token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="token"', page).group(1)


def test_new_people_are_added_with_their_history(db_session):
    admin = make_person(db_session, role=Role.ADMINISTRATOR)
    agency = make_agency(db_session, number="42")
    text = HEADER + (
        "B100,Ana,Lee,ana@example.org,officer; instructor,patrol,no,2020-01-02,CA-POST,42\n"
        "\n"
        '"B101","Bo","O\'Neil, Jr.",,dispatcher,dispatch,,01/15/2021,CA-POST,42\n'
    )
    before = count_people(db_session)
    result = import_people(db_session, actor=admin, data=("\ufeff" + text).replace("\n", "\r\n").encode(), now=NOW)
    assert [(r.line, r.post_id, r.action.value) for r in result.rows] == [(2, "B100", "create"), (4, "B101", "create")]
    assert count_people(db_session) == before + 2
    bo, ana = person(db_session, "B101"), person(db_session, "B100")
    assert bo.last_name == "O'Neil, Jr." and bo.agency_id == agency.id and bo.hire_date == date(2021, 1, 15)
    assert ana.role is Role.OFFICER and ana.has_role(Role.INSTRUCTOR) and ana.email == "ana@example.org"
    assert {(t.kind.value, t.value) for t in history.terms_of(db_session, ana)} == {
        ("role", "officer"), ("role", "instructor"), ("assignment", "patrol"), ("rank_tier", "line")}
    assert [(m.agency_id, m.starts_on) for m in history.memberships_of(db_session, [ana.id])] == [
        (agency.id, date(2020, 1, 2))]


def test_the_preview_says_what_each_row_will_do_and_writes_nothing(db_session):
    admin = make_person(db_session, role=Role.ADMINISTRATOR)
    here, there = make_agency(db_session, number="42"), make_agency(db_session, number="43")
    same = make_person(db_session, agency=here, first_name="Cy", last_name="Dee", email=None, hire_date=None)
    renamed = make_person(db_session, agency=here, first_name="Di", last_name="Ek")
    moving = make_person(db_session, agency=there, first_name="Ed", last_name="Fo")
    text = HEADER + (
        "N100,New,Person,,officer,patrol,,,CA-POST,42\n"
        f"{same.post_id},Cy,Dee,,officer,patrol,,,CA-POST,42\n"
        f"{renamed.post_id},Diana,Ek,,officer; training_manager,patrol,,,CA-POST,42\n"
        f"{moving.post_id},Ed,Fo,,officer,patrol,,,CA-POST,42\n")
    before, revision = count_people(db_session), same.revision
    plan = import_people(db_session, actor=admin, data=text.encode(), now=NOW, dry_run=True)
    assert not plan.written and count_people(db_session) == before
    assert plan.counts == {"create": 1, "update": 1, "transfer": 1, "unchanged": 1}
    rows = {r.line: r for r in plan.rows}
    assert rows[3].action.value == "unchanged"
    assert rows[4].changes == ("first name: Di -> Diana", "roles: officer -> officer, training_manager")
    assert rows[5].changes[0].startswith("agency: ") and rows[5].changes[0].endswith(f"-> {here.name}")
    assert renamed.first_name == "Di" and moving.agency_id == there.id  # a preview changes no one

    import_people(db_session, actor=admin, data=text.encode(), now=NOW)
    db_session.flush()
    assert count_people(db_session) == before + 1
    assert renamed.first_name == "Diana" and renamed.has_role(Role.TRAINING_MANAGER)
    assert moving.agency_id == here.id and same.revision == revision  # unchanged people are not touched
    again = import_people(db_session, actor=admin, data=text.encode(), now=NOW, dry_run=True)
    assert again.counts == {"create": 0, "update": 0, "transfer": 0, "unchanged": 4}  # idempotent


def test_an_empty_cell_keeps_what_is_on_file_and_a_new_rank_starts_on_the_promotion_date(db_session):
    admin = make_person(db_session, role=Role.ADMINISTRATOR)
    agency = make_agency(db_session, number="42")
    ana = make_person(db_session, agency=agency, email="ana@example.org", hire_date=date(2015, 3, 2))
    text = ("post_id,first_name,last_name,email,role,rank_tier,promotion_date,hire_date,jurisdiction,agency_number\n"
            f"{ana.post_id},{ana.first_name},{ana.last_name},,officer,supervisor,2025-05-04,,CA-POST,42\n")
    plan = import_people(db_session, actor=admin, data=text.encode(), now=NOW)
    assert plan.rows[0].changes == ("rank tier: line -> supervisor (from 2025-05-04)",)
    assert ana.email == "ana@example.org" and ana.hire_date == date(2015, 3, 2)
    assert ana.promotion_date == date(2025, 5, 4)


def test_a_manager_imports_their_own_agency_only(db_session):
    agency, other = make_agency(db_session, number="42"), make_agency(db_session, number="43")
    manager = make_person(db_session, role=Role.TRAINING_MANAGER, agency=agency)
    theirs = make_person(db_session, agency=other)
    text = HEADER + (
        "M100,Ana,Lee,,officer,patrol,,,CA-POST,42\n"                     # line 2: fine
        "M200,Bo,Ma,,officer,patrol,,,CA-POST,43\n"                       # line 3: another agency
        f"{theirs.post_id},Cy,Na,,officer,patrol,,,CA-POST,42\n"        # line 4: someone else's officer
        f"{manager.post_id},Me,Myself,,officer,patrol,,,CA-POST,42\n"   # line 5: their own record
        "M500,Di,Ek,,administrator,patrol,,,CA-POST,42\n")                # line 6: commission staff
    before = count_people(db_session)
    with pytest.raises(CsvImportError) as err:
        import_people(db_session, actor=manager, data=text.encode(), now=NOW)
    assert {(e.line, e.column) for e in err.value.errors} == {
        (3, "agency_number"), (4, "post_id"), (5, "post_id"), (6, "role")}
    assert "another agency" in str(next(e for e in err.value.errors if e.line == 3))
    assert count_people(db_session) == before and theirs.agency_id == other.id
    officer = make_person(db_session, agency=agency)
    with pytest.raises(PermissionDeniedError):
        import_people(db_session, actor=officer, data=text.encode(), now=NOW)


def test_every_bad_line_is_reported_and_nothing_is_written(db_session):
    admin = make_person(db_session, role=Role.ADMINISTRATOR)
    make_agency(db_session, number="42")
    existing = make_person(db_session, hire_date=date(2020, 1, 6))
    text = HEADER + (
        "B200,Ana,Lee,,officer,patrol,no,2020-01-02,CA-POST,42\n"      # line 2: fine
        "B201,,Lee,,captain,patrol,no,2020-13-02,CA-POST,42\n"         # line 3: name, role, date
        "B200,Cy,Dee,,officer,patrol,no,,CA-POST,42\n"                 # line 4: duplicate of line 2
        f"{existing.post_id},Di,Ek,,officer,patrol,no,,CA-POST,42\n"   # line 5: fine (a transfer)
        "B203,Ed,Fo,,officer,patrol,no,,CA-POST,999\n"                 # line 6: unknown agency
        "B204,Fay,Go,,officer\n"                                       # line 7: too few values
    )
    before = count_people(db_session)
    with pytest.raises(CsvImportError) as err:
        import_people(db_session, actor=admin, data=text.encode(), now=NOW)
    found = {(e.line, e.column) for e in err.value.errors}
    assert found == {(3, "first_name"), (3, "role"), (3, "hire_date"), (4, "post_id"), (6, "agency_number"), (7, "")}
    assert "also appears on line 2" in str(next(e for e in err.value.errors if e.line == 4))
    assert count_people(db_session) == before and existing.first_name != "Di"


def test_usernames_derived_from_post_ids_are_checked(db_session):
    admin = make_person(db_session, role=Role.ADMINISTRATOR)
    make_agency(db_session, number="42")
    make_person(db_session, username="b300")  # someone chose the username another POST ID derives
    text = (HEADER.replace("\n", ",username\n") + "B300,Ana,Lee,,officer,patrol,no,,CA-POST,42,\n"
            "B301,Bo,Ma,,officer,patrol,no,,CA-POST,42,b302\nB302,Cy,Na,,officer,patrol,no,,CA-POST,42,\n")
    with pytest.raises(CsvImportError) as err:
        import_people(db_session, actor=admin, data=text.encode(), now=NOW)
    assert {(e.line, e.column) for e in err.value.errors} == {(2, "username"), (4, "username")}


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty"),
    (b"post_id,first_name\n", "Missing required column"),
    (b"post_id,first_name,last_name,role,jurisdiction,agency_number,ssn\nA,B,C,officer,CA-POST,1,123\n",
     "Unknown column"),
    (HEADER.encode(), "no people"),
    ((HEADER + "B100,Jos\xe9,Lee,,officer,patrol,,,CA-POST,42\n").encode("latin-1"), "not UTF-8"),
    ((HEADER + '"' + "x" * 200_000 + '",Ana,Lee,,officer,patrol,no,,CA-POST,42\n').encode(), "not readable as CSV"),
])
def test_malformed_files_are_refused_with_a_reason(db_session, data, message):
    admin = make_person(db_session, role=Role.ADMINISTRATOR)
    with pytest.raises(CsvImportError) as err:
        import_people(db_session, actor=admin, data=data, now=NOW)
    assert any(message in str(e) for e in err.value.errors), err.value.errors


def test_upload_previews_then_the_confirmation_imports_what_was_previewed(client, db_session, login_as):
    agency = make_agency(db_session, number="55")
    manager = make_person(db_session, role=Role.TRAINING_MANAGER, agency=agency)
    login_as(manager)
    bad = ("post_id,first_name,last_name,role,jurisdiction,agency_number\n"
           "C100,A,B,officer,CA-POST,55\nC200,,B,chief,CA-POST,55\n")
    response = client.post("/admin/people/import", data={"file": (io.BytesIO(bad.encode()), "people.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert b"Line 3" in response.data and b"Nothing was imported" in response.data
    good = bad.replace("C200,,B,chief", "C200,Cy,B,dispatcher")
    response = client.post("/admin/people/import", data={"file": (io.BytesIO(good.encode()), "people.csv")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Check before importing" in page and "2</strong> to add" in page
    assert person(db_session, "C100") is None  # not yet
    token = staged_token(page)
    response = client.post("/admin/people/import", data={"token": token})
    assert response.status_code == 302, response.data.decode()
    imported = db_session.scalars(select(Person.post_id).where(Person.agency_id == agency.id, Person.id != manager.id))
    assert set(imported) == {"C100", "C200"}
    # the preview is used up: confirming again imports nothing twice
    response = client.post("/admin/people/import", data={"token": token})
    assert response.status_code == 302 and "/admin/people/import" in response.headers["Location"]
    other = make_person(db_session, role=Role.TRAINING_MANAGER, agency=agency)
    login_as(other)  # someone else cannot confirm another's preview
    theirs = good.replace("C1", "D1").replace("C2", "D2").encode()
    token2 = staged_token(client.post("/admin/people/import", data={"file": (io.BytesIO(theirs), "p.csv")},
                                      content_type="multipart/form-data").get_data(as_text=True))
    login_as(manager)
    client.post("/admin/people/import", data={"token": token2})
    assert person(db_session, "D100") is None
