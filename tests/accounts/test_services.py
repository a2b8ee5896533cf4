from datetime import timedelta

import pytest
from sqlalchemy import func, select

from learning_portal.accounts import services
from learning_portal.accounts.models import Person, Role
from learning_portal.errors import ConflictError, PermissionDeniedError, ValidationError
from tests.factories import NOW, PASSWORD, make_agency, make_jurisdiction, make_person

POLICY = services.LoginPolicy(max_failures=3, lockout=timedelta(minutes=15))


def count_people(session) -> int:
    return session.scalar(select(func.count(Person.id)))


# --- sign-in --------------------------------------------------------------------------------------


def test_authenticate_accepts_the_right_password_case_insensitive_username(db_session):
    person = make_person(db_session, username="rivera")
    assert services.check_password(db_session, username="  Rivera ", password=PASSWORD, now=NOW) is person
    services.finish_sign_in(db_session, person=person, now=NOW)
    assert person.last_login_at == NOW


def test_wrong_password_is_counted(db_session):
    person = make_person(db_session)
    with pytest.raises(services.InvalidCredentialsError, match="^Wrong username or password.$"):
        services.check_password(db_session, username=person.username, password="nope", now=NOW, policy=POLICY)
    assert person.failed_logins == 1


def outcomes(db_session, username: str, attempts: int, start=NOW) -> list[tuple[str, str]]:
    seen = []
    for n in range(attempts):
        try:
            services.check_password(db_session, username=username, password="not the password",
                                    now=start + timedelta(seconds=n), policy=POLICY)
        except services.AuthenticationError as exc:
            seen.append((type(exc).__name__, exc.message))
    return seen


def test_known_and_unknown_usernames_answer_alike_through_the_lock(db_session):
    """Messages and the lock-out are the same whether the account exists, so guessing does not tell."""
    person = make_person(db_session)
    known, unknown = outcomes(db_session, person.username, 6), outcomes(db_session, "nobody-here", 6)
    assert known == unknown
    assert [kind for kind, _ in known] == ["InvalidCredentialsError"] * 2 + ["AccountLockedError"] * 4
    # Both open again after the lock-out.
    later = NOW + timedelta(minutes=16)
    known, unknown = outcomes(db_session, person.username, 1, later), outcomes(db_session, "nobody-here", 1, later)
    assert known == unknown == [("InvalidCredentialsError", "Wrong username or password.")]


def test_a_right_password_with_a_code_still_owed_does_not_use_up_an_attempt(db_session):
    person = make_person(db_session)
    outcomes(db_session, person.username, 2)
    services.check_password(db_session, username=person.username, password=PASSWORD, now=NOW, policy=POLICY)
    assert person.failed_logins == 2


def test_repeated_failures_lock_the_account_even_for_the_right_password(db_session):
    person = make_person(db_session)
    for _ in range(2):
        with pytest.raises(services.InvalidCredentialsError):
            services.check_password(db_session, username=person.username, password="bad", now=NOW, policy=POLICY)
    with pytest.raises(services.AccountLockedError) as locked:
        services.check_password(db_session, username=person.username, password="bad", now=NOW, policy=POLICY)
    assert locked.value.until == NOW + timedelta(minutes=15)
    later = NOW + timedelta(minutes=14)
    with pytest.raises(services.AccountLockedError, match="locked until"):
        services.check_password(db_session, username=person.username, password=PASSWORD, now=later, policy=POLICY)
    # After the lock-out the right password works again and the counter starts afresh.
    after = NOW + timedelta(minutes=16)
    assert services.check_password(db_session, username=person.username, password=PASSWORD, now=after,
                                   policy=POLICY) is person
    services.finish_sign_in(db_session, person=person, now=after)
    assert person.failed_logins == 0 and person.locked_until is None


def test_disabled_account_cannot_sign_in(db_session):
    person = make_person(db_session, is_enabled=False)
    with pytest.raises(services.InvalidCredentialsError, match="disabled"):
        services.check_password(db_session, username=person.username, password=PASSWORD, now=NOW)


def test_account_without_password_cannot_sign_in(db_session):
    person = make_person(db_session, password=None)
    with pytest.raises(services.InvalidCredentialsError):
        services.check_password(db_session, username=person.username, password="", now=NOW)


def test_session_id_stops_working_after_password_change(db_session):
    person = make_person(db_session)
    old_id = person.get_id()
    assert services.load_session_user(db_session, old_id) is person
    services.change_own_password(db_session, person=person, current=PASSWORD, new="a brand new passphrase", now=NOW)
    assert services.load_session_user(db_session, old_id) is None
    assert services.load_session_user(db_session, person.get_id()) is person
    assert services.load_session_user(db_session, "garbage") is None


def test_change_password_checks_the_current_one_and_the_length(db_session):
    person = make_person(db_session)
    with pytest.raises(ValidationError, match="current password"):
        services.change_own_password(db_session, person=person, current="wrong", new="a brand new passphrase", now=NOW)
    with pytest.raises(ValidationError, match="12 characters"):
        services.change_own_password(db_session, person=person, current=PASSWORD, new="short", now=NOW)


