"""Which day it is, for whom, and when a due date has passed: the one home of both rules.

A person's or agency's "today" is the calendar date in their jurisdiction's time zone: a due date, a deadline
and a CPT cycle end at local midnight, so at 17:00 in California an assignment due today is not yet overdue
although it is already tomorrow in UTC. Every caller turns a moment into a day through ``today_for`` or
``today_in``, and asks ``past_due`` whether something is overdue.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from learning_portal.accounts.models import Agency, Jurisdiction, Person

FALLBACK_ZONE = "UTC"  # for a jurisdiction the catalogue does not define (nothing is judged there)


def zone_of(session: Session, jurisdiction: str | None) -> ZoneInfo:
    j = session.get(Jurisdiction, jurisdiction) if jurisdiction else None
    return ZoneInfo(j.timezone if j else FALLBACK_ZONE)


def today_in(session: Session, jurisdiction: str | None, now: datetime) -> date:
    """The date of ``now`` (a UTC moment) in the jurisdiction's zone."""
    return now.astimezone(zone_of(session, jurisdiction)).date()


def today_for(session: Session, who: Agency | Person, now: datetime) -> date:
    """The date of ``now`` where an agency, or a person's agency, counts training (UTC for a person with no
    agency, such as commission staff)."""
    agency = who.agency if isinstance(who, Person) else who
    return today_in(session, agency.jurisdiction if agency is not None else None, now)


def past_due(due_on: date | None, today: date) -> bool:
    """Overdue: the due date has passed where the person is (``today`` from ``today_for``). Something due
    today is not overdue until the day is over."""
    return due_on is not None and due_on < today
