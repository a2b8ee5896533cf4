"""Queueing mail: a message is rendered and written to the outbox in the caller's transaction, so it exists
exactly when its event does (an invitation rolled back sends nothing), and is sent later by the workers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import make_msgid

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from learning_portal.config import ROOT
from learning_portal.mail.models import MailBounce, OutgoingMail
from learning_portal.outbox import OutboxStatus

PORTAL_NAME = "Learning Portal"
_letters = Environment(loader=FileSystemLoader(ROOT / "templates" / "mail"), autoescape=select_autoescape(["html"]),
                       undefined=StrictUndefined, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)


@dataclass(frozen=True)
class Letter:
    subject: str
    text: str
    html: str


def letter(kind: str, *, subject: str, reason: str, **context: object) -> Letter:
    """Render ``templates/mail/<kind>.txt`` and ``.html``. ``reason`` says in plain words why the reader is
    getting the message; every message carries it."""
    context = {"portal": PORTAL_NAME, "subject": subject, "reason": reason, **context}
    return Letter(f"{subject} · {PORTAL_NAME}", _letters.get_template(f"{kind}.txt").render(context),
                  _letters.get_template(f"{kind}.html").render(context))


def queue(session: Session, *, key: str, kind: str, to: str, content: Letter, now: datetime,
          person_id: int | None = None) -> OutgoingMail | None:
    """Add a message to the outbox. ``key`` names the event: a second message for the same key (a rerun, a
    second worker) is not added, and None is returned."""
    if session.scalar(select(OutgoingMail.id).where(OutgoingMail.key == key)) is not None:
        return None
    row = OutgoingMail(key=key, kind=kind, person_id=person_id, to_address=to, subject=content.subject,
                       text_body=content.text, html_body=content.html, message_id=make_msgid(domain="learning-portal"),
                       status=OutboxStatus.PENDING, attempts=0, next_attempt_at=now, created_at=now)
    try:
        with session.begin_nested():  # a concurrent writer of the same key wins; ours is dropped, not an error
            session.add(row)
    except IntegrityError:
        return None
    return row



def mark_bounced(session: Session, refused: list[tuple[str, str]], *, now: datetime) -> None:
    """Addresses whose message went dead because the server refused the recipient: sent nothing more."""
    for address, reason in refused:
        address = address.strip().lower()
        found = session.get(MailBounce, address)
        if found is None:
            session.add(MailBounce(address=address, bounced_at=now, reason=reason[:500]))
        else:
            found.bounced_at, found.reason = now, reason[:500]
    session.flush()


def bounced(session: Session, addresses: set[str]) -> set[str]:
    """Which of these addresses (any case) were refused; returned lower-case."""
    lowered = {a.strip().lower() for a in addresses if a}
    if not lowered:
        return set()
    return set(session.scalars(select(MailBounce.address).where(MailBounce.address.in_(lowered))))
