"""Telling people things: a notice is written once per event (its key), in the transaction of the event or of
the nightly run, and shown in the person's list; the mail worker e-mails it afterwards (``mailer``).

``send`` inserts a batch with "on conflict do nothing", so a repeated run, or two workers at once, add each
notice once and learn which ones were new.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from learning_portal.accounts.models import Person
from learning_portal.notices.kinds import KINDS, OPTIONAL
from learning_portal.notices.models import EmailState, NoticeOptOut, Notification

CHUNK = 500


@dataclass(frozen=True)
class Notice:
    person_id: int
    kind: str
    key: str  # names the event; one notice per key, ever
    title: str
    body: str
    link: str = ""
    agency_id: int | None = None


def send(session: Session, notices: Sequence[Notice], *, now: datetime) -> list[Notice]:
    """Add the notices not added before, except the optional kinds their person turned off. Returns those
    added now."""
    for n in notices:
        if n.kind not in KINDS:
            raise ValueError(f"unknown notice kind {n.kind!r}")
    wanted = _drop_opted_out(session, notices)
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    added: set[str] = set()
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start:start + CHUNK]
        added.update(session.scalars(
            insert(Notification).values([
                {"person_id": n.person_id, "agency_id": n.agency_id, "kind": n.kind, "key": n.key[:200],
                 "title": n.title[:200], "body": n.body, "link": n.link[:300], "created_at": now,
                 "email_state": EmailState.PENDING} for n in chunk])
            .on_conflict_do_nothing(index_elements=["key"]).returning(Notification.key)))
    return [n for n in wanted if n.key[:200] in added]


def _drop_opted_out(session: Session, notices: Sequence[Notice]) -> list[Notice]:
    unique = list({n.key: n for n in notices}.values())
    people = {n.person_id for n in unique if n.kind in OPTIONAL}
    if not people:
        return unique
    off: set[tuple[int, str]] = set()
    ids = sorted(people)
    for start in range(0, len(ids), CHUNK):
        off.update(tuple(row) for row in session.execute(select(NoticeOptOut.person_id, NoticeOptOut.kind).where(
            NoticeOptOut.person_id.in_(ids[start:start + CHUNK]))))
    return [n for n in unique if (n.person_id, n.kind) not in off]


def unread_count(session: Session, person_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Notification)
                          .where(Notification.person_id == person_id, Notification.read_at.is_(None))) or 0


def page_for(session: Session, person_id: int, *, before: int | None = None, limit: int = 50,
             unread_only: bool = False) -> list[Notification]:
    """A person's notices, newest first; ``before`` an id for the next page."""
    query = select(Notification).where(Notification.person_id == person_id)
    if before is not None:
        query = query.where(Notification.id < before)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list(session.scalars(query.order_by(Notification.id.desc()).limit(limit)))


def mark_read(session: Session, person_id: int, *, ids: Sequence[int] | None, now: datetime) -> int:
    """Mark the person's notices read: these ids (others' are ignored), or all of them when ``ids`` is None."""
    query = update(Notification).where(Notification.person_id == person_id, Notification.read_at.is_(None))
    if ids is not None:
        if not ids:
            return 0
        query = query.where(Notification.id.in_(list(ids)))
    return session.execute(query.values(read_at=now)).rowcount or 0


def opted_out(session: Session, person_id: int) -> set[str]:
    return set(session.scalars(select(NoticeOptOut.kind).where(NoticeOptOut.person_id == person_id)))


def set_opt_outs(session: Session, person: Person, kinds: set[str]) -> None:
    """Turn these optional kinds off and the others on. The kinds that are not optional cannot be turned off."""
    unknown = kinds - set(OPTIONAL)
    if unknown:
        raise ValueError(f"these notices cannot be turned off: {', '.join(sorted(unknown))}")
    current = opted_out(session, person.id)
    for kind in current - kinds:
        session.delete(session.get(NoticeOptOut, (person.id, kind)))
    session.add_all(NoticeOptOut(person_id=person.id, kind=kind) for kind in kinds - current)
    session.flush()
