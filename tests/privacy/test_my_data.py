"""My data: a person sees and downloads everything held about them, without secrets, and who looked at it."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import timedelta

from sqlalchemy import inspect

from learning_portal.accounts import two_factor
from learning_portal.accounts.models import Role
from learning_portal.accounts.services import issue_api_token
from learning_portal.models import metadata
from learning_portal.privacy import services
from tests.factories import NOW, PASSWORD, make_person


def test_every_table_about_a_person_is_in_the_export():
    covered = {model.__tablename__ for _, model, _ in services.SECTIONS} | set(services.NOT_PERSONAL) | {"people"}
    with_person = {t.name for t in metadata.sorted_tables if "person_id" in t.c}
    assert with_person <= covered, f"add these to privacy.services.SECTIONS: {with_person - covered}"


def test_a_person_downloads_everything_without_secrets(signed_in, db_session):
    person = make_person(db_session)
    manager = make_person(db_session, role=Role.TRAINING_MANAGER, agency=person.agency)
    issue_api_token(db_session, person=person, now=NOW, ttl=timedelta(days=30))
    secret = two_factor.begin_setup(db_session, person=person, now=NOW)
    assert signed_in(manager).get(f"/people/{person.id}/profile").status_code == 200
    me = signed_in(person)
    page = me.get("/my/data").get_data(as_text=True)
    assert "Who looked at your record" in page and manager.full_name in page and "training profile" in page
    exported = me.get("/my/data.json")
    assert exported.status_code == 200 and "attachment" in exported.headers["Content-Disposition"]
    data = exported.json
    assert data["account"][0]["post_id"] == person.post_id and len(data["api_tokens"]) == 1
    text = exported.get_data(as_text=True)
    for hidden in (secret, person.password_hash, person.login_nonce, PASSWORD):
        assert hidden not in text
    assert any(e["action"] == "personal_data.viewed" and e["about_you"] for e in data["audit_log"])
    archive = zipfile.ZipFile(io.BytesIO(me.get("/my/data.zip").data))
    assert {"account.csv", "training_records.csv", "audit_log.csv"} <= set(archive.namelist())
    account = list(csv.DictReader(io.StringIO(archive.read("account.csv").decode())))
    assert account[0]["username"] == person.username and "password_hash" not in account[0]
    assert set(inspect(type(person)).columns.keys()) - services.SECRET_COLUMNS <= set(account[0])
