"""Database plumbing: declarative Base, engine factory, the shared session factory.

Each app holds one session factory (``app.extensions["db_sessionmaker"]``) that serves web
requests (``get_session()``, closed on teardown), the CLI and the workers. Services flush;
the boundary (view, CLI command, worker loop) commits once.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Date, DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


ID_MAX = 2**31 - 1  # ids are PostgreSQL integers


def as_id(value: object) -> int | None:
    """A database id from JSON, form or query input: a positive integer in range (an int, or ASCII digits with
    surrounding spaces), else None, so a huge or odd value is "not found" rather than a driver overflow."""
    if isinstance(value, str):
        text = value.strip()
        value = int(text) if text.isascii() and text.isdecimal() and len(text) <= 10 else None
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 < value <= ID_MAX else None


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the offset otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; services must use aware UTC datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), date: Date()}


def enum_column(enum_cls: type[enum.Enum], length: int = 32) -> Any:
    """Store a StrEnum by value in a plain string column (no native DB enum to migrate)."""
    from sqlalchemy import Enum

    return Enum(
        enum_cls,
        values_callable=lambda e: [m.value for m in e],
        native_enum=False,
        length=length,
        validate_strings=True,
        create_constraint=False,
    )


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with the per-backend settings the portal relies on."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        _configure_sqlite(engine)
        return engine
    # No ping on every checkout (a round trip per request): connections are recycled before servers or
    # proxies drop idle ones, and one dropped anyway fails its request and is discarded with the pool's others.
    return create_engine(url, pool_recycle=1800, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    # WAL, a busy timeout, foreign keys on. pysqlite's own transaction handling breaks SAVEPOINT, so we
    # emit BEGIN ourselves (the recipe from the SQLAlchemy SQLite dialect docs).
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front (BEGIN IMMEDIATE): a deferred transaction that reads, then
        # writes after another connection (say the in-process poster) committed, fails at once with "database
        # is locked" (the busy timeout does not apply to that case); IMMEDIATE waits its turn instead.
        # Reads begin DEFERRED, side by side with everything: a GET (see ``_reads_first``; one that writes
        # after all and meets that case is run again, IMMEDIATE), or a job that asks for
        # execution_options(sqlite_begin="DEFERRED").
        mode = conn.get_execution_options().get("sqlite_begin") or (
            "DEFERRED" if has_request_context() and g.get("sqlite_reads_first") else "IMMEDIATE")
        conn.exec_driver_sql("BEGIN DEFERRED" if mode == "DEFERRED" else "BEGIN IMMEDIATE")


def upsert_by_key(session: Session, model: type, key: str, values: dict[str, Any], *,
                  now: datetime | None = None) -> bool:
    """Insert the row with primary key ``key``, or update it to ``values``; True when anything changed.

    For reference data loaded from content (jurisdictions, requirements, categories).
    """
    row = session.get(model, key)
    stamp = {"updated_at": now} if now is not None else {}
    if row is None:
        session.add(model(**{model.__mapper__.primary_key[0].name: key}, **values, **stamp))
        return True
    if all(getattr(row, k) == v for k, v in values.items()):
        return False
    for name, value in {**values, **stamp}.items():
        setattr(row, name, value)
    return True


def init_app(app: Flask) -> None:
    """Bind the session factory to this app's engine. Creates no connection (engines are lazy)."""
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["db_engine"] = engine
    app.extensions["db_sessionmaker"] = sessionmaker(bind=engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)
    if engine.dialect.name == "sqlite":
        app.before_request(_reads_first)
        app.register_error_handler(OperationalError, _locked_while_reading)
        app.wsgi_app = _RunAgainWithTheWriteLock(app.wsgi_app)  # type: ignore[method-assign]


READING_METHODS = ("GET", "HEAD", "OPTIONS")
_AGAIN = "learning_portal.sqlite_write_lock"  # in the WSGI environ: "due", then "taken"


def _reads_first() -> None:
    """A GET reads: on SQLite its transactions begin DEFERRED, without waiting for the write lock (unless this
    is its second run)."""
    g.sqlite_reads_first = request.method in READING_METHODS and _AGAIN not in request.environ


def _locked_while_reading(exc: OperationalError) -> Any:
    """A GET that wrote after another connection committed since it began reading: SQLite refuses the write at
    once ("database is locked"). Its transaction is rolled back at teardown, and the whole request (sign-in,
    token check and all) is run again, IMMEDIATE (``_RunAgainWithTheWriteLock``). What it committed before the
    refusal, if anything, stays: GETs write little (an audit entry, a lesson's opening) and once."""
    if not g.get("sqlite_reads_first") or "database is locked" not in str(exc.orig):
        raise exc
    request.environ[_AGAIN] = "due"
    return current_app.response_class("", status=503)  # never sent: replaced by the second run


class _RunAgainWithTheWriteLock:
    def __init__(self, inner: Callable[..., Any]) -> None:
        self.inner = inner

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("REQUEST_METHOD") not in READING_METHODS:
            return self.inner(environ, start_response)
        started: list[tuple] = []
        body = self.inner(environ, lambda *args: started.append(args))
        if environ.get(_AGAIN) != "due":
            start_response(*started[0])
            return body
        if hasattr(body, "close"):
            body.close()
        environ[_AGAIN] = "taken"
        log.info("%s %s wrote after a concurrent commit; run again with the write lock", environ["REQUEST_METHOD"],
                 environ.get("PATH_INFO"))
        return self.inner(environ, start_response)


def get_engine() -> Engine:
    return current_app.extensions["db_engine"]


def session_factory(app: Flask | None = None) -> sessionmaker[Session]:
    """The app's session factory: workers and CLI commands open their own sessions from it."""
    return (app or current_app).extensions["db_sessionmaker"]


def get_session() -> Session:
    """The request's session, created on first use and closed at teardown."""
    if "db_session" not in g:
        g.db_session = session_factory()()
    return g.db_session


def streamed(produce: Callable[[Session], Iterator[str]]) -> Iterator[str]:
    """A streamed response body read with its own session, closed when the stream ends or is abandoned.

    The request's session is closed at teardown, before a streamed body runs, so a stream must not use it.
    On SQLite this session reads without taking the write lock (BEGIN DEFERRED), so a long export does not
    hold up sign-ins and the credit poster.
    """
    factory = session_factory()  # here, while the app context is there

    def body() -> Iterator[str]:
        session = factory()
        try:
            session.connection(execution_options={"sqlite_begin": "DEFERRED"})
            yield from produce(session)
        finally:
            session.close()

    return body()


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


