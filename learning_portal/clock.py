"""The only place that reads the wall clock, and the one place that says which day it is for whom.

Services take ``now=`` (a UTC moment) instead of reading the clock. A person's or agency's "today" is the
calendar date in their jurisdiction's time zone: a due date, a deadline and a CPT cycle end at local midnight,
so at 17:00 in California an assignment due today is not yet overdue although it is already tomorrow in UTC.
Every caller turns a moment into a day through ``today_for``/``today_in``; nothing else calls ``.date()`` on
a moment.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from learning_portal.accounts.models import Agency, Person

FALLBACK_ZONE = "UTC"  # for a jurisdiction the catalogue does not define (nothing is judged there)


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_date(moment: datetime, zone: str) -> date:
    return moment.astimezone(ZoneInfo(zone)).date()


def zone_of(session: Session, jurisdiction: str | None) -> ZoneInfo:
    from learning_portal.accounts.models import Jurisdiction

    j = session.get(Jurisdiction, jurisdiction) if jurisdiction else None
    return ZoneInfo(j.timezone if j else FALLBACK_ZONE)


def today_in(session: Session, jurisdiction: str | None, now: datetime) -> date:
    """The date of ``now`` in the jurisdiction's zone."""
    return now.astimezone(zone_of(session, jurisdiction)).date()


def today_for(session: Session, who: Agency | Person, now: datetime) -> date:
    """The date of ``now`` where an agency, or a person's agency, counts training (UTC for a person with no
    agency, such as commission staff)."""
    from learning_portal.accounts.models import Person

    agency = who.agency if isinstance(who, Person) else who
    return today_in(session, agency.jurisdiction if agency is not None else None, now)
