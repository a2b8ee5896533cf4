"""Configuration: typed defaults, overridden by ``PORTAL_*`` environment variables.

``create_app`` loads a Config class, then ``app.config.from_prefixed_env("PORTAL")`` so that
``PORTAL_DATABASE_URL=...`` becomes ``app.config["DATABASE_URL"]``. Values from the environment are
parsed as JSON when they look like JSON (``PORTAL_DEMO=true`` is a bool, ``PORTAL_LOGIN_MAX_FAILURES=5``
an int), otherwise kept as strings.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The configuration cannot work; raised at start-up with a message for the operator."""


class Config:
    INSTANCE_PATH = str(ROOT / "instance")
    DATABASE_URL: str | None = None  # default: SQLite file under INSTANCE_PATH
    SECRET_KEY: str | None = None  # default: generated into INSTANCE_PATH/secret_key once
    DEMO = False
    TESTING = False

    MEDIA_STORAGE: str | None = None  # "local:PATH" or "s3://BUCKET"; default local under instance/
    S3_ENDPOINT_URL: str | None = None
    CREDIT_POSTER = "inprocess"  # or "external" (portal-credits-worker processes)
    RECORDS_FORWARD_URL: str | None = None
    RECORDS_HMAC_KEY: str | None = None
    RECORDS_MAX_HOURS = 120  # inbound records of a course not in this catalogue: hours at most
    CREDIT_POLL_SECONDS = 1.0  # in-process poster: how soon a completion shows on the profile
    CREDIT_MAX_ATTEMPTS = 8
    CREDIT_RETRY_BASE_SECONDS = 15
    CREDIT_RETRY_CAP_SECONDS = 3600
    CREDIT_ALERT_AFTER_MINUTES = 60  # a posting not done by then is shown and logged as late
    CREDIT_SAMPLE_COURSES = None  # sample (made-up) courses earn credit: None follows DEMO
    CREDIT_FORWARD_TIMEOUT = 10
    CREDIT_FORWARD_LEASE_SECONDS = 60  # a dead poster's postings in flight are resent after this (>= 3 timeouts)
    # xAPI: statements about learning go to an LRS only where PORTAL_XAPI_LRS_URL is set.
    XAPI_LRS_URL: str | None = None  # the LRS endpoint; statements go to <url>/statements
    XAPI_LRS_USERNAME = ""  # HTTP Basic credentials the LRS issued (its key and secret)
    XAPI_LRS_PASSWORD = ""
    XAPI_BASE_URL: str | None = None  # this portal's public address: activity ids start with it
    XAPI_ACCOUNT_HOMEPAGE: str | None = None  # the home page of POST ID accounts; default XAPI_BASE_URL
    XAPI_SENDER = "inprocess"  # or "external" (portal-xapi-worker processes)
    XAPI_POLL_SECONDS = 2.0
    XAPI_BATCH_SIZE = 50
    XAPI_MAX_ATTEMPTS = 10
    XAPI_RETRY_BASE_SECONDS = 15
    XAPI_RETRY_CAP_SECONDS = 3600
    XAPI_TIMEOUT = 10
    XAPI_KEEP_SENT_DAYS = 30

    # The portal's public address: links in e-mail start with it.
    PUBLIC_URL = "http://127.0.0.1:5000"
    # E-mail: sent over SMTP where PORTAL_SMTP_URL is set (smtp://user:password@host:587, STARTTLS required
    # except to loopback; smtps://host:465), otherwise written as .eml files under INSTANCE_PATH/mail.
    SMTP_URL: str | None = None
    SMTP_TIMEOUT = 10
    MAIL_FROM = "Learning Portal <no-reply@localhost>"
    MAIL_SENDER = "inprocess"  # or "external" (portal-mail-worker processes)
    MAIL_POLL_SECONDS = 2.0
    MAIL_BATCH_SIZE = 20
    MAIL_MAX_ATTEMPTS = 8
    MAIL_RETRY_BASE_SECONDS = 30
    MAIL_RETRY_CAP_SECONDS = 3600
    MAIL_KEEP_SENT_DAYS = 30
    # Notices (in-portal and e-mailed): the nightly run (`flask notify run`, or the in-process scheduler) and
    # its schedule. Times are each jurisdiction's local day.
    NOTICE_SCHEDULER = "inprocess"  # or "external": cron runs `flask notify run` (see README)
    NOTICE_RUN_EVERY_MINUTES = 60  # in-process: how often the run is repeated (it tells each event once)
    NOTICE_ASSIGNMENT_DAYS = "14,3"  # reminders this many days before an assignment is due
    NOTICE_REQUIREMENT_DAYS = "30,7"  # ... before a mandated requirement is due
    NOTICE_CATCH_UP_DAYS = 7  # an overdue notice is still sent this many days late, after missed runs
    NOTICE_DIGEST_WEEKDAY = "monday"  # the managers' weekly digest
    NOTICE_DIGEST_DUE_DAYS = 30
    INVITATION_VALID_DAYS = 7  # an invitation's link works this long
    PASSWORD_RESET_VALID_MINUTES = 60  # a reset link works this long

    # Cookies: secure by default; `make run` on plain-HTTP loopback turns COOKIE_SECURE off.
    COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    SESSION_IDLE_MINUTES = 30  # a browser left alone this long is signed out
    SESSION_MAX_HOURS = 12  # and this long after signing in, however active (absolute, not sliding)
    WTF_CSRF_TIME_LIMIT = 3600 * 12

    # Sign-in protection
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCKOUT_MINUTES = 15
    LOGIN_ADDRESS_MAX_FAILURES = 30  # failed sign-ins from one address within the lockout window
    # Wrong check-in codes: per person, and per session from everyone who could check in to it.
    CHECK_IN_MAX_FAILURES = 10
    CHECK_IN_SESSION_MAX_FAILURES = 200
    CHECK_IN_WINDOW_MINUTES = 10
    API_TOKEN_TTL_HOURS = 12
    # Roles that must set up two-factor sign-in (an authenticator app) before anything else.
    TWO_FACTOR_REQUIRED_ROLES = ["administrator", "training_manager"]
    # `flask privacy purge` anonymises people who left this many years ago (training records stay, anonymous).
    RETENTION_YEARS_AFTER_LEAVING = 7

    # Reverse proxies in front of the portal that set X-Forwarded-For/-Proto (the TLS proxy SECURITY.md
    # requires: 1). Their headers are trusted only when this says so: 0 reads the peer address as the client.
    PROXY_HOPS = 0

    MAX_CONTENT_LENGTH = 8 * 1024**2  # every request body; upload views raise their own (web.security.accepts_body)
    MEDIA_MAX_UPLOAD_BYTES = 2 * 1024**3
    MEDIA_URL_SECONDS = 300  # lifetime of signed media URLs
    MEDIA_INGEST_INLINE = False  # transcode inside the upload request (tests); default: a background job
    CSV_IMPORT_MAX_BYTES = 32 * 1024**2  # people and training-history imports: 100,000 rows and more
    IMPORT_PREVIEW_ROWS = 500  # rows an import preview lists (the counts cover them all)
    PAGE_SIZE = 50

    @classmethod
    def finalize(cls, config: dict[str, Any]) -> None:
        """Fill derived defaults and fail fast on settings that cannot work."""
        instance = Path(config["INSTANCE_PATH"])
        if not config.get("DATABASE_URL"):
            config["DATABASE_URL"] = f"sqlite:///{instance / 'portal.db'}"
        if not config.get("MEDIA_STORAGE"):
            config["MEDIA_STORAGE"] = f"local:{instance / 'media'}"
        if not config.get("SECRET_KEY"):
            config["SECRET_KEY"] = _instance_secret_key(instance)
        if len(str(config["SECRET_KEY"])) < 32:
            raise ConfigError("PORTAL_SECRET_KEY must be at least 32 characters long.")
        if config["CREDIT_POSTER"] not in ("inprocess", "external"):
            raise ConfigError("PORTAL_CREDIT_POSTER must be 'inprocess' or 'external'.")
        if config.get("RECORDS_FORWARD_URL") and not config.get("RECORDS_HMAC_KEY"):
            raise ConfigError("PORTAL_RECORDS_FORWARD_URL needs PORTAL_RECORDS_HMAC_KEY.")
        if config.get("RECORDS_FORWARD_URL") and not str(config["RECORDS_FORWARD_URL"]).startswith(
                ("http://", "https://")):
            raise ConfigError("PORTAL_RECORDS_FORWARD_URL must be an http:// or https:// URL.")
        if config.get("XAPI_LRS_URL"):
            for key in ("XAPI_LRS_URL", "XAPI_BASE_URL"):
                if not str(config.get(key) or "").startswith(("http://", "https://")):
                    raise ConfigError(f"PORTAL_{key} must be an http:// or https:// URL when an LRS is configured.")
        if config["XAPI_SENDER"] not in ("inprocess", "external"):
            raise ConfigError("PORTAL_XAPI_SENDER must be 'inprocess' or 'external'.")
        if config["MAIL_SENDER"] not in ("inprocess", "external"):
            raise ConfigError("PORTAL_MAIL_SENDER must be 'inprocess' or 'external'.")
        if config["NOTICE_SCHEDULER"] not in ("inprocess", "external"):
            raise ConfigError("PORTAL_NOTICE_SCHEDULER must be 'inprocess' or 'external'.")
        for key in ("NOTICE_ASSIGNMENT_DAYS", "NOTICE_REQUIREMENT_DAYS"):
            days = [d.strip() for d in str(config[key]).split(",")]
            if not days or not all(d.isdigit() and int(d) <= 366 for d in days):
                raise ConfigError(f"PORTAL_{key} must list days before the due date, such as 14,3.")
        if str(config["NOTICE_DIGEST_WEEKDAY"]).lower() not in (
                "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"):
            raise ConfigError("PORTAL_NOTICE_DIGEST_WEEKDAY must be a day of the week, such as monday.")
        if config.get("SMTP_URL") and not str(config["SMTP_URL"]).startswith(("smtp://", "smtps://")):
            raise ConfigError("PORTAL_SMTP_URL must look like smtp://user:password@host:587 or smtps://host:465.")
        if not str(config["PUBLIC_URL"]).startswith(("http://", "https://")):
            raise ConfigError("PORTAL_PUBLIC_URL must be the portal's http:// or https:// address.")
        if not str(config["PROXY_HOPS"]).isdigit():
            raise ConfigError("PORTAL_PROXY_HOPS must be a whole number of proxies (0 when none).")
        config["PROXY_HOPS"] = int(config["PROXY_HOPS"])
        try:
            config["RECORDS_MAX_HOURS"] = Decimal(str(config["RECORDS_MAX_HOURS"]))
            if not 0 < config["RECORDS_MAX_HOURS"] < 1000:
                raise InvalidOperation
        except InvalidOperation as exc:
            raise ConfigError("PORTAL_RECORDS_MAX_HOURS must be a number of hours above 0 and below 1000.") from exc
        try:
            if float(config["CREDIT_ALERT_AFTER_MINUTES"]) <= 0:
                raise ValueError
        except ValueError as exc:
            raise ConfigError("PORTAL_CREDIT_ALERT_AFTER_MINUTES must be a number of minutes above 0.") from exc
        if config["CREDIT_SAMPLE_COURSES"] is None:
            config["CREDIT_SAMPLE_COURSES"] = bool(config["DEMO"])
        config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=float(config["SESSION_MAX_HOURS"]))
        secure = bool(config["COOKIE_SECURE"])
        config["SESSION_COOKIE_SECURE"] = secure
        config["REMEMBER_COOKIE_SECURE"] = secure


class TestConfig(Config):
    TESTING = True
    CREDIT_POSTER = "external"  # tests drive the poster directly (run_once) or in real processes
    XAPI_SENDER = "external"
    MAIL_SENDER = "external"  # tests send through a real SMTP server with run_once
    NOTICE_SCHEDULER = "external"  # tests run the nightly run with the clock they choose
    MEDIA_INGEST_INLINE = True
    SECRET_KEY = "test-secret-key-" + "x" * 32
    WTF_CSRF_ENABLED = False
    COOKIE_SECURE = False
    TWO_FACTOR_REQUIRED_ROLES: list[str] = []  # the two-factor tests turn it on


def _instance_secret_key(instance: Path) -> str:
    """Read instance/secret_key, creating it once (race-safe across workers) when absent.

    This is the single file the factory may touch (DESIGN section 5); production sets
    PORTAL_SECRET_KEY so that every instance behind a load balancer shares it.
    """
    path = instance / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    instance.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
