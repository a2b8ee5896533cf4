"""The mail sender: ``portal-mail-worker`` (also ``flask mail send``) or a thread in the web process.

Without ``PORTAL_SMTP_URL`` messages are written as ``.eml`` files under ``instance/mail/``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from learning_portal import outbox, workers
from learning_portal.clock import utcnow
from learning_portal.db import session_factory
from learning_portal.mail import services
from learning_portal.mail.models import OutgoingMail
from learning_portal.mail.transport import MailError, Transport, build, transport_for

log = logging.getLogger("learning_portal.mail")
PRUNE_EVERY_S = 3600


@dataclass(frozen=True)
class MailSettings:
    sender: str  # the From address
    policy: outbox.Policy


def settings(config: dict[str, Any]) -> MailSettings:
    return MailSettings(
        sender=str(config["MAIL_FROM"]),
        policy=outbox.Policy(
            batch_size=int(config["MAIL_BATCH_SIZE"]),
            lease=timedelta(seconds=60 + float(config["SMTP_TIMEOUT"]) * (int(config["MAIL_BATCH_SIZE"]) + 2)),
            max_attempts=int(config["MAIL_MAX_ATTEMPTS"]),
            retry_base=timedelta(seconds=float(config["MAIL_RETRY_BASE_SECONDS"])),
            retry_cap=timedelta(seconds=float(config["MAIL_RETRY_CAP_SECONDS"])),
            keep_sent=timedelta(days=float(config["MAIL_KEEP_SENT_DAYS"]))))


# Writes messages to the outbox before each pass (notices.mailer): called with a session and the time.
Preparer = Callable[[Session, datetime], int]


def run_once(factory: sessionmaker[Session], transport: Transport, mail: MailSettings, *,
             now: Callable[[], datetime] = utcnow, should_stop: Callable[[], bool] = lambda: False,
             prune: bool = True, prepare: tuple[Preparer, ...] = ()) -> int:
    """Queue what the preparers have, then send what is due, batch by batch, over one connection per batch;
    returns how many were sent."""
    for preparer in prepare:
        with factory() as session:
            while preparer(session, now()) and not should_stop():
                session.commit()
            session.commit()
    sent = 0
    while not should_stop():
        with factory() as session:
            batch = [(row.id, build(row, sender=mail.sender))
                     for row in outbox.claim_due(session, OutgoingMail, now=now(), policy=mail.policy)]
            session.commit()  # leased: no lock is held while the server answers
        if not batch:
            break
        outcomes: dict[int, Exception | None] = {}
        try:
            with transport.open() as connection:
                for row_id, message in batch:
                    try:
                        connection.send(message)
                        outcomes[row_id] = None
                    except MailError as exc:
                        outcomes[row_id] = exc
        except MailError as exc:  # the server is unreachable or went away: the rest wait for it
            for row_id, _ in batch:
                outcomes.setdefault(row_id, exc)
        with factory() as session:
            dead = outbox.finish(session, OutgoingMail, outcomes.items(), now=now(), policy=mail.policy)
            services.mark_bounced(session, [(row.to_address, row.last_error or "") for row in dead
                                            if getattr(outcomes[row.id], "bad_address", False)], now=now())
            session.commit()
        for row in dead:
            log.error("mail %d (%s) is dead: %s", row.id, row.kind, row.last_error)
        failed = sum(error is not None for error in outcomes.values())
        if failed:
            log.warning("%d of %d message(s) not sent through %s: %s", failed, len(batch), transport.description,
                        next(e for e in outcomes.values() if e is not None))
            if failed == len(batch):
                break  # the server is down: wait for the retry time instead of hammering it
        sent += len(batch) - failed
    if prune:
        with factory() as session:
            outbox.prune_sent(session, OutgoingMail, now=now(), policy=mail.policy)
            session.commit()
    return sent


def pass_for(app: Flask) -> workers.Pass:
    factory, transport, mail = session_factory(app), transport_for(app.config), settings(app.config)
    prune_due = workers.every(PRUNE_EVERY_S)
    prepare = tuple(app.extensions.get("mail_preparers", ()))

    def one_pass(should_stop: Callable[[], bool]) -> int:
        return run_once(factory, transport, mail, should_stop=should_stop, prune=prune_due(), prepare=prepare)

    return one_pass


def loop(app: Flask, *, interval: float, once: bool, stop: threading.Event) -> int:
    return workers.loop(pass_for(app), name="mail", interval=interval, once=once, stop=stop)


def start_in_process(app: Flask) -> threading.Thread:
    """The embedded default (PORTAL_MAIL_SENDER=inprocess): a daemon thread in the web process."""
    return workers.start_in_process(app, "mail_sender", pass_for(app), name="mail",
                                    interval=float(app.config["MAIL_POLL_SECONDS"]))


def main(argv: list[str] | None = None) -> int:
    return workers.main(argv, prog="portal-mail-worker", description="Send the portal's e-mail.", name="mail",
                        make_pass=pass_for)


if __name__ == "__main__":
    raise SystemExit(main())
