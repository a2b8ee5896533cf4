"""The xAPI sender: ``portal-xapi-worker`` (also ``flask xapi send``) or a thread in the web process.

Where no LRS is configured nothing is recorded and there is nothing to send.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from learning_portal import workers
from learning_portal.clock import utcnow
from learning_portal.db import session_factory
from learning_portal.xapi import services
from learning_portal.xapi.lrs import LrsClient
from learning_portal.xapi.statements import StatementSettings

log = logging.getLogger("learning_portal.xapi")
PRUNE_EVERY_S = 3600


def configured(config: dict[str, Any]) -> bool:
    return bool(config.get("XAPI_LRS_URL"))


def init_app(app: Flask) -> None:
    """Every session this app opens records statements, where an LRS is configured."""
    if configured(app.config):
        base = str(app.config["XAPI_BASE_URL"]).rstrip("/")
        settings = StatementSettings(base_url=base, homepage=app.config.get("XAPI_ACCOUNT_HOMEPAGE") or base)
        session_factory(app).configure(info={services.SETTINGS_KEY: settings})


def sender_settings(config: dict[str, Any]) -> services.SenderSettings:
    return services.SenderSettings(
        batch_size=int(config.get("XAPI_BATCH_SIZE", 50)),
        # Long enough for the worst pass: a refused batch resent one statement at a time, each up to the timeout.
        lease=timedelta(seconds=60 + float(config["XAPI_TIMEOUT"]) * (int(config["XAPI_BATCH_SIZE"]) + 1)),
        max_attempts=int(config.get("XAPI_MAX_ATTEMPTS", 10)),
        retry_base=timedelta(seconds=float(config.get("XAPI_RETRY_BASE_SECONDS", 15))),
        retry_cap=timedelta(seconds=float(config.get("XAPI_RETRY_CAP_SECONDS", 3600))),
        keep_sent=timedelta(days=float(config.get("XAPI_KEEP_SENT_DAYS", 30))))


def client(config: dict[str, Any]) -> LrsClient:
    return LrsClient(config["XAPI_LRS_URL"], config.get("XAPI_LRS_USERNAME") or "",
                     config.get("XAPI_LRS_PASSWORD") or "", timeout=float(config.get("XAPI_TIMEOUT", 10)))


def run_once(factory: sessionmaker[Session], lrs: LrsClient, settings: services.SenderSettings, *,
             now: Callable[[], datetime] = utcnow, should_stop: Callable[[], bool] = lambda: False,
             prune: bool = True) -> int:
    """Send what is due, batch by batch, until nothing is due; then (with ``prune``) delete sent statements
    past keeping."""
    sent = 0
    while not should_stop():
        with factory() as session:
            batch = services.claim_due(session, now=now(), settings=settings)
            session.commit()  # leased: no lock is held while the LRS answers
        if not batch:
            break
        outcomes = lrs.send([statement for _, statement in batch])
        with factory() as session:
            services.finish(session, zip([row_id for row_id, _ in batch], outcomes, strict=True), now=now(),
                            settings=settings)
            session.commit()
        failed = sum(o is not None for o in outcomes)
        if failed:
            log.warning("%d of %d statement(s) not taken by the LRS: %s", failed, len(batch),
                        next(o for o in outcomes if o is not None))
            if failed == len(batch):
                break  # the LRS is down: wait for the retry time instead of hammering it
        sent += len(batch) - failed
    if prune:
        with factory() as session:
            services.prune_sent(session, now=now(), settings=settings)
            session.commit()
    return sent


def pass_for(app: Flask) -> workers.Pass:
    if not configured(app.config):
        raise SystemExit("No LRS is configured (PORTAL_XAPI_LRS_URL): there is nothing to send.")
    factory, lrs, settings = session_factory(app), client(app.config), sender_settings(app.config)
    prune_due = workers.every(PRUNE_EVERY_S)  # a delete every hour, not every poll

    def one_pass(should_stop: Callable[[], bool]) -> int:
        return run_once(factory, lrs, settings, should_stop=should_stop, prune=prune_due())

    return one_pass


def loop(app: Flask, *, interval: float, once: bool, stop: threading.Event) -> int:
    return workers.loop(pass_for(app), name="xapi", interval=interval, once=once, stop=stop)


def start_in_process(app: Flask) -> threading.Thread:
    """The embedded default (PORTAL_XAPI_SENDER=inprocess): a daemon thread in the web process."""
    return workers.start_in_process(app, "xapi_sender", pass_for(app), name="xapi",
                                    interval=float(app.config.get("XAPI_POLL_SECONDS", 2.0)))


def main(argv: list[str] | None = None) -> int:
    return workers.main(argv, prog="portal-xapi-worker", description="Send xAPI statements to the LRS.",
                        name="xapi", make_pass=pass_for)


if __name__ == "__main__":
    raise SystemExit(main())
