
from sqlalchemy import select

from learning_portal.accounts.models import Agency, Person, Role
from tests.factories import PASSWORD, make_agency, make_jurisdiction, make_person


def sign_in(client, username, password=PASSWORD):
    return client.post("/login", data={"username": username, "password": password})


def test_sign_in_and_out(client, db_session):
    person = make_person(db_session, first_name="Ana")
    response = sign_in(client, person.username)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/")
    assert b"Welcome, Ana" in page.data
    assert client.post("/logout").status_code == 302
    assert client.get("/").headers["Location"].endswith("/login")


def test_wrong_password_shows_a_clear_message_and_keeps_the_username(client, db_session):
    person = make_person(db_session)
    response = sign_in(client, person.username, "wrong password")
    assert response.status_code == 401
    assert b"Wrong username or password" in response.data
    assert f'value="{person.username}"'.encode() in response.data
    assert b'aria-invalid="true"' in response.data


def test_lockout_after_repeated_failures_is_shown(client, db_session, app):
    person = make_person(db_session)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        response = sign_in(client, person.username, "wrong password")
    assert response.status_code == 429 and b"locked until" in response.data
    assert sign_in(client, person.username).status_code == 429


def test_login_redirects_only_to_local_paths(client, db_session):
    person = make_person(db_session)
    response = client.post("/login?next=//evil.example/x", data={"username": person.username,
                                                                 "password": PASSWORD})
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = client.post("/login?next=/account", data={"username": person.username, "password": PASSWORD})
    assert response.headers["Location"] == "/account"


def test_pages_need_sign_in(client):
    for path in ("/", "/account", "/people", "/admin/agencies"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_each_role_gets_its_own_start_page(client, db_session, login_as):
    expected = {Role.OFFICER: b"Your training", Role.DISPATCHER: b"Dispatcher training",
                Role.INSTRUCTOR: b"Facilitating training", Role.TRAINING_MANAGER: b"people on your agency",
                Role.ADMINISTRATOR: b"Agencies by jurisdiction"}
    for role, marker in expected.items():
        login_as(make_person(db_session, role=role))
        page = client.get("/")
        assert page.status_code == 200 and marker in page.data, role


def test_manager_sees_only_their_agency(client, db_session, login_as):
    mine, other = make_agency(db_session), make_agency(db_session)
    manager = make_person(db_session, role=Role.TRAINING_MANAGER, agency=mine)
    colleague = make_person(db_session, agency=mine, last_name="Colleague")
    stranger = make_person(db_session, agency=other, last_name="Stranger")
    login_as(manager)
    page = client.get("/people")
    assert b"Colleague" in page.data and b"Stranger" not in page.data
    assert client.get(f"/people/{colleague.id}").status_code == 200
    assert client.get(f"/people/{stranger.id}").status_code == 404
    # The agency filter is for administrators; a manager cannot widen the scope with it.
    assert b"Stranger" not in client.get(f"/people?agency={other.id}").data


def test_officer_cannot_list_people_or_open_someone_else(client, db_session, login_as):
    officer = make_person(db_session)
    other = make_person(db_session, agency=officer.agency)
    login_as(officer)
    assert client.get("/people").status_code == 403
    assert client.get(f"/people/{other.id}").status_code == 404
    assert client.get(f"/people/{officer.id}").status_code == 200
    assert client.get("/admin/agencies").status_code == 403


def test_people_search_and_pagination(client, db_session, login_as):
    agency = make_agency(db_session)
    for i in range(3):
        make_person(db_session, agency=agency, last_name=f"Searchable{i}")
    login_as(make_person(db_session, role=Role.ADMINISTRATOR))
    page = client.get(f"/people?q=searchable&agency={agency.id}&per_page=2")
    assert page.data.count(b"Searchable") == 2 and b"Page 1 of 2" in page.data
    assert client.get(f"/people?q=searchable&agency={agency.id}&per_page=2&page=2").data.count(b"Searchable") == 1


def test_admin_creates_an_agency_and_sees_field_errors(client, db_session, login_as):
    make_jurisdiction(db_session, "CO-POST")
    login_as(make_person(db_session, role=Role.ADMINISTRATOR))
    response = client.post("/admin/agencies", data={"jurisdiction": "CO-POST", "number": "777",
                                                    "name": "Mesa Police"})
    assert response.status_code == 302
    assert db_session.scalar(select(Agency).where(Agency.number == "777")).name == "Mesa Police"
    again = client.post("/admin/agencies", data={"jurisdiction": "CO-POST", "number": "777", "name": "Dup"})
    assert again.status_code == 409 and b"already in use" in again.data
    bad = client.post("/admin/agencies", data={"jurisdiction": "Colorado", "number": "1", "name": "X"})
    assert bad.status_code == 422 and b"CA-POST or CO-POST" in bad.data


def test_admin_adds_a_person_who_can_then_sign_in(client, db_session, login_as, app):
    agency = make_agency(db_session)
    login_as(make_person(db_session, role=Role.ADMINISTRATOR))
    response = client.post("/admin/people/new", data={
        "post_id": "Z9001", "first_name": "Zed", "last_name": "Ortiz", "role": "officer",
        "agency_id": str(agency.id), "rank_tier": "line", "assignment": "patrol",
        "hire_date": "2024-02-01", "password": "a long initial password"})
    assert response.status_code == 302
    person = db_session.scalar(select(Person).where(Person.post_id == "Z9001"))
    assert person.agency_id == agency.id
    client.post("/logout")
    assert sign_in(client, "z9001", "a long initial password").status_code == 302


def test_admin_add_person_without_agency_is_refused_for_an_officer(client, db_session, login_as):
    login_as(make_person(db_session, role=Role.ADMINISTRATOR))
    response = client.post("/admin/people/new", data={
        "post_id": "Z9002", "first_name": "Zed", "last_name": "Ortiz", "role": "officer", "agency_id": "0",
        "rank_tier": "line", "assignment": "patrol"})
    assert response.status_code == 422 and b"belongs to an agency" in response.data
    assert db_session.scalar(select(Person).where(Person.post_id == "Z9002")) is None


def test_admin_sets_a_password_and_the_person_can_sign_in(client, db_session, login_as):
    person = make_person(db_session, password=None)
    login_as(make_person(db_session, role=Role.ADMINISTRATOR))
    assert b"cannot sign in" in client.get(f"/people/{person.id}").data
    assert client.post(f"/admin/people/{person.id}/password", data={"password": "temporary passphrase"}
                       ).status_code == 302
    client.post("/logout")
    assert sign_in(client, person.username, "temporary passphrase").status_code == 302


def test_change_own_password_keeps_this_session(client, db_session):
    person = make_person(db_session)
    sign_in(client, person.username)
    response = client.post("/account", data={"current_password": PASSWORD, "new_password": "another passphrase",
                                             "confirm": "another passphrase"})
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    client.post("/logout")
    assert sign_in(client, person.username).status_code == 401
    assert sign_in(client, person.username, "another passphrase").status_code == 302
