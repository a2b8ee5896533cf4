"""The embedded default (PORTAL_NOTICE_SCHEDULER=inprocess, as under ``make run``): the nightly run, repeated
every NOTICE_RUN_EVERY_MINUTES in a thread of the web process. Repeating it is harmless: each event is told
once, so the first run after local midnight sends the day's notices."""

from __future__ import annotations

import threading
from collections.abc import Callable

from flask import Flask

from learning_portal import workers
from learning_portal.clock import utcnow
from learning_portal.db import session_factory
from learning_portal.reminders import nightly


def pass_for(app: Flask) -> workers.Pass:
    factory, plan = session_factory(app), nightly.schedule(app.config)

    def one_pass(should_stop: Callable[[], bool]) -> int:
        return sum(nightly.run(factory, now=utcnow(), plan=plan).notices.values())

    return one_pass


def start_in_process(app: Flask) -> threading.Thread:
    return workers.start_in_process(app, "notice_scheduler", pass_for(app), name="notify",
                                    interval=float(app.config["NOTICE_RUN_EVERY_MINUTES"]) * 60)
