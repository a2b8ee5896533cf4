"""Invitations and password resets: a single-use link, valid for a limited time, e-mailed to the person.

The link carries a random token; only its SHA-256 is stored, so a copy of the database opens nothing. Using
a link sets the password, voids the person's other links, and ends every other session and API token of
theirs. "Forgot password" answers the same whether or not the account exists, and is throttled per account
and per address; unknown names cost the same work as known ones except the message.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from learning_portal.accounts import passwords
from learning_portal.accounts import services as accounts
from learning_portal.accounts.localdate import zone_of
from learning_portal.accounts.models import Person
from learning_portal.accounts.permissions import can_manage_person, managed_people_clause
from learning_portal.audit import services as audit
from learning_portal.audit.models import AuditEntry
from learning_portal.errors import ConflictError, DomainError, PermissionDeniedError, ValidationError
from learning_portal.invitations.models import LinkPurpose, SignInLink
from learning_portal.mail import services as mail


@dataclass(frozen=True)
class LinkSettings:
    public_url: str  # links start with it
    invitation_valid: timedelta = timedelta(days=7)
    reset_valid: timedelta = timedelta(hours=1)
    resets_per_account: int = 3  # reset e-mails to one account per window
    resets_per_address: int = 20  # reset requests from one client address per window
    reset_window: timedelta = timedelta(hours=1)


class LinkError(DomainError):
    """A link that cannot be used, with a message saying what to do instead."""

    status = 410
    code = "link_unusable"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_link(session: Session, *, person: Person, purpose: LinkPurpose, valid: timedelta, now: datetime,
              created_by: Person | None) -> tuple[SignInLink, str]:
    token = secrets.token_urlsafe(32)
    link = SignInLink(person_id=person.id, purpose=purpose, token_hash=_digest(token), created_at=now,
                      expires_at=now + valid, created_by_id=created_by.id if created_by else None)
    session.add(link)
    session.flush()
    return link, token


def _when(session: Session, person: Person, moment: datetime) -> str:
    """A moment as the person reads it: their jurisdiction's local time."""
    zone = zone_of(session, person.agency.jurisdiction if person.agency else None)
    return moment.astimezone(zone).strftime("%-d %b %Y, %H:%M %Z")


def _url(settings: LinkSettings, token: str) -> str:
    return f"{settings.public_url}/account/password/{token}"


# --- invitations ----------------------------------------------------------------------------------


def invite(session: Session, *, actor: Person, person: Person, now: datetime, settings: LinkSettings) -> SignInLink:
    """E-mail ``person`` a link to set their first password (administrators for anyone, training managers for
    the people of their agency)."""
    if not can_manage_person(actor, person):
        raise PermissionDeniedError("Only an administrator, or another person's training manager, invites them.")
    if not person.is_enabled or person.left_on is not None:
        raise ConflictError(f"{person.full_name}'s account is closed: reopen it before inviting them.")
    if person.password_hash is not None:
        raise ConflictError(f"{person.full_name} already has a password; they can use “Forgot your password?”.")
    if not person.email:
        raise ValidationError(f"{person.full_name} has no e-mail address: add one, then invite them.",
                              details={"email": "An invitation needs an e-mail address."})
    link, token = _new_link(session, person=person, purpose=LinkPurpose.INVITATION, valid=settings.invitation_valid,
                            now=now, created_by=actor)
    agency = person.agency.name if person.agency else "the commission"
    content = mail.letter("invitation", subject="Set your password", name=person.first_name,
                          inviter=actor.full_name, agency=agency, username=person.username,
                          link=_url(settings, token), expires=_when(session, person, link.expires_at),
                          reason=f"{actor.full_name} invited you to the portal as a member of {agency}.")
    mail.queue(session, key=f"invitation:{link.id}", kind="invitation", to=person.email, content=content, now=now,
               person_id=person.id)
    audit.record(session, "account.invited", actor_id=actor.id, subject_id=person.id, now=now,
                 details={"expires_at": link.expires_at.isoformat()})
    return link


@dataclass(frozen=True)
class InviteAllResult:
    invited: int
    without_email: int  # could not be invited: no address on file
    pending: int  # already hold an invitation still valid


