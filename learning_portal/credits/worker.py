"""The credit poster: ``portal-credits-worker`` (also ``flask credits work``) or a thread in the web process.

One transaction per batch of postings; forwarding happens between transactions. Several posters may run
at once on PostgreSQL (SKIP LOCKED); on
SQLite every transaction takes the write lock up front (BEGIN IMMEDIATE, see ``db``), so posters take turns.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from learning_portal import outbox, workers
from learning_portal.clock import utcnow
from learning_portal.credits import forwarding, services
from learning_portal.credits.gateways import HttpForwarder, RecordForwarder
from learning_portal.credits.models import RecordForward
from learning_portal.db import session_factory

log = logging.getLogger("learning_portal.credits")
ENQUEUE_BATCH = 2000
DERIVE_BATCH = 1000


def forward_lease(config: dict) -> timedelta:
    """How long a posting being forwarded stays reserved: after a poster dies, its postings wait this long
    before another sends them. At least three forwarding timeouts; one minute unless set."""
    timeout = float(config.get("CREDIT_FORWARD_TIMEOUT", 10))
    return timedelta(seconds=max(float(config.get("CREDIT_FORWARD_LEASE_SECONDS") or 60), 3 * timeout))


def settings_from_config(config: dict) -> services.PosterSettings:
    forwarder = None
    if config.get("RECORDS_FORWARD_URL"):
        forwarder = HttpForwarder(config["RECORDS_FORWARD_URL"], config["RECORDS_HMAC_KEY"],
                                  timeout=float(config.get("CREDIT_FORWARD_TIMEOUT", 10)))
    sqlite = str(config.get("DATABASE_URL", "")).startswith("sqlite")
    return services.PosterSettings(
        # SQLite posters hold the write lock for a whole batch, so they keep batches short.
        batch_size=int(config.get("CREDIT_BATCH_SIZE", 10 if sqlite else 50)),
        forward_lease=forward_lease(config),
        max_attempts=int(config.get("CREDIT_MAX_ATTEMPTS", 8)),
        retry_base=timedelta(seconds=float(config.get("CREDIT_RETRY_BASE_SECONDS", 15))),
        retry_cap=timedelta(seconds=float(config.get("CREDIT_RETRY_CAP_SECONDS", 3600))),
        alert_after=alert_after(config),
        credit_samples=bool(config.get("CREDIT_SAMPLE_COURSES")),
        forwarder=forwarder)


def alert_after(config: dict) -> timedelta:
    return timedelta(minutes=float(config.get("CREDIT_ALERT_AFTER_MINUTES", 60)))


def run_once(factory: sessionmaker[Session], settings: services.PosterSettings, *,
             now: Callable[[], datetime] = utcnow, limit: int | None = None,
             should_stop: Callable[[], bool] = lambda: False) -> int:
    """Enqueue new completions, then process due postings until none is due (or ``limit``)."""
    while True:  # in batches, so a large backlog is enqueued without one huge transaction
        with factory() as session:
            added = services.enqueue_new_completions(session, now=now(), limit=ENQUEUE_BATCH)
            session.commit()
        if added < ENQUEUE_BATCH:
            break
    processed = 0
    while (limit is None or processed < limit) and not should_stop():
        with factory() as session:
            size = settings.batch_size if limit is None else min(settings.batch_size, limit - processed)
            postings = services.claim_due(session, now=now(), limit=size)
            if not postings:
                session.rollback()
                break
            jobs = services.process_batch(session, postings, now=now(), settings=settings,
                                          on_error=lambda p, e: log.exception("posting %s failed", p.id))
            session.commit()  # records written, locks released before any network call
        if jobs:
            outcomes = services.forward(jobs, settings)
            with factory() as session:
                services.finish_forwarding(session, outcomes, now=now(), settings=settings)
                session.commit()
        log.info("processed %d posting(s), forwarded %d", len(postings), len(jobs))
        processed += len(postings)
    if settings.forwarder is not None and not should_stop():
        forward_changes(factory, settings.forwarder, now=now, should_stop=should_stop)
    return processed


def forward_changes(factory: sessionmaker[Session], forwarder: RecordForwarder, *, now: Callable[[], datetime],
                    should_stop: Callable[[], bool] = lambda: False) -> int:
    """Send the record changes postings do not carry (withdrawals, records made without a posting)."""
    for _ in range(100):  # the change log read on in pages; the rest on the next pass
        with factory() as session:
            read = forwarding.derive(session, now=now(), limit=DERIVE_BATCH)
            session.commit()
        if read < DERIVE_BATCH:
            break
    sent = 0
    while not should_stop():
        with factory() as session:
            rows = forwarding.claim(session, now=now())
            session.commit()  # leased: no lock is held while sending
        if not rows:
            break
        outcomes = forwarding.send(rows, forwarder)
        with factory() as session:
            for row in outbox.finish(session, RecordForward, outcomes, now=now(), policy=forwarding.POLICY):
                log.error("record change %s (%s of record %s) gave up: %s", row.id, row.operation.value,
                          row.record_id, row.last_error)
            session.commit()
        sent += sum(1 for _, error in outcomes if error is None)  # failed rows wait for their next attempt
    return sent


def pass_for(app: Flask) -> workers.Pass:
    factory, settings = session_factory(app), settings_from_config(app.config)
    return lambda should_stop: run_once(factory, settings, should_stop=should_stop)


def loop(app: Flask, *, interval: float, once: bool, stop: threading.Event) -> int:
    return workers.loop(pass_for(app), name="credits", interval=interval, once=once, stop=stop)


def start_in_process(app: Flask) -> threading.Thread:
    """The embedded default: a daemon thread in the web process (PORTAL_CREDIT_POSTER=inprocess)."""
    return workers.start_in_process(app, "credit_poster", pass_for(app), name="credits",
                                    interval=float(app.config.get("CREDIT_POLL_SECONDS", 1.0)))


def main(argv: list[str] | None = None) -> int:
    return workers.main(argv, prog="portal-credits-worker", description="Post CPT credit from completions.",
                        name="credits", make_pass=pass_for)


if __name__ == "__main__":
    raise SystemExit(main())
