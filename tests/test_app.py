"""The app factory: configuration from PORTAL_* variables, no I/O, a secret key generated once."""

import pytest

from learning_portal import create_app
from learning_portal.config import Config, ConfigError, TestConfig


def test_factory_does_no_database_io(tmp_path):
    # An unreachable server would hang or fail any connection attempt; the factory must not make one.
    app = create_app(TestConfig, DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none",
                     INSTANCE_PATH=str(tmp_path))
    assert app.extensions["db_engine"].pool.checkedout() == 0


def test_configuration_comes_from_portal_environment_variables(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_DATABASE_URL", f"sqlite:///{tmp_path}/x.db")
    monkeypatch.setenv("PORTAL_LOGIN_MAX_FAILURES", "7")
    monkeypatch.setenv("PORTAL_DEMO", "true")
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path))
    app = create_app(Config)
    assert app.config["DATABASE_URL"].endswith("x.db")
    assert app.config["LOGIN_MAX_FAILURES"] == 7 and app.config["DEMO"] is True
    assert app.config["SESSION_COOKIE_SECURE"] is True  # secure unless explicitly turned off


def test_secret_key_is_generated_once_and_reused(tmp_path):
    first = create_app(Config, INSTANCE_PATH=str(tmp_path)).config["SECRET_KEY"]
    second = create_app(Config, INSTANCE_PATH=str(tmp_path)).config["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(("overrides", "message"), [
    ({"SECRET_KEY": "short"}, "32 characters"),
    ({"CREDIT_POSTER": "sometimes"}, "PORTAL_CREDIT_POSTER"),
    ({"RECORDS_FORWARD_URL": "http://127.0.0.1:9/"}, "PORTAL_RECORDS_HMAC_KEY"),
])
def test_unworkable_settings_fail_fast(tmp_path, overrides, message):
    with pytest.raises(ConfigError, match=message):
        create_app(Config, INSTANCE_PATH=str(tmp_path), **overrides)


def test_links_built_once_match_url_for(app):
    from flask import url_for

    from learning_portal.web.filters import links

    with app.test_request_context():
        certificate = links("certificates.certificate_pdf", "record_id")
        assert [certificate(i) for i in (1, 42, 2**31 - 2)] == [
            url_for("certificates.certificate_pdf", record_id=i) for i in (1, 42, 2**31 - 2)]
