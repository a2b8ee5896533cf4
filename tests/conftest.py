"""Fixtures: every database test runs on SQLite and on PostgreSQL, schema built by the migrations.

Each test runs inside a transaction that is rolled back at the end (SQLAlchemy's savepoint recipe):
app code may commit, which only releases a savepoint.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from learning_portal import create_app, migrate
from learning_portal.accounts.models import Person
from learning_portal.config import TestConfig
from learning_portal.db import make_engine
from learning_portal.media.storage import LocalStorage, S3Storage, app_storage
from learning_portal.xapi import services as xapi
from learning_portal.xapi.statements import StatementSettings
from tests import pg
from tests.mail.smtp_server import SmtpProcess
from tests.net import free_port
from tests.xapi.receiver import BASE_URL, HOMEPAGE, LrsProcess

BACKENDS = [b for b in os.environ.get("PORTAL_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with pg.postgres_server() as url:
        yield url


def fresh_database_url(request: pytest.FixtureRequest, backend: str, tmp_dir: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_dir / 'portal.db'}"
    return pg.create_database(request.getfixturevalue("postgres_url"))


def migrated(url: str) -> str:
    """``url``, its database given the migrations' schema; no connection left open."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture
def committed_app(request: pytest.FixtureRequest, backend: str, app_on, tmp_path: Path) -> Flask:
    """An app on a fresh database of the test's own, for work that really commits (other sessions, the change
    feed on PostgreSQL, SQLite's locks), unlike the suite's rolled-back test transaction."""
    return app_on(migrated(fresh_database_url(request, backend, tmp_path)))


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
def database_url(request: pytest.FixtureRequest, backend: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    return fresh_database_url(request, backend, tmp_path_factory.mktemp(f"db-{backend}"))


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate.upgrade(engine)  # the schema comes only from the migrations
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def app(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    instance = tmp_path_factory.mktemp("instance")
    app = create_app(TestConfig, DATABASE_URL=engine.url.render_as_string(hide_password=False),
                     INSTANCE_PATH=str(instance))
    app.extensions["db_engine"].dispose()
    app.extensions["db_engine"] = engine
    return app


@pytest.fixture
def db_session(app: Flask, engine: Engine) -> Iterator[Session]:
    factory = app.extensions["db_sessionmaker"]
    connection = engine.connect()
    outer = connection.begin()
    factory.configure(bind=connection, join_transaction_mode="create_savepoint")
    session = factory()
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()
        factory.configure(bind=engine, join_transaction_mode="conservative_savepoint")


@pytest.fixture
def app_like(app: Flask, db_session: Session):
    """Build another app with different settings that shares this test's transaction."""
    built: list[Flask] = []

    def _build(**overrides) -> Flask:
        other = create_app(TestConfig, DATABASE_URL=app.config["DATABASE_URL"],
                           INSTANCE_PATH=app.config["INSTANCE_PATH"], **overrides)
        other.extensions["db_sessionmaker"] = app.extensions["db_sessionmaker"]
        built.append(other)
        return other

    yield _build
    for other in built:
        other.extensions["db_engine"].dispose()


@pytest.fixture
def app_on(tmp_path: Path):
    """Build an app on a database of the test's own; its connections are closed when the test ends."""
    built: list[Flask] = []

    def _build(url: str, **overrides) -> Flask:
        other = create_app(TestConfig, DATABASE_URL=url, INSTANCE_PATH=str(tmp_path), **overrides)
        built.append(other)
        return other

    yield _build
    for other in built:
        other.extensions["db_engine"].dispose()


@pytest.fixture
def client(app: Flask, db_session: Session) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def login_as(client: FlaskClient):
    """Sign the test client in as ``person`` without going through the form."""

    def _login(person: Person) -> FlaskClient:
        with client.session_transaction() as sess:
            sess["_user_id"] = person.get_id()
            sess["_fresh"] = True
        return client

    return _login


@pytest.fixture
def signed_in(app: Flask, db_session: Session):
    """A separate browser-like client per person, signed in without the form."""

    def _client(person: Person) -> FlaskClient:
        client = app.test_client()
        with client.session_transaction() as sess:
            sess["_user_id"] = person.get_id()
            sess["_fresh"] = True
        return client

    return _client


# --- media storage: a local folder, and a real S3 endpoint over HTTP (moto_server on loopback) ---------------


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    exe = Path(sys.executable).with_name("moto_server")
    proc = subprocess.Popen([str(exe), "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("moto_server did not start") from None
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in (("AWS_ACCESS_KEY_ID", "test"), ("AWS_SECRET_ACCESS_KEY", "test"),
                        ("AWS_DEFAULT_REGION", "us-east-1")):
        monkeypatch.setenv(name, value)


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path):
    if request.param == "local":
        return LocalStorage(tmp_path / "media")
    request.getfixturevalue("aws_credentials")
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = f"portal-{uuid.uuid4().hex[:12]}"
    store = S3Storage(bucket, "media", endpoint_url=endpoint)
    store.client.create_bucket(Bucket=bucket)
    return store


@pytest.fixture
def s3_app(app_like, s3_endpoint: str, aws_credentials: None) -> Flask:
    """The app with its media in a fresh bucket of the S3 endpoint."""
    bucket = f"portal-{uuid.uuid4().hex[:12]}"
    app = app_like(MEDIA_STORAGE=f"s3://{bucket}/media", S3_ENDPOINT_URL=s3_endpoint)
    app_storage(app).client.create_bucket(Bucket=bucket)
    return app


@pytest.fixture(scope="session")
def smtp_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SmtpProcess]:
    """A real SMTP server process on loopback (aiosmtpd), for the whole run."""
    server = SmtpProcess.start(tmp_path_factory.mktemp("smtp") / "maildir")
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_process: SmtpProcess) -> SmtpProcess:
    """The SMTP server with nothing received yet."""
    smtp_process.clear()
    return smtp_process


@pytest.fixture(scope="session")
def lrs_process() -> Iterator[LrsProcess]:
    lrs, proc = LrsProcess.start()
    yield lrs
    proc.terminate()
    proc.wait(timeout=10)
    proc.stdout.close()


@pytest.fixture
def lrs(lrs_process: LrsProcess) -> LrsProcess:
    lrs_process.control(reset=True)
    return lrs_process


@pytest.fixture
def xapi_on(app: Flask, db_session: Session) -> Iterator[StatementSettings]:
    """This test's sessions record statements, as an app with an LRS configured does."""
    settings = StatementSettings(base_url=BASE_URL, homepage=HOMEPAGE)
    factory = app.extensions["db_sessionmaker"]
    factory.configure(info={xapi.SETTINGS_KEY: settings})
    db_session.info[xapi.SETTINGS_KEY] = settings
    yield settings
    factory.kw.pop("info", None)
    db_session.info.pop(xapi.SETTINGS_KEY, None)
