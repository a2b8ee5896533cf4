"""Notices become e-mail: run by the mail worker before each pass (``mail.worker`` preparers), so a notice
written by any process is e-mailed by whichever mail worker runs, once (the message key is the notice's)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from learning_portal.accounts.models import Person
from learning_portal.mail import services as mail
from learning_portal.notices.kinds import KINDS
from learning_portal.notices.models import EmailState, Notification

BATCH = 200
# Kinds written many at a time for one person (a cycle's end): one message for those of one batch.
GROUPED = {"requirement_due": "requirements due soon", "assignment_due": "assignments due soon",
           "overdue": "items overdue"}


def queue_pending(session: Session, now: datetime, *, public_url: str) -> int:
    """Write the messages of up to a batch of notices not yet e-mailed; returns how many notices it settled."""
    query = (select(Notification, Person).join(Person, Person.id == Notification.person_id)
             .where(Notification.email_state == EmailState.PENDING).order_by(Notification.id).limit(BATCH))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Notification, skip_locked=True)
    rows = session.execute(query).all()
    refused = mail.bounced(session, {p.email for _, p in rows if p.email})
    groups: dict[tuple[int, str], list[tuple[Notification, Person]]] = {}
    for notice, person in rows:
        if not person.is_enabled:
            notice.email_state = EmailState.CLOSED
        elif not person.email:
            notice.email_state = EmailState.NO_ADDRESS
        elif person.email.strip().lower() in refused:
            notice.email_state = EmailState.BOUNCED
        else:  # one message per person and kind of reminder written together, not one per requirement
            group = (person.id, notice.kind) if notice.kind in GROUPED else (person.id, f"{notice.kind}:{notice.id}")
            groups.setdefault(group, []).append((notice, person))
    for together in groups.values():
        first, person = together[0]
        if len(together) == 1:
            subject, body, link = first.title, first.body, first.link
        else:
            subject = f"{len(together)} {GROUPED[first.kind]}"
            body = "\n\n".join(f"{n.title}\n{n.body}" for n, _ in together)
            link = first.link if len({n.link for n, _ in together}) == 1 else "/notifications"
        content = mail.letter("notice", subject=subject, reason=_reason(first.kind), name=person.first_name,
                              body=body, link=f"{public_url.rstrip('/')}{link}" if link else "")
        mail.queue(session, key=f"notice:{first.id}", kind=f"notice.{first.kind}", to=person.email, content=content,
                   now=now, person_id=person.id)
        for notice, _ in together:
            notice.email_state, notice.email_to = EmailState.QUEUED, person.email
    session.flush()
    return len(rows)


def _reason(kind: str) -> str:
    k = KINDS[kind]
    why = {"person": "it concerns your own training",
           "manager": "you are a training manager of the agency",
           "administrator": "you are an administrator of the portal"}[k.audience]
    off = " You can turn these off on the portal's Notifications page, under Settings." if k.optional else ""
    return f"notices of this kind ({k.label.lower()}) go to you because {why}.{off}"
