"""Verified watching: the player's watched intervals, checked against the video and the clock.

Pure functions: the service that records video progress loads the item's state, calls ``apply_report``
and stores the result. Intervals are [start_s, end_s] pairs in seconds of the video.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Interval = tuple[float, float]
DEFAULT_COVERAGE = 0.95  # share of unique seconds watched for a video to count
TOLERANCE_S = 1.0  # rounding in players' time updates
SLACK_S = 2.0  # network and timer jitter between reports


class WatchReportError(ValueError):
    """The report cannot be right; the message says why. Nothing is recorded."""


@dataclass(frozen=True)
class WatchState:
    watched: tuple[Interval, ...]  # merged, sorted, non-overlapping
    position_s: float
    session_gained_s: float = 0.0  # new seconds credited since the video was (re)opened

    @property
    def seconds_watched(self) -> float:
        return sum(end - start for start, end in self.watched)

    @property
    def furthest_s(self) -> float:
        return self.watched[-1][1] if self.watched else 0.0

    def coverage(self, duration_s: float) -> float:
        return min(self.seconds_watched / duration_s, 1.0) if duration_s > 0 else 0.0


def merge(intervals: Sequence[Interval]) -> tuple[Interval, ...]:
    """Union of intervals, sorted; touching intervals (within the tolerance) join."""
    merged: list[list[float]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1] + TOLERANCE_S:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((round(s, 3), round(e, 3)) for s, e in merged)


def parse_intervals(raw: object) -> list[Interval]:
    if not isinstance(raw, list) or len(raw) > 500:
        raise WatchReportError("'watched' must be a list of [start_s, end_s] pairs (at most 500).")
    intervals = []
    for pair in raw:
        if (not isinstance(pair, list | tuple) or len(pair) != 2
                or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in pair)):
            raise WatchReportError("Each watched interval must be [start_s, end_s] with two numbers.")
        intervals.append((float(pair[0]), float(pair[1])))
    return intervals


def apply_report(state: WatchState, *, intervals: Sequence[Interval], position_s: float, duration_s: float,
                 elapsed_s: float, allow_skip_ahead: bool) -> WatchState:
    """The new state after a report, or WatchReportError when the report is impossible.

    ``elapsed_s`` is the real time since the video was opened in this viewing session: all the new seconds
    credited in the session may not exceed it (plus one fixed slack, so many small reports cannot add up
    their slack). The caller starts a new session, with ``session_gained_s`` at 0, when the player opens.
    """
    if not isinstance(position_s, int | float) or isinstance(position_s, bool) or not (
            0 <= position_s <= duration_s + TOLERANCE_S):
        raise WatchReportError(f"The position must be between 0 and {duration_s:.0f} seconds.")
    ordered = sorted(intervals)
    for start, end in ordered:
        if start < 0 or end < 0:
            raise WatchReportError("Watched intervals cannot be negative.")
        if end <= start:
            raise WatchReportError("A watched interval must end after it starts.")
        if end > duration_s + TOLERANCE_S:
            raise WatchReportError(f"A watched interval goes past the end of the video ({duration_s:.0f} s).")
    for (_, first_end), (second_start, _) in zip(ordered, ordered[1:], strict=False):
        if second_start < first_end:
            raise WatchReportError("Watched intervals in one report must not overlap.")
    if not allow_skip_ahead:
        furthest = state.furthest_s
        for start, end in ordered:
            if start > furthest + TOLERANCE_S:
                raise WatchReportError("Skipping ahead is not allowed on the first viewing: watch the video in "
                                       "order.")
            furthest = max(furthest, end)
    clipped = [(start, min(end, duration_s)) for start, end in ordered]
    new_watched = merge([*state.watched, *clipped])
    gained = sum(e - s for s, e in new_watched) - state.seconds_watched
    if state.session_gained_s + gained > elapsed_s + SLACK_S:
        raise WatchReportError(f"The reports claim {state.session_gained_s + gained:.0f} s of new watching, but "
                               f"only {elapsed_s:.0f} s have passed since the video was opened.")
    return WatchState(new_watched, round(float(position_s), 3), round(state.session_gained_s + gained, 3))
