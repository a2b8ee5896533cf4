"""Property-based checks of the edges people type into: any text in the sign-in form, the check-in code,
the dashboard's filters and the people import gets an answer, never a server error; ids and CSV cells are
always made safe."""

from __future__ import annotations

import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from learning_portal.accounts.models import Role
from learning_portal.csvfile import write_rows
from learning_portal.db import ID_MAX, as_id
from tests.factories import REAL_CONTENT, load_content, make_person

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=80)  # any text a browser can send
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


@settings(max_examples=500, derandomize=True, database=None)
@given(st.one_of(TEXT, st.integers(), st.booleans(), st.none(), st.floats()))
def test_an_id_is_in_range_or_none(value):
    found = as_id(value)
    assert found is None or (type(found) is int and 0 < found <= ID_MAX)


@settings(max_examples=300, derandomize=True, database=None)
@given(st.lists(st.lists(TEXT, min_size=1, max_size=4), min_size=1, max_size=5))
def test_exported_cells_never_start_a_formula_and_read_back(rows):
    text = "".join(write_rows(rows))
    read = list(csv.reader(io.StringIO(text)))
    assert len(read) == len(rows)
    for got, sent in zip(read, rows, strict=True):
        for cell, original in zip(got, sent, strict=True):
            assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r")
            assert cell in (original, "'" + original)


def test_typed_input_never_causes_a_server_error(app, db_session, signed_in):
    load_content(db_session, REAL_CONTENT, slugs=())
    manager = make_person(db_session, role=Role.TRAINING_MANAGER)
    as_manager, anonymous = signed_in(manager), app.test_client()
    dashboard = f"/compliance/agencies/{manager.agency_id}"

    @SETTINGS
    @given(username=TEXT, password=TEXT, code=TEXT, q=TEXT, status=TEXT, sort=TEXT, page=TEXT)
    def typed(username, password, code, q, status, sort, page):
        answers = [
            anonymous.post("/login", data={"username": username, "password": password}),
            as_manager.post("/checkin", data={"code": code}),
            as_manager.get(dashboard, query_string={"q": q, "status": status, "sort": sort, "page": page}),
            as_manager.get(f"{dashboard}/export.csv", query_string={"q": q, "requirement": status}),
            as_manager.get("/people", query_string={"q": q, "page": page}),
        ]
        for response in answers:
            response.get_data()
            assert response.status_code < 500, response.request.path

    typed()
