"""Reliability with real processes on PostgreSQL: concurrent posters, a receiver that crashes, a poster
killed with SIGKILL. Every eligible completion ends as exactly one record, on both portals.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from learning_portal.records.models import TrainingRecord
from tests.credits.processes import (
    assert_exactly_once,
    count,
    env,
    forwarding_pair,
    portal,
    posted,
    receiver_process,
    start_worker,
    stop,
    wait_for,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def pg_url(request) -> str:
    if "postgresql" not in os.environ.get("PORTAL_TEST_BACKENDS", "sqlite,postgresql"):
        pytest.skip("PostgreSQL tests turned off with PORTAL_TEST_BACKENDS")
    return request.getfixturevalue("postgres_url")


def test_two_posters_drain_5000_postings_exactly_once(pg_url, tmp_path):
    url, engine = portal(pg_url, 5000, completions=True)
    environment = env(url, tmp_path)
    workers = [start_worker(environment, "--once") for _ in range(2)]
    outputs = [w.communicate(timeout=600)[0] for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs
    assert_exactly_once(engine, 5000, TrainingRecord.posting_id)
    assert posted(engine) == 5000
    # Both processes did part of the work: they really ran side by side.
    done = [int(o.rsplit("stopped after ", 1)[1].split()[0]) for o in outputs]
    assert sum(done) == 5000 and min(done) > 0, done
    engine.dispose()


def test_receiver_killed_and_restarted_while_forwarding(pg_url, tmp_path):
    n = 300
    pair = forwarding_pair(pg_url, tmp_path, n, PORTAL_CREDIT_FORWARD_TIMEOUT="2")
    poster = start_worker(pair.sender_env, "--interval", "0.2", log=tmp_path / "poster.log")
    try:
        with receiver_process(pair.receiver_env, pair.port) as first:
            wait_for(lambda: count(pair.receiver_db, TrainingRecord.id) >= 50, timeout=120, what="first records")
            first.send_signal(signal.SIGKILL)  # the receiving portal crashes mid-stream
            first.wait(timeout=10)
        time.sleep(1.0)  # forwarding fails meanwhile; postings back off and retry
        with receiver_process(pair.receiver_env, pair.port):
            wait_for(lambda: posted(pair.sender_db) == n, timeout=240, what="every posting to be forwarded")
    finally:
        stop(poster)
    assert_exactly_once(pair.receiver_db, n, TrainingRecord.inbound_key)
    assert_exactly_once(pair.sender_db, n, TrainingRecord.posting_id)
    pair.dispose()


def test_poster_killed_mid_batch_and_restarted(pg_url, tmp_path):
    n = 400
    # The killed poster's batch in flight is resent once its lease runs out (6 s here, one minute by default).
    pair = forwarding_pair(pg_url, tmp_path, n, PORTAL_CREDIT_FORWARD_TIMEOUT="2",
                           PORTAL_CREDIT_FORWARD_LEASE_SECONDS="6")
    with receiver_process(pair.receiver_env, pair.port):
        poster = start_worker(pair.sender_env, "--interval", "0.2", log=tmp_path / "poster.log")
        wait_for(lambda: posted(pair.sender_db) >= 60, timeout=120, what="the first postings")
        stop(poster, signal.SIGKILL)  # no chance to finish the batch in hand
        assert posted(pair.sender_db) < n, "the poster finished before it could be killed; raise n"
        restarted = start_worker(pair.sender_env, "--interval", "0.2", log=tmp_path / "poster.log")
        try:
            wait_for(lambda: posted(pair.sender_db) == n, timeout=240, what="every posting after the restart")
        finally:
            stop(restarted)
    assert_exactly_once(pair.sender_db, n, TrainingRecord.posting_id)
    assert_exactly_once(pair.receiver_db, n, TrainingRecord.inbound_key)
    pair.dispose()
