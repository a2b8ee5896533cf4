"""Certificates of completion: the PDF (who may download it) and the public verification page."""

from __future__ import annotations

import itertools
import re
from datetime import date
from decimal import Decimal

import pytest

from learning_portal.accounts.models import Role
from learning_portal.records.certificate_views import UNKNOWN_CODE, normalise_code
from learning_portal.records.certificates import build_certificate_pdf, latin1, long_date
from learning_portal.records.models import RecordSource, TrainingRecord
from learning_portal.records.services import RecordInput, write_record
from tests.factories import NOW, make_agency, make_person

_keys = itertools.count(1)


def make_record(session, person, *, title: str = "Domestic Violence Response Update",
                course_number: str = "9999-00101", hours: str = "2.50", completed_on: date = date(2026, 11, 24),
                source: RecordSource = RecordSource.FORWARDED) -> TrainingRecord:
    data = RecordInput(person_id=person.id, course_number=course_number, title=title, hours=Decimal(hours),
                       categories={}, satisfies=[], completed_on=completed_on, source=source)
    record, created = write_record(session, data=data, now=NOW, inbound_key=f"test-certificate-{next(_keys)}")
    assert created
    return record


@pytest.fixture
def agency(db_session):
    return make_agency(db_session, name="Test Valley Police Department")


@pytest.fixture
def officer(db_session, agency):
    return make_person(db_session, agency=agency, first_name="Dana", last_name="Okafor")


@pytest.fixture
def record(db_session, officer):
    return make_record(db_session, officer)


def pdf_url(record: TrainingRecord) -> str:
    return f"/records/{record.id}/certificate.pdf"


# --- the PDF builder (no database) ---------------------------------------------------------------


def build(**overrides) -> bytes:
    values = dict(person_name="Dana Okafor", post_id="T123456", agency_name="Test Valley Police Department",
                  course_number="9999-00101", title="Domestic Violence Response Update", hours=Decimal("2.50"),
                  completed_on=date(2026, 11, 24), verification_code="ABCDEFGHJKLM",
                  verify_url="http://portal.example/verify/ABCDEFGHJKLM", source_label="Online")
    values.update(overrides)
    return build_certificate_pdf(**values)


def test_pdf_has_every_fact_as_searchable_text():
    pdf = build()
    assert pdf.startswith(b"%PDF")
    for text in (b"Certificate of Completion", b"Dana Okafor", b"T123456", b"Test Valley Police Department",
                 b"9999-00101", b"Domestic Violence Response Update", b"(2.5)", b"24 November 2026",
                 b"ABCDEFGHJKLM", b"http://portal.example/verify/ABCDEFGHJKLM"):
        assert text in pdf, text
    assert b"/Count 1" in pdf  # one page


def test_pdf_accepts_any_text_and_stays_on_one_page():
    pdf = build(person_name="Zo\u00eb \u0141ukasiewicz-\u0106wik " * 10, agency_name=None,
                title="\u201cPursuit\u201d \u2014 Policy \u2026 \u65e5\u672c\u8a9e \U0001f6a8 " * 20)
    assert pdf.startswith(b"%PDF") and b"/Count 1" in pdf
    assert b"\"Pursuit\" - Policy ..." in pdf
    assert b"..." in pdf  # shortened to fit


def test_latin1_keeps_what_it_can():
    typed = "Zo\u00eb \u0141\u00f3d\u017a \u2013 caf\u00e9 \u201cx\u201d \u65e5"
    assert latin1(typed) == 'Zo\u00eb L\u00f3dz - caf\u00e9 "x" ?'
    assert long_date(date(2026, 1, 5)) == "5 January 2026"


def test_normalise_code():
    assert normalise_code("  abcd-efgh jklm ") == "ABCDEFGHJKLM"
    assert normalise_code("ab\u2013cd") == "ABCD"
    assert normalise_code(" - ") == ""


