"""The only place that reads the wall clock. Services take ``now=`` (a UTC moment) instead; which local day
a moment is for a person or agency is ``accounts.localdate``'s to say."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_date(moment: datetime, zone: str) -> date:
    return moment.astimezone(ZoneInfo(zone)).date()