def test_a_new_password_revokes_api_tokens(db_session):
    person = make_person(db_session)
    raw, _ = services.issue_api_token(db_session, person=person, now=NOW, ttl=timedelta(hours=1))
    services.change_own_password(db_session, person=person, current=PASSWORD, new="a brand new passphrase", now=NOW)
    with pytest.raises(services.InvalidTokenError):
        services.authenticate_token(db_session, raw=raw, now=NOW)


# --- tokens ---------------------------------------------------------------------------------------


def test_token_round_trip_expiry_and_forgery(db_session):
    person = make_person(db_session)
    raw, token = services.issue_api_token(db_session, person=person, now=NOW, ttl=timedelta(hours=1))
    assert raw.startswith("lp_") and token.token_hash != raw  # only a digest is stored
    assert services.authenticate_token(db_session, raw=raw, now=NOW + timedelta(minutes=59)).person is person
    with pytest.raises(services.ExpiredTokenError):
        services.authenticate_token(db_session, raw=raw, now=NOW + timedelta(hours=1))
    with pytest.raises(services.InvalidTokenError):
        services.authenticate_token(db_session, raw=raw[:-2] + "xx", now=NOW)
    with pytest.raises(services.InvalidTokenError):
        services.authenticate_token(db_session, raw="not-a-token", now=NOW)
    token.revoked_at = NOW
    with pytest.raises(services.InvalidTokenError):
        services.authenticate_token(db_session, raw=raw, now=NOW)


# --- agencies and people --------------------------------------------------------------------------


def test_admin_creates_agency_and_duplicate_is_a_conflict(db_session):
    make_jurisdiction(db_session, "CO-POST")
    admin = make_person(db_session, role=Role.ADMINISTRATOR)
    agency = services.create_agency(db_session, actor=admin, jurisdiction="co-post", number="123",
                                    name="  Mesa   County SO ", now=NOW)
    assert (agency.jurisdiction, agency.name) == ("CO-POST", "Mesa County SO")
    with pytest.raises(ConflictError):
        services.create_agency(db_session, actor=admin, jurisdiction="CO-POST", number="123", name="x", now=NOW)


def test_an_agency_needs_a_jurisdiction_the_portal_has_rules_for(db_session):
    make_jurisdiction(db_session, "CA-POST")
    admin = make_person(db_session, role=Role.ADMINISTRATOR)
    with pytest.raises(ValidationError) as err:
        services.create_agency(db_session, actor=admin, jurisdiction="TX-TCOLE", number="7", name="Austin PD", now=NOW)
    assert "Unknown jurisdiction TX-TCOLE" in err.value.details["jurisdiction"]
    assert "CA-POST" in err.value.details["jurisdiction"]


def test_agency_validation_names_each_bad_field(db_session):
    admin = make_person(db_session, role=Role.ADMINISTRATOR)
    with pytest.raises(ValidationError) as err:
        services.create_agency(db_session, actor=admin, jurisdiction="California", number="a b", name="",
                               now=NOW)
    assert set(err.value.details) == {"jurisdiction", "number", "name"}


def test_administrators_create_agencies_and_managers_add_their_own_people(db_session):
    manager = make_person(db_session, role=Role.TRAINING_MANAGER)
    with pytest.raises(PermissionDeniedError):
        services.create_agency(db_session, actor=manager, jurisdiction="CA-POST", number="1", name="X", now=NOW)
    data = services.PersonInput(post_id="A1234", first_name="A", last_name="B", role="officer",
                                agency_id=manager.agency_id)
    assert services.create_person(db_session, actor=manager, data=data, now=NOW).agency_id == manager.agency_id
    elsewhere = services.PersonInput(post_id="A1235", first_name="A", last_name="B", role="officer",
                                     agency_id=make_agency(db_session).id)
    staff = services.PersonInput(post_id="A1236", first_name="A", last_name="B", role="administrator",
                                 agency_id=manager.agency_id)
    for refused, actor in ((elsewhere, manager), (staff, manager), (data, make_person(db_session))):
        with pytest.raises(PermissionDeniedError):
            services.create_person(db_session, actor=actor, data=refused, now=NOW)


def test_create_person_normalises_and_rejects_duplicate_post_id(db_session):
    admin = make_person(db_session, role=Role.ADMINISTRATOR)
    agency = make_agency(db_session)
    data = services.PersonInput(post_id=" a1234 ", first_name=" Ana ", last_name="Lee", role="Officer",
                                agency_id=agency.id, assignment="Field Training", hire_date="03/31/2024")
    person = services.create_person(db_session, actor=admin, data=data, now=NOW, password="long enough pass")
    assert (person.post_id, person.username, person.first_name) == ("A1234", "a1234", "Ana")
    assert person.assignment.value == "field_training" and str(person.hire_date) == "2024-03-31"
    with pytest.raises(ConflictError):
        services.create_person(db_session, actor=admin, data=data, now=NOW)


def test_create_person_reports_every_bad_field(db_session):
    admin = make_person(db_session, role=Role.ADMINISTRATOR)
    data = services.PersonInput(post_id="1", first_name="", last_name="B", role="sheriff", email="x@",
                                hire_date="31/31/2024", is_reserve="maybe")
    with pytest.raises(ValidationError) as err:
        services.create_person(db_session, actor=admin, data=data, now=NOW, password="short")
    assert set(err.value.details) == {"post_id", "first_name", "role", "email", "hire_date", "is_reserve",
                                      "agency_id", "password"}

