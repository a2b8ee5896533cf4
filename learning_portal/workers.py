"""What every outbox worker shares (the credit poster, the xAPI sender): the polling loop, the in-process
thread of the embedded default, the command-line entry point, and the retry backoff."""

from __future__ import annotations

import argparse
import logging
import random
import signal
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from flask import Flask

# One pass drains what is due and returns how much it did; it stops early when ``should_stop()`` says so.
Pass = Callable[[Callable[[], bool]], int]


def loop(run_pass: Pass, *, name: str, interval: float, once: bool, stop: threading.Event) -> int:
    """Run passes until ``stop`` is set (or once). A failed pass is logged and the work is retried next pass."""
    log = logging.getLogger(f"learning_portal.{name}")
    total = 0
    while not stop.is_set():
        try:
            total += run_pass(stop.is_set)
        except Exception:  # a transient database or network error must not end the worker
            log.exception("%s pass failed", name)
        if once:
            break
        stop.wait(interval)
    return total


def start_in_process(app: Flask, key: str, run_pass: Pass, *, name: str, interval: float) -> threading.Thread:
    """The embedded default: a daemon thread in the web process; ``app.extensions[key]`` holds (thread, stop).
    ``name`` is the worker's, as for ``loop`` (its log is the same as the worker process's)."""
    stop = threading.Event()
    thread = threading.Thread(target=loop, name=key.replace("_", "-"), daemon=True,
                              args=(run_pass,), kwargs={"name": name, "interval": interval, "once": False,
                                                        "stop": stop})
    thread.start()
    app.extensions[key] = (thread, stop)
    return thread


def main(argv: list[str] | None, *, prog: str, description: str, name: str,
         make_pass: Callable[[Flask], Pass]) -> int:
    """A worker process: ``--once`` drains what is due and exits; SIGTERM finishes the work in hand, then exits."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--once", action="store_true", help="drain what is due, then exit")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between passes (default 2)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    from learning_portal import create_app  # a worker's own entry point builds the app; nothing at import

    app = create_app()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    total = loop(make_pass(app), name=name, interval=args.interval, once=args.once, stop=stop)
    logging.getLogger(f"learning_portal.{name}").info("%s stopped after %d item(s)", prog, total)
    return 0


def every(seconds: float) -> Callable[[], bool]:
    """A check that is true on its first call, then once ``seconds`` have passed since it last was."""
    last = [float("-inf")]

    def due() -> bool:
        now = time.monotonic()
        if now - last[0] < seconds:
            return False
        last[0] = now
        return True

    return due


def backoff(attempts: int, *, base: timedelta, cap: timedelta, rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with full jitter in its upper half: base * 2^(n-1), capped, times 0.5-1.0."""
    ceiling = min(base * (2 ** min(max(attempts - 1, 0), 32)), cap)  # attempts are unbounded in an outage
    return ceiling * (0.5 + (rng or random).random() / 2)
