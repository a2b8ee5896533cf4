"""Input no honest client sends still gets a clear 4xx, never a server error: JSON nested past any
sensible depth, strings with lone UTF-16 surrogates (not encodable as UTF-8, so not storable), and NUL bytes
inside an uploaded CSV file."""

from __future__ import annotations

import io

from sqlalchemy import select

from learning_portal.accounts.models import Person, Role
from tests.factories import make_agency, make_person


def test_deeply_nested_json_is_a_400(client, login_as, db_session):
    login_as(make_person(db_session))
    depth = 100_000
    body = '{"code": ' + "[" * depth + "]" * depth + "}"
    refused = client.post("/api/v1/checkins", data=body, content_type="application/json")
    assert refused.status_code == 400
    assert "nested" in refused.json["error"]["message"]


def test_json_nested_within_the_limit_is_read_and_beyond_it_refused(client, login_as, db_session):
    login_as(make_person(db_session))

    def nested(depth: int):
        body = '{"code": ' + "[" * depth + "]" * depth + "}"
        return client.post("/api/v1/checkins", data=body, content_type="application/json")

    assert nested(20).status_code == 422  # read, then judged: the code must be text
    refused = nested(40)  # parsed by Python without trouble, but deeper than any request of ours
    assert refused.status_code == 400 and "nested more than 32" in refused.json["error"]["message"]


def test_a_lone_surrogate_in_json_is_a_400(client, login_as, db_session):
    login_as(make_person(db_session))
    for body in ('{"code": "12\\ud800"}', '{"\\udfff": "1234"}', '{"code": ["\\ud83d"]}'):
        refused = client.post("/api/v1/checkins", data=body, content_type="application/json")
        assert refused.status_code == 400, body
        assert "UTF-8" in refused.json["error"]["message"]
    paired = client.post("/api/v1/checkins", data='{"code": "\\ud83d\\ude00"}', content_type="application/json")
    assert paired.status_code != 400  # a correctly paired surrogate is an ordinary character


def test_nul_bytes_in_an_uploaded_csv_are_a_422_naming_the_line(client, db_session, login_as):
    make_agency(db_session, number="55")
    login_as(make_person(db_session, role=Role.ADMINISTRATOR))
    data = (b"post_id,first_name,last_name,role,jurisdiction,agency_number\n"
            b"C100,Ann,Bo,officer,CA-POST,55\nC200,Cy\x00,Bo,officer,CA-POST,55\n")
    response = client.post("/admin/people/import", data={"file": (io.BytesIO(data), "people.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Line 3" in page and "NUL" in page
    assert db_session.scalar(select(Person).where(Person.post_id == "C100")) is None
