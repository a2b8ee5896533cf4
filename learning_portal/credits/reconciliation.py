"""Sender and receiver compared: what the receiving portal holds for an agency against what it should.

The receiver's holdings are read page by page (a signed read, every page), so nothing past a page size is
left out. A record differs when the receiver lacks it, holds it with other facts, counts it when it was
withdrawn here (or the other way round), or holds a record this portal does not know.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from learning_portal.accounts.models import Agency, Person
from learning_portal.credits.forwarding import SENT_WITHOUT_POSTING, creation_keys
from learning_portal.credits.gateways import ForwardError
from learning_portal.credits.models import CreditPosting, PostingStatus
from learning_portal.records.models import TrainingRecord

MAX_PAGES = 10_000  # a receiver that never stops paging is cut off with an error, not followed for ever


class ReceivedReader(Protocol):
    def read_received(self, *, agency: str, after: int) -> tuple[list[dict[str, Any]], int | None]: ...


@dataclass(frozen=True)
class Difference:
    post_id: str
    title: str
    completed_on: str
    problem: str
    record_id: int | None  # ours, when we have it: it can be sent again


@dataclass(frozen=True)
class Comparison:
    agency: Agency
    ours: int  # records the receiver should hold
    theirs: int  # records it holds from us
    differences: list[Difference]


def agency_code(agency: Agency) -> str:
    return f"{agency.jurisdiction}:{agency.number}"


def receiver_holdings(reader: ReceivedReader, agency: Agency) -> Iterator[dict[str, Any]]:
    after = 0
    for _ in range(MAX_PAGES):
        page, next_after = reader.read_received(agency=agency_code(agency), after=after)
        yield from page
        if next_after is None:
            return
        after = int(next_after)
    raise RuntimeError(f"the receiver sent more than {MAX_PAGES} pages")


def expected(session: Session, agency: Agency) -> list[tuple[TrainingRecord, str]]:
    """The agency's records the receiver should hold: posted by a posting, or sent on their own."""
    return [(r, post_id) for r, post_id in session.execute(
        select(TrainingRecord, Person.post_id).join(Person, Person.id == TrainingRecord.person_id)
        .outerjoin(CreditPosting, CreditPosting.id == TrainingRecord.posting_id)
        .where(Person.agency_id == agency.id, or_(CreditPosting.status == PostingStatus.POSTED,
                                                   TrainingRecord.source.in_(SENT_WITHOUT_POSTING)))
        .order_by(TrainingRecord.id))]


class UnreadableAnswer(Exception):
    """The receiving portal could not be read, or answered with something that is not its holdings."""


def compare(session: Session, agency: Agency, reader: ReceivedReader) -> Comparison:
    """Read the receiver's holdings (no transaction of ours open meanwhile: the caller ends it), then ours."""
    try:
        theirs = {row["key"]: _readable(row) for row in receiver_holdings(reader, agency)}
    except (ForwardError, RuntimeError, KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise UnreadableAnswer(f"{type(exc).__name__}: {exc}") from exc
    ours = expected(session, agency)
    keys = creation_keys(session, [r.id for r, _ in ours])
    differences: list[Difference] = []
    matched: set[str] = set()
    for record, post_id in ours:
        key = keys.get(record.id)
        held = theirs.get(key) if key else None
        problem = None
        if held is None:
            problem = "Not held by the receiving portal"
        else:
            matched.add(key)
            problem = _facts_differ(record, post_id, held)
        if problem:
            differences.append(Difference(post_id, record.title, record.completed_on.isoformat(), problem, record.id))
    for key, held in theirs.items():
        if key not in matched:
            differences.append(Difference(held["post_id"], held["title"], held["completed_on"],
                                          "Held by the receiving portal, unknown here", None))
    return Comparison(agency, len(ours), len(theirs), differences)


def _readable(row: dict[str, Any]) -> dict[str, Any]:
    """The row, once every field compared is there and of its kind (else KeyError, TypeError, ValueError)."""
    Decimal(row["hours"]), date.fromisoformat(row["completed_on"])  # noqa: B018 - parsed to check them
    if not all(isinstance(row[k], str) for k in ("post_id", "title", "course_number")):
        raise TypeError("post_id, title and course_number are text")
    return row


def _facts_differ(record: TrainingRecord, post_id: str, held: dict[str, Any]) -> str | None:
    withdrawn = record.withdrawn_at is not None
    if bool(held["withdrawn"]) != withdrawn:
        return ("Withdrawn here, still counted there" if withdrawn else "Withdrawn there, counted here")
    if (held["post_id"], held["course_number"], Decimal(held["hours"]), date.fromisoformat(held["completed_on"]),
            bool(held["cpt_credited"])) != (post_id, record.course_number, record.hours, record.completed_on,
                                           record.cpt_credited):
        return "Held with other facts (person, course, hours, date or CPT)"
    return None
