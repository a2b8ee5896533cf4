"""Verified watching rules, without a database."""

import pytest

from learning_portal.learning.watching import WatchReportError, WatchState, apply_report, merge

EMPTY = WatchState((), 0.0)


def report(state=EMPTY, intervals=((0, 10),), position=10, duration=60, elapsed=10, skip=False):
    return apply_report(state, intervals=list(intervals), position_s=position, duration_s=duration,
                        elapsed_s=elapsed, allow_skip_ahead=skip)


def test_intervals_merge_into_unique_seconds():
    assert merge([(20, 30), (0, 10), (9.5, 15), (15.5, 18)]) == ((0, 18), (20, 30))
    state = report(intervals=[(0, 10)])
    state = report(state, intervals=[(5, 20)], position=20, elapsed=20)  # rewatching 5-10 adds nothing
    assert state.watched == ((0, 20),) and state.seconds_watched == 20
    assert state.coverage(40) == 0.5


def test_coverage_reaches_the_threshold_only_with_real_watching():
    state = EMPTY
    for start in range(0, 60, 10):  # elapsed: real seconds since the video was opened
        state = report(state, intervals=[(start, start + 10)], position=start + 10, elapsed=start + 10)
    assert state.coverage(60) == 1.0


def test_many_quick_reports_cannot_add_up_their_slack():
    state = EMPTY
    with pytest.raises(WatchReportError, match="since the video was opened"):
        for n in range(100):  # 1.9 s claimed each time, 5 ms apart
            state = report(state, intervals=[(n * 1.9, (n + 1) * 1.9)], position=(n + 1) * 1.9,
                           elapsed=n * 0.005, skip=True)
    assert state.seconds_watched <= 2.0 + 1.9


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"intervals": [(-1, 5)]}, "cannot be negative"),
    ({"intervals": [(5, 5)]}, "must end after it starts"),
    ({"intervals": [(50, 70)], "skip": True, "elapsed": 30}, "past the end of the video"),
    ({"intervals": [(0, 6), (5, 9)]}, "must not overlap"),
    ({"intervals": [(0, 30)], "elapsed": 10}, "claim 30 s of new watching, but only 10 s"),
    ({"intervals": [(30, 35)], "elapsed": 10}, "Skipping ahead is not allowed"),
    ({"position": -3}, "position must be between"),
])
def test_impossible_reports_are_refused(kwargs, message):
    with pytest.raises(WatchReportError, match=message):
        report(**kwargs)


def test_skipping_ahead_is_allowed_when_configured():
    state = report(intervals=[(30, 35)], position=35, elapsed=10, skip=True)
    assert state.watched == ((30, 35),)


def test_a_refused_report_leaves_the_state_as_it_was():
    state = report(intervals=[(0, 10)])
    with pytest.raises(WatchReportError):
        report(state, intervals=[(10, 50)], elapsed=5)
    assert state.watched == ((0, 10),)
