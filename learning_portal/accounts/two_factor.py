"""Two-factor sign-in: an authenticator app (TOTP, 30-second steps, 6 digits) and one-time recovery codes.

Optional for everyone; the roles in TWO_FACTOR_REQUIRED_ROLES (administrators and training managers by default)
must set it up before they can do anything else. A code is accepted within one step either side of now, and
never twice (the last step accepted is kept). Wrong codes count toward the account's lock-out like wrong
passwords.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from learning_portal.accounts.models import Person, RecoveryCode, Role, TwoFactor
from learning_portal.audit import services as audit
from learning_portal.errors import ConflictError, PermissionDeniedError, ValidationError

ISSUER = "Learning Portal"
RECOVERY_CODES = 10
STEP = timedelta(seconds=30)


def required(person: Person, roles: Iterable[str]) -> bool:
    return person.has_role(*roles)


def enabled(session: Session, person: Person) -> bool:
    tf = session.get(TwoFactor, person.id)
    return tf is not None and tf.confirmed_at is not None


def begin_setup(session: Session, *, person: Person, now: datetime) -> str:
    """A new key for the person's app (replacing an unfinished setup). Returns the key."""
    if enabled(session, person):
        raise ConflictError("Two-factor sign-in is already on. Turn it off first to move to a new device.")
    secret = pyotp.random_base32()
    tf = session.get(TwoFactor, person.id)
    if tf is None:
        session.add(TwoFactor(person_id=person.id, secret=secret, created_at=now))
    else:
        tf.secret, tf.created_at, tf.last_step = secret, now, 0
    session.flush()
    return secret


def provisioning_uri(person: Person, secret: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=person.username, issuer_name=ISSUER)


def pending_secret(session: Session, person: Person) -> str | None:
    tf = session.get(TwoFactor, person.id)
    return tf.secret if tf is not None and tf.confirmed_at is None else None


def confirm_setup(session: Session, *, person: Person, code: str, now: datetime) -> list[str]:
    """Turn it on once the app shows a right code; returns the recovery codes, shown once."""
    tf = session.get(TwoFactor, person.id)
    if tf is None or tf.confirmed_at is not None:
        raise ConflictError("Start the setup again: there is no key waiting for confirmation.")
    if not _accept_totp(session, tf, code, now):
        raise ValidationError("That code is not right. Check the time on your phone, then try the current code.",
                              details={"code": "Not right."})
    tf.confirmed_at = now
    codes = _new_recovery_codes(session, person, now)
    audit.record(session, "two_factor.enabled", actor_id=person.id, subject_id=person.id, now=now)
    return codes


def verify(session: Session, *, person: Person, code: str, now: datetime) -> str | None:
    """Check a sign-in code: "app" or "recovery" for the kind that matched, None when neither did."""
    tf = session.get(TwoFactor, person.id)
    if tf is None or tf.confirmed_at is None:
        return None
    if _accept_totp(session, tf, code, now):
        return "app"
    digest = _digest(code)
    for rc in session.scalars(select(RecoveryCode).where(RecoveryCode.person_id == person.id,
                                                         RecoveryCode.used_at.is_(None))):
        if hmac.compare_digest(rc.code_hash, digest):
            # Marked used only if still unused: two requests racing with one code cannot both pass.
            used = session.execute(update(RecoveryCode).where(RecoveryCode.id == rc.id, RecoveryCode.used_at.is_(None))
                                   .values(used_at=now))
            if used.rowcount == 1:
                audit.record(session, "two_factor.recovery_code_used", actor_id=person.id, subject_id=person.id,
                             now=now, details={"left": recovery_codes_left(session, person)})
                return "recovery"
    return None


def recovery_codes_left(session: Session, person: Person) -> int:
    return len(session.scalars(select(RecoveryCode.id).where(RecoveryCode.person_id == person.id,
                                                             RecoveryCode.used_at.is_(None))).all())


def regenerate_recovery_codes(session: Session, *, person: Person, now: datetime) -> list[str]:
    if not enabled(session, person):
        raise ConflictError("Turn on two-factor sign-in first.")
    codes = _new_recovery_codes(session, person, now)
    audit.record(session, "two_factor.recovery_codes_renewed", actor_id=person.id, subject_id=person.id, now=now)
    return codes


def disable(session: Session, *, actor: Person, person: Person, required_roles: Iterable[str], now: datetime) -> None:
    """People turn off their own (unless their role requires it); administrators reset anyone's (lost phone)."""
    if actor.id == person.id and required(person, required_roles):
        raise PermissionDeniedError("Your role requires two-factor sign-in. To move to a new phone, ask an "
                                    "administrator to reset it, then set it up again.")
    if actor.id != person.id and not actor.has_role(Role.ADMINISTRATOR):
        raise PermissionDeniedError("Only administrators reset someone else's two-factor sign-in.")
    session.execute(delete(TwoFactor).where(TwoFactor.person_id == person.id))
    session.execute(delete(RecoveryCode).where(RecoveryCode.person_id == person.id))
    audit.record(session, "two_factor.disabled", actor_id=actor.id, subject_id=person.id, now=now)


def _accept_totp(session: Session, tf: TwoFactor, code: str, now: datetime) -> bool:
    code = "".join(code.split())
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return False
    totp = pyotp.TOTP(tf.secret)
    for offset in (-1, 0, 1):
        at = now + offset * STEP
        step = totp.timecode(at)
        if step > tf.last_step and hmac.compare_digest(totp.at(at), code):
            # Taken only if no other request took this step first: a code works once.
            taken = session.execute(update(TwoFactor).where(TwoFactor.person_id == tf.person_id,
                                                            TwoFactor.last_step < step).values(last_step=step))
            session.refresh(tf)
            return taken.rowcount == 1
    return False


def _new_recovery_codes(session: Session, person: Person, now: datetime) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.person_id == person.id))
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    session.add_all(RecoveryCode(person_id=person.id, code_hash=_digest(c), created_at=now) for c in codes)
    session.flush()
    return codes


def _digest(code: str) -> str:
    return hashlib.sha256("".join(code.lower().split()).encode()).hexdigest()
