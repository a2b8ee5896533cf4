"""The only place that reads the wall clock. Services take ``now=`` instead."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
