"""Demo accounts exactly as in DESIGN.md section 5, only with PORTAL_DEMO on."""

from sqlalchemy import func, select

from learning_portal.accounts.models import Agency, Person, Role
from learning_portal.demo import services
from tests.factories import NOW

CONTRACT = {"officer": Role.OFFICER, "dispatcher": Role.DISPATCHER, "instructor": Role.INSTRUCTOR,
            "manager": Role.TRAINING_MANAGER, "admin": Role.ADMINISTRATOR}


def test_demo_load_is_refused_unless_demo_is_on(app):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code != 0 and "PORTAL_DEMO" in result.output


def test_demo_accounts_sign_in_and_see_their_role_page(client, db_session):
    services.load_demo(db_session, now=NOW)
    agencies = {a.jurisdiction: a for a in db_session.scalars(select(Agency).where(Agency.number.like("99%")))}
    assert {"CA-POST", "CO-POST"} <= set(agencies)
    markers = {"officer": b"Your training", "dispatcher": b"Dispatcher training",
               "instructor": b"Facilitating training", "manager": b"people on your agency",
               "admin": b"Agencies by jurisdiction"}
    for username, role in CONTRACT.items():
        person = db_session.scalar(select(Person).where(Person.username == username))
        assert person.role is role
        response = client.post("/login", data={"username": username, "password": "demo-password"})
        assert response.status_code == 302, username
        assert markers[username] in client.get("/").data, username
        token = client.post("/api/v1/auth/token", json={"username": username, "password": "demo-password"})
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token.json['token']}"})
        assert me.json["username"] == username
        client.post("/logout")
    manager = db_session.scalar(select(Person).where(Person.username == "manager"))
    assert manager.agency_id == agencies["CA-POST"].id


def test_demo_load_is_idempotent(db_session):
    services.load_demo(db_session, now=NOW)
    count = db_session.scalar(select(func.count(Person.id)))
    assert services.load_demo(db_session, now=NOW) == (0, 0)
    assert db_session.scalar(select(func.count(Person.id))) == count


def test_demo_cli_loads_when_demo_is_on(app_like, db_session):
    result = app_like(DEMO=True).test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert db_session.scalar(select(Person).where(Person.username == "officer")) is not None


def test_demo_videos_are_made_captioned_and_published(app_like, db_session, tmp_path):
    from learning_portal.media.models import MediaAsset

    runner = app_like(DEMO=True, MEDIA_STORAGE=f"local:{tmp_path / 'media'}").test_cli_runner()
    result = runner.invoke(args=["demo", "videos", "--slug", "dyk-night-driving"])
    assert result.exit_code == 0, result.output
    asset = db_session.scalar(select(MediaAsset).where(MediaAsset.slug == "dyk-night-driving"))
    assert asset.is_published and asset.duration_s > 10 and "windshield" in asset.transcript
    assert (tmp_path / "media" / asset.storage_prefix / "hls" / "master.m3u8").is_file()
    again = runner.invoke(args=["demo", "videos", "--slug", "dyk-night-driving"])
    assert "already there" in again.output
    refused = app_like(DEMO=False).test_cli_runner().invoke(args=["demo", "videos"])
    assert refused.exit_code != 0 and "PORTAL_DEMO" in refused.output