# --- downloading the PDF -------------------------------------------------------------------------


def test_owner_downloads_the_certificate(db_session, login_as, officer, record):
    response = login_as(officer).get(pdf_url(record))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="certificate-9999-00101-{officer.post_id}.pdf"')
    assert "no-store" in response.headers["Cache-Control"]
    pdf = response.data
    assert pdf.startswith(b"%PDF")
    assert record.verification_code.encode() in pdf
    assert f"/verify/{record.verification_code}".encode() in pdf
    for text in ("Dana Okafor", officer.post_id, "Domestic Violence Response Update", "24 November 2026"):
        assert text.encode() in pdf, text


@pytest.mark.parametrize("role", [Role.TRAINING_MANAGER, Role.ADMINISTRATOR])
def test_manager_of_the_agency_and_administrator_download(db_session, login_as, agency, record, role):
    viewer = make_person(db_session, role=role, agency=agency if role is Role.TRAINING_MANAGER else None)
    response = login_as(viewer).get(pdf_url(record))
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


@pytest.mark.parametrize("who", ["other_agency_manager", "colleague", "other_agency_officer"])
def test_anyone_else_gets_not_found(db_session, login_as, agency, record, who):
    viewer = {
        "other_agency_manager": lambda: make_person(db_session, role=Role.TRAINING_MANAGER),
        "colleague": lambda: make_person(db_session, agency=agency),
        "other_agency_officer": lambda: make_person(db_session),
    }[who]()
    response = login_as(viewer).get(pdf_url(record))
    assert response.status_code == 404
    assert b"%PDF" not in response.data and record.verification_code.encode() not in response.data


def test_missing_record_is_the_same_not_found(db_session, login_as, officer, record):
    missing = login_as(officer).get(f"/records/{record.id + 1000}/certificate.pdf")
    assert missing.status_code == 404


def test_anonymous_is_sent_to_sign_in(client, record):
    response = client.get(pdf_url(record))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


# --- public verification -------------------------------------------------------------------------


def test_verify_shows_the_certificate_and_nothing_more(client, officer, agency, record):
    response = client.get(f"/verify/{record.verification_code}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "This certificate is genuine" in page
    for text in ("Dana Okafor", "9999-00101", "Domestic Violence Response Update", "24 November 2026",
                 "<dd>2.5</dd>"):
        assert text in page, text
    for private in (officer.post_id, officer.email, officer.username, agency.name, agency.number):
        assert private not in page, private


@pytest.mark.parametrize("typed", [
    lambda c: c.lower(),
    lambda c: "-".join(re.findall("....", c)),
    lambda c: "-".join(re.findall("....", c.lower())),
])
def test_verify_accepts_lower_case_and_dashes(client, record, typed):
    response = client.get(f"/verify/{typed(record.verification_code)}")
    assert response.status_code == 200 and b"Dana Okafor" in response.data


def test_unknown_code_is_not_found_with_a_clear_message(client, record):
    wrong = "ZZZZZZZZZZZZ" if record.verification_code != "ZZZZZZZZZZZZ" else "YYYYYYYYYYYY"
    response = client.get(f"/verify/{wrong}")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert UNKNOWN_CODE in page
    assert "Dana Okafor" not in page
    assert 'aria-invalid="true"' in page


def test_verify_form_redirects_to_the_code_page(client, record):
    form = client.get("/verify")
    assert form.status_code == 200
    assert b'<label for="code">' in form.data and b'method="get"' in form.data
    spaced = " ".join(re.findall("....", record.verification_code.lower()))
    response = client.get("/verify", query_string={"code": f"  {spaced} "})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/verify/{record.verification_code}"
    assert client.get(response.headers["Location"]).status_code == 200


def test_verify_form_asks_again_for_an_empty_code(client):
    response = client.get("/verify", query_string={"code": " - "})
    assert response.status_code == 422
    assert b"Type the verification code" in response.data