def invite_all(session: Session, *, actor: Person, now: datetime, settings: LinkSettings,
               agency_id: int | None = None) -> InviteAllResult:
    """Invite everyone the actor manages (of one agency, with ``agency_id``) who has no password yet."""
    query = select(Person).where(managed_people_clause(actor), Person.password_hash.is_(None), Person.is_enabled,
                                 Person.left_on.is_(None)).order_by(Person.id)
    if agency_id is not None:
        query = query.where(Person.agency_id == agency_id)
    people = list(session.scalars(query))
    pending = set(session.scalars(select(SignInLink.person_id).where(
        SignInLink.person_id.in_([p.id for p in people]), SignInLink.purpose == LinkPurpose.INVITATION,
        SignInLink.used_at.is_(None), SignInLink.expires_at > now)))
    invited = without_email = 0
    for person in people:
        if person.id in pending:
            continue
        if not person.email:
            without_email += 1
            continue
        invite(session, actor=actor, person=person, now=now, settings=settings)
        invited += 1
    return InviteAllResult(invited, without_email, len(pending))


# --- forgot password ------------------------------------------------------------------------------


def request_reset(session: Session, *, login: str, now: datetime, settings: LinkSettings) -> None:
    """Send a reset link to the account named by username or e-mail, if there is one that can sign in. The
    caller answers the same whatever happened here."""
    login = " ".join(login.split()).lower()[:320]
    address = audit.client_address.get()
    since = now - settings.reset_window
    if address is not None and len(audit.recent_times(
            session, "password_reset.requested", AuditEntry.address == address, since=since,
            limit=settings.resets_per_address)) >= settings.resets_per_address:
        return
    person = session.scalar(select(Person).where(
        or_(func.lower(Person.username) == login, func.lower(Person.email) == login)).order_by(Person.id).limit(1))
    usable = person is not None and person.is_enabled and person.left_on is None and bool(person.email)
    if usable:  # throttled once the account's owner has this many recent links
        recent = audit.recent_times(session, "password_reset.requested", AuditEntry.subject_id == person.id,
                                    since=since, limit=settings.resets_per_account)
        usable = len(recent) < settings.resets_per_account
    audit.record(session, "password_reset.requested", actor_id=None, subject_id=person.id if usable else None,
                 now=now, target="" if usable else f"login:{hashlib.sha256(login.encode()).hexdigest()[:16]}")
    if not usable:
        return
    link, token = _new_link(session, person=person, purpose=LinkPurpose.PASSWORD_RESET, valid=settings.reset_valid,
                            now=now, created_by=None)
    content = mail.letter("password_reset", subject="Reset your password", name=person.first_name,
                          username=person.username, link=_url(settings, token),
                          expires=_when(session, person, link.expires_at),
                          reason="someone asked for a password reset of your account on the sign-in page.")
    mail.queue(session, key=f"password_reset:{link.id}", kind="password_reset", to=person.email, content=content,
               now=now, person_id=person.id)


# --- using a link ---------------------------------------------------------------------------------


def check_link(session: Session, token: str, *, now: datetime) -> SignInLink:
    """The link for ``token`` if it can still be used; LinkError saying why not otherwise."""
    link = session.scalar(select(SignInLink).where(SignInLink.token_hash == _digest(token))) if token else None
    if link is None:
        raise LinkError("This link is not valid. Check that the whole address was copied, or ask for a new one.")
    if link.used_at is not None:
        raise LinkError("This link has already been used. Sign in, or use “Forgot your password?” for a new link.")
    link_person = session.get(Person, link.person_id)
    if link.expires_at <= now:
        raise LinkError(f"This link expired on {_when(session, link_person, link.expires_at)}. "
                        + ("Ask your training manager for a new invitation." if link.purpose is LinkPurpose.INVITATION
                           else "Use “Forgot your password?” for a new link."))
    if not link_person.is_enabled or link_person.left_on is not None:
        raise LinkError("This account is closed. Ask your training manager.")
    return link


def redeem(session: Session, *, token: str, password: str, now: datetime) -> Person:
    """Set the password through a link: the link and the person's other links are used up, every other
    session and API token of theirs ends."""
    link = check_link(session, token, now=now)
    if problem := passwords.password_problem(password):
        raise ValidationError(problem, details={"password": problem})
    person = session.get(Person, link.person_id)
    claimed = session.execute(update(SignInLink).where(SignInLink.id == link.id, SignInLink.used_at.is_(None))
                              .values(used_at=now)).rowcount
    if not claimed:  # used by a concurrent request
        raise LinkError("This link has already been used. Sign in, or use “Forgot your password?” for a new link.")
    accounts.set_password(session, actor=person, person=person, password=password, now=now)
    session.execute(update(SignInLink).where(SignInLink.person_id == person.id, SignInLink.used_at.is_(None))
                    .values(used_at=now))
    audit.record(session, "account.link_used", actor_id=person.id, subject_id=person.id, now=now,
                 details={"purpose": link.purpose.value})
    return person
