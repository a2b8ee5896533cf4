"""Account rules: agencies, people, sign-in with lock-out, API tokens, CSV import of people."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.orm import Session

from learning_portal.accounts import history, passwords, two_factor
from learning_portal.accounts.localdate import today_for
from learning_portal.accounts.models import Agency, ApiToken, Assignment, Jurisdiction, Person, RankTier, Role
from learning_portal.accounts.permissions import RecordsWindow, can_manage_person, can_view_person, records_window
from learning_portal.audit import services as audit
from learning_portal.audit.models import AuditEntry
from learning_portal.db import upsert_by_key
from learning_portal.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from learning_portal.formatting import human_date

POST_ID_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,19}$")
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
JURISDICTION_RE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{2,12}$")
AGENCY_NUMBER_RE = re.compile(r"^[A-Za-z0-9-]{1,16}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TOKEN_PREFIX = "lp_"  # noqa: S105 - a prefix, not a secret


# --- errors --------------------------------------------------------------------------------------


class InvalidCredentialsError(AuthenticationError):
    code = "invalid_credentials"


WRONG_CREDENTIALS = "Wrong username or password."  # for unknown usernames too


class AccountLockedError(AuthenticationError):
    code = "account_locked"
    status = 429

    def __init__(self, until: datetime) -> None:
        super().__init__(
            "Too many failed sign-in attempts. This account is locked until "
            f"{until:%H:%M} UTC; try again then or ask your administrator."
        )
        self.until = until


class AddressThrottledError(AuthenticationError):
    code = "too_many_attempts"
    status = 429

    def __init__(self, until: datetime) -> None:
        super().__init__("Too many failed sign-in attempts from your network address. Try again after "
                         f"{until:%H:%M} UTC.")
        self.until = until


class InvalidTokenError(AuthenticationError):
    code = "invalid_token"


class ExpiredTokenError(AuthenticationError):
    code = "token_expired"


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 5  # per account, then locked for ``lockout``
    lockout: timedelta = timedelta(minutes=15)
    address_max_failures: int = 30  # per client address within ``lockout`` (a station shares one address)

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> LoginPolicy:
        return cls(max_failures=int(config["LOGIN_MAX_FAILURES"]),
                   lockout=timedelta(minutes=float(config["LOGIN_LOCKOUT_MINUTES"])),
                   address_max_failures=int(config["LOGIN_ADDRESS_MAX_FAILURES"]))


# --- agencies -------------------------------------------------------------------------------------


def create_agency(session: Session, *, actor: Person, jurisdiction: str, number: str, name: str,
                  now: datetime) -> Agency:
    _require_admin(actor)
    jurisdiction, number, name = jurisdiction.strip().upper(), number.strip(), " ".join(name.split())
    errors: dict[str, str] = {}
    if not JURISDICTION_RE.match(jurisdiction):
        errors["jurisdiction"] = "Use the regulator's code, for example CA-POST or CO-POST."
    elif jurisdiction not in (known := known_jurisdictions(session)):
        errors["jurisdiction"] = _unknown_jurisdiction_message(jurisdiction, known)
    if not AGENCY_NUMBER_RE.match(number):
        errors["number"] = "Use letters, digits and dashes (at most 16)."
    if not name or len(name) > 200:
        errors["name"] = "Give the agency's name (at most 200 characters)."
    if errors:
        raise ValidationError("The agency could not be created.", details=errors)
    if get_agency_by_number(session, jurisdiction, number) is not None:
        raise ConflictError(f"Agency {jurisdiction} {number} already exists.",
                            details={"number": "This agency number is already in use."})
    agency = Agency(jurisdiction=jurisdiction, number=number, name=name, created_at=now)
    session.add(agency)
    session.flush()
    audit.record(session, "agency.created", actor_id=actor.id, target=f"agency:{agency.id}", now=now,
                 details={"jurisdiction": jurisdiction, "number": number})
    return agency


def upsert_jurisdiction(session: Session, *, code: str, name: str, cycle_months: int, cycle_anchor: date,
                        repeat_credit_in_cycle: bool, timezone: str, due_soon_days: int,
                        judged_from: date | None, exemption_grounds: list[dict], now: datetime,
                        external_cpt: str = "certified_only", external_citation: str = "",
                        roster_review: str = "none") -> bool:
    return upsert_by_key(session, Jurisdiction, code, {"name": name, "cycle_months": cycle_months,
                                                       "cycle_anchor": cycle_anchor, "timezone": timezone,
                                                       "repeat_credit_in_cycle": repeat_credit_in_cycle,
                                                       "due_soon_days": due_soon_days, "judged_from": judged_from,
                                                       "exemption_grounds": exemption_grounds,
                                                       "external_cpt": external_cpt,
                                                       "external_citation": external_citation,
                                                       "roster_review": roster_review}, now=now)


def known_jurisdictions(session: Session) -> set[str]:
    return set(session.scalars(select(Jurisdiction.code)))


def _unknown_jurisdiction_message(code: str, known: set[str]) -> str:
    listed = ", ".join(sorted(known)) or "none yet: import content/requirements first"
    return f"Unknown jurisdiction {code}; the portal knows: {listed}."


def get_agency_by_number(session: Session, jurisdiction: str, number: str) -> Agency | None:
    return session.scalar(select(Agency).where(Agency.jurisdiction == jurisdiction, Agency.number == number))


# --- people ---------------------------------------------------------------------------------------


@dataclass
class PersonInput:
    """The fields of a person as entered (form, CSV row or API); ``clean()`` checks and normalises."""

    post_id: str
    first_name: str
    last_name: str
    role: str
    email: str = ""
    username: str = ""
    rank_tier: str = RankTier.LINE.value
    assignment: str = Assignment.OTHER.value
    is_reserve: bool | str = False
    is_clerical: bool | str = False
    hire_date: date | str | None = None
    promotion_date: date | str | None = None
    assigned_on: date | str | None = None
    agency_id: int | None = None

    def clean(self) -> tuple[dict[str, object], dict[str, str]]:
        """Return (values, errors): normalised values for Person and one message per bad field."""
        errors: dict[str, str] = {}
        values: dict[str, object] = {}

        post_id = (self.post_id or "").strip().upper()
        if not POST_ID_RE.match(post_id):
            errors["post_id"] = "POST ID must be 3-20 letters, digits or dashes."
        values["post_id"] = post_id

        for name in ("first_name", "last_name"):
            value = " ".join((getattr(self, name) or "").split())
            if not value or len(value) > 100:
                errors[name] = "Required, at most 100 characters."
            values[name] = value

        email = (self.email or "").strip()
        if email and (len(email) > 254 or not EMAIL_RE.match(email)):
            errors["email"] = "Not a valid email address."
        values["email"] = email or None

        given_username = (self.username or "").strip().lower()
        username = given_username or post_id.lower()
        if (given_username or "post_id" not in errors) and not USERNAME_RE.match(username):
            errors["username"] = "Username: 2-64 lower-case letters, digits, dots, dashes or underscores."
        values["username"] = username

        for name, enum_cls in (("role", Role), ("rank_tier", RankTier), ("assignment", Assignment)):
            raw = (getattr(self, name) or "").strip().lower().replace(" ", "_")
            try:
                values[name] = enum_cls(raw)
            except ValueError:
                errors[name] = f"Must be one of: {', '.join(m.value for m in enum_cls)}."

        for name in ("is_reserve", "is_clerical"):
            try:
                values[name] = parse_bool(getattr(self, name))
            except ValueError:
                errors[name] = "Use yes or no."

        for name in ("hire_date", "promotion_date", "assigned_on"):
            try:
                values[name] = parse_date(getattr(self, name))
            except ValueError:
                errors[name] = "Use a date such as 2024-03-31 (or 03/31/2024)."

        values["agency_id"] = self.agency_id
        if values.get("role") is not Role.ADMINISTRATOR and self.agency_id is None:
            errors["agency_id"] = "Everyone except administrators belongs to an agency."
        return values, errors


def create_person(session: Session, *, actor: Person, data: PersonInput, now: datetime,
                  password: str | None = None) -> Person:
    """Add someone: administrators anyone, a training manager the people of their own agency (not commission
    staff)."""
    if not actor.has_role(Role.ADMINISTRATOR):
        if not (actor.has_role(Role.TRAINING_MANAGER) and actor.agency_id is not None
                and data.agency_id == actor.agency_id):
            raise PermissionDeniedError("Administrators add anyone; a training manager adds the people of their "
                                        "own agency.")
        if str(data.role).strip().lower() == Role.ADMINISTRATOR.value:
            raise PermissionDeniedError("Only administrators add commission staff.")
    person = _create_person(session, actor=actor, data=data, now=now, password=password)
    _account_created(session, actor, person, now)
    return person


def create_administrator(session: Session, *, data: PersonInput, now: datetime, password: str) -> Person:
    """Bootstrap a portal's first administrator (CLI); there is no acting administrator yet."""
    data.role, data.agency_id = Role.ADMINISTRATOR.value, None
    person = _create_person(session, actor=None, data=data, now=now, password=password)
    _account_created(session, None, person, now)
    return person


def _account_created(session: Session, actor: Person | None, person: Person, now: datetime) -> None:
    audit.record(session, "account.created", actor_id=actor.id if actor else None, subject_id=person.id, now=now,
                 details={"role": person.role.value, "agency_id": person.agency_id})


def _create_person(session: Session, *, actor: Person | None, data: PersonInput, now: datetime,
                   password: str | None) -> Person:
    values, errors = data.clean()
    if password is not None and (problem := passwords.password_problem(password)):
        errors["password"] = problem
    if values["agency_id"] is not None and session.get(Agency, values["agency_id"]) is None:
        errors["agency_id"] = "No such agency."
    if errors:
        raise ValidationError("The person could not be saved.", details=errors)
    taken = _existing_identities(session, [str(values["post_id"])], [str(values["username"])])
    if taken:
        raise ConflictError("Someone with this POST ID or username already exists.",
                            details={key: "Already in use." for key in taken})
    person = Person(**values, created_at=now, login_nonce=secrets.token_hex(8),
                    password_hash=passwords.hash_password(password) if password else None)
    session.add(person)
    session.flush()
    history.begin(session, person, actor=actor, now=now)
    return person


def set_password(session: Session, *, actor: Person, person: Person, password: str, now: datetime) -> None:
    """Set a password (administrators for anyone, people for themselves); signs out other sessions."""
    if actor.id != person.id:
        _require_admin(actor)
    if problem := passwords.password_problem(password):
        raise ValidationError(problem, details={"password": problem})
    person.password_hash = passwords.hash_password(password)
    person.login_nonce = secrets.token_hex(8)  # signs out every browser session
    person.failed_logins = 0
    person.locked_until = None
    session.execute(update(ApiToken).where(ApiToken.person_id == person.id, ApiToken.revoked_at.is_(None))
                    .values(revoked_at=now))
    session.flush()
    audit.record(session, "account.password_set", actor_id=actor.id, subject_id=person.id, now=now)


def change_own_password(session: Session, *, person: Person, current: str, new: str, now: datetime) -> None:
    if not passwords.verify_password(person.password_hash, current):
        raise ValidationError("Your current password is not correct.",
                              details={"current_password": "Not correct."})
    set_password(session, actor=person, person=person, password=new, now=now)


def check_password(session: Session, *, username: str, password: str, now: datetime, via: str = "form",
                   policy: LoginPolicy = LoginPolicy()) -> Person:
    """The first step of signing in. Failures are counted and audited (the caller commits them); success
    resets nothing until ``finish_sign_in``, so a second factor cannot be guessed between right passwords.

    Unknown and known usernames answer alike: the same message, the same cost, and a lock after as many
    failures, so the answers do not tell which accounts exist."""
    _check_address(session, now, policy)
    username = username.strip().lower()
    person = session.scalar(select(Person).where(Person.username == username))
    if person is None:
        _unknown_username_attempt(session, username, password, now, via, policy)
        raise InvalidCredentialsError(WRONG_CREDENTIALS)
    attempt = _claim_attempt(session, person, now, via, policy)
    if not passwords.verify_password(person.password_hash, password):
        _attempt_failed(session, person, attempt, now, via, policy, reason="wrong password")
        raise InvalidCredentialsError(WRONG_CREDENTIALS)
    _release_attempt(session, person)
    if not person.is_enabled:
        _sign_in_failed(session, person, now, via, reason="disabled")
        raise InvalidCredentialsError("This account is disabled. Ask your administrator.")
    if person.password_hash and passwords.needs_rehash(person.password_hash):
        person.password_hash = passwords.hash_password(password)
    return person


def check_second_factor(session: Session, *, person: Person, code: str, now: datetime, via: str = "form",
                        policy: LoginPolicy = LoginPolicy()) -> str:
    """The second step, for people with two-factor sign-in on: "app" or "recovery" for what matched."""
    attempt = _claim_attempt(session, person, now, via, policy)
    kind = two_factor.verify(session, person=person, code=code, now=now)
    if kind is None:
        _attempt_failed(session, person, attempt, now, via, policy, reason="wrong code")
        raise InvalidCredentialsError("That code is not right. Enter the current code from your app, or one of "
                                      "your recovery codes.")
    return kind


def finish_sign_in(session: Session, *, person: Person, now: datetime, via: str = "form") -> None:
    person.failed_logins = 0
    person.locked_until = None
    person.last_login_at = now
    audit.record(session, "sign_in", actor_id=person.id, subject_id=person.id, now=now, details={"via": via})


def sign_out(session: Session, *, person: Person, now: datetime) -> None:
    """A new nonce: every copy of the session cookie stops working, not only this browser's."""
    person.login_nonce = secrets.token_hex(8)
    audit.record(session, "sign_out", actor_id=person.id, subject_id=person.id, now=now)


_people = Person.__table__


def _claim_attempt(session: Session, person: Person, now: datetime, via: str, policy: LoginPolicy) -> int:
    """Count an attempt before checking it, in one UPDATE: parallel guesses get 1, 2, 3, ... as sequential ones
    would, and one past the limit (a parallel guess took the last) locks the account and is refused unchecked.
    An expired lock starts the count again."""
    count = case((_people.c.locked_until.is_(None), _people.c.failed_logins + 1), else_=1)
    row = session.execute(
        update(_people).where(_people.c.id == person.id,
                              or_(_people.c.locked_until.is_(None), _people.c.locked_until <= now))
        .values(failed_logins=count,
                locked_until=case((count > policy.max_failures, now + policy.lockout), else_=None))
        .returning(_people.c.failed_logins, _people.c.locked_until)).one_or_none()
    session.expire(person, ["failed_logins", "locked_until"])
    if row is not None and row.locked_until is None:
        return row.failed_logins
    _sign_in_failed(session, person, now, via, reason="locked")
    raise AccountLockedError(row.locked_until if row is not None else person.locked_until)


def _release_attempt(session: Session, person: Person) -> None:
    """A right password is not a failure; the count is reset only when the sign-in is complete."""
    session.execute(update(_people).where(_people.c.id == person.id, _people.c.failed_logins > 0)
                    .values(failed_logins=_people.c.failed_logins - 1))
    session.expire(person, ["failed_logins"])


def _attempt_failed(session: Session, person: Person, attempt: int, now: datetime, via: str, policy: LoginPolicy,
                    reason: str) -> None:
    _sign_in_failed(session, person, now, via, reason=reason)
    if attempt >= policy.max_failures:
        until = now + policy.lockout
        session.execute(update(_people).where(_people.c.id == person.id).values(locked_until=until))
        session.expire(person, ["locked_until"])
        audit.record(session, "account.locked", actor_id=None, subject_id=person.id, now=now,
                     details={"until": until.isoformat()})
        raise AccountLockedError(until)


def _unknown_username_attempt(session: Session, username: str, password: str, now: datetime, via: str,
                              policy: LoginPolicy) -> None:
    """Audit a sign-in with an unknown username, and answer "locked" after as many failures as a real account
    would (failures within the lock-out window, counted per username in the audit log), so that neither the
    message nor the cost tells whether an account exists."""
    target = "username:" + hashlib.sha256(username.encode()).hexdigest()[:32]
    recent = audit.recent_times(session, "sign_in.failed", AuditEntry.target == target, since=now - policy.lockout,
                                limit=policy.max_failures)
    details = {"via": via, "username": username[:64]}
    if len(recent) >= policy.max_failures:  # "locked": not counted, as for an account
        audit.record(session, "sign_in.failed", actor_id=None, now=now, details={**details, "reason": "locked"})
        raise AccountLockedError(recent[0] + policy.lockout)  # from the failure that locked it, as for an account
    passwords.verify_password(None, password)  # same cost as a real check
    audit.record(session, "sign_in.failed", actor_id=None, now=now, target=target,
                 details={**details, "reason": "unknown username"})
    if len(recent) == policy.max_failures - 1:
        raise AccountLockedError(now + policy.lockout)


def _sign_in_failed(session: Session, person: Person | None, now: datetime, via: str, **details: str) -> None:
    audit.record(session, "sign_in.failed", actor_id=None, subject_id=person.id if person else None, now=now,
                 details={"via": via, **details})


def _check_address(session: Session, now: datetime, policy: LoginPolicy) -> None:
    """Refuse sign-ins from an address with too many recent failures (guessing across many accounts)."""
    address = audit.client_address.get()
    if address is None:
        return
    recent = audit.recent_times(session, "sign_in.failed", AuditEntry.address == address,
                                since=now - policy.lockout, limit=policy.address_max_failures)
    if len(recent) >= policy.address_max_failures:
        raise AddressThrottledError(recent[-1] + policy.lockout)


def load_session_user(session: Session, session_id: str) -> Person | None:
    """Resolve Flask-Login's stored id ``"<id>:<nonce>"``; None when it no longer matches."""
    person_id, _, nonce = session_id.partition(":")
    if not person_id.isdigit() or not nonce:
        return None
    person = session.get(Person, int(person_id))
    if person is None or not secrets.compare_digest(person.login_nonce, nonce) or not person.is_enabled:
        return None
    return person


# --- API tokens -----------------------------------------------------------------------------------


def _token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_api_token(session: Session, *, person: Person, now: datetime, ttl: timedelta) -> tuple[str, ApiToken]:
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(person_id=person.id, token_hash=_token_digest(raw), created_at=now, expires_at=now + ttl)
    session.add(token)
    session.flush()
    return raw, token


# What a system token may be for; each scope names the operations it opens, for the token's agency only.
SCOPES = {
    "records:read": "Read the training records of the agency's people (GET /agencies/{id}/records)",
    "records:write": "Post training records for the agency's people (POST /records)",
}


def issue_system_token(session: Session, *, issuer: Person, name: str, scopes: list[str], agency: Agency,
                       now: datetime, ttl: timedelta) -> tuple[str, ApiToken]:
    """A token for another system (an agency's records system, say): limited to ``scopes`` and ``agency``."""
    if not issuer.has_role(Role.ADMINISTRATOR):
        raise PermissionDeniedError("Only administrators issue system tokens.")
    problems = {}
    if not name.strip() or len(name) > 100:
        problems["name"] = "Name the system the token is for (up to 100 characters)."
    if not scopes or not set(scopes) <= set(SCOPES):
        problems["scopes"] = "Choose at least one scope."
    if problems:
        raise ValidationError("The token cannot be issued.", details=problems)
    raw, token = issue_api_token(session, person=issuer, now=now, ttl=ttl)
    token.name, token.scopes, token.agency_id = name.strip(), sorted(set(scopes)), agency.id
    audit.record(session, "api_token.issued", actor_id=issuer.id, now=now,
                 details={"token_id": token.id, "name": token.name, "scopes": token.scopes, "agency_id": agency.id})
    session.flush()
    return raw, token


def system_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.agency_id.is_not(None))
                                .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())))


def revoke_system_token(session: Session, *, actor: Person, token_id: int, now: datetime) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or token.agency_id is None:
        raise NotFoundError("No such system token.")
    if token.revoked_at is None:
        token.revoked_at = now
        audit.record(session, "api_token.revoked", actor_id=actor.id, now=now,
                     details={"token_id": token.id, "name": token.name})
        session.flush()
    return token


def authenticate_token(session: Session, *, raw: str, now: datetime) -> ApiToken:
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 128:
        raise InvalidTokenError("The API token is not valid.")
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(raw)))
    if token is None or token.revoked_at is not None or not token.person.is_enabled:
        raise InvalidTokenError("The API token is not valid.")
    if token.expires_at <= now:
        raise ExpiredTokenError("The API token has expired; request a new one.")
    # Coarse last-use stamp: one write per token per minute at most.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now
        session.flush()
    return token


def _existing_identities(session: Session, post_ids: list[str], usernames: list[str]) -> dict[str, set[str]]:
    """Which of these POST IDs and usernames are already taken: {"post_id": {...}, "username": {...}}."""
    found: dict[str, set[str]] = {}
    for key, column, values in (("post_id", Person.post_id, post_ids), ("username", Person.username, usernames)):
        taken: set[str] = set()
        for start in range(0, len(values), 500):
            taken.update(session.scalars(select(column).where(column.in_(values[start:start + 500]))))
        if taken:
            found[key] = taken
    return found


# --- small parsers --------------------------------------------------------------------------------

_TRUE = {"1", "y", "yes", "true", "t"}
_FALSE = {"", "0", "n", "no", "false", "f"}


def parse_bool(value: bool | str | None) -> bool:
    if isinstance(value, bool):
        return value
    text = (value or "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(value)


def parse_date(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    text = value.strip()
    if not text:
        return None
    if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", text):
        month, day, year = (int(p) for p in text.split("/"))
        return date(year, month, day)
    return date.fromisoformat(text)


def count_people(session: Session, agency_id: int) -> int:
    return session.scalar(select(func.count(Person.id)).where(Person.agency_id == agency_id)) or 0


def record_leaving(session: Session, *, actor: Person, person: Person, left_on: date, now: datetime) -> None:
    """Someone left the agency on ``left_on`` (administrators, or the person's training manager; nobody for
    themselves): the account closes at once (sessions and tokens end); their personal data is purged after
    the retention period (``flask privacy purge``). ``reopen_account`` undoes it."""
    if not can_manage_person(actor, person):
        raise PermissionDeniedError("Only an administrator or the person's training manager records that they "
                                    "left, and never for themselves.")
    if person.left_on is not None:
        raise ConflictError(f"{person.full_name} is already recorded as having left on {human_date(person.left_on)}.")
    if left_on > today_for(session, person, now):
        raise ValidationError("The leaving date is in the future.", details={"left_on": "Today or earlier."})
    if person.hire_date is not None and left_on < person.hire_date:
        raise ValidationError("The leaving date is before the hire date.",
                              details={"left_on": f"On or after {human_date(person.hire_date)}."})
    person.is_enabled, person.left_on, person.login_nonce = False, left_on, secrets.token_hex(8)
    session.execute(update(ApiToken).where(ApiToken.person_id == person.id, ApiToken.revoked_at.is_(None))
                    .values(revoked_at=now))
    audit.record(session, "account.left", actor_id=actor.id, subject_id=person.id, now=now,
                 details={"left_on": left_on.isoformat()})


def reopen_account(session: Session, *, actor: Person, person: Person, rehired_on: date | None,
                   now: datetime) -> None:
    """Undo a leaving recorded by mistake, or re-hire (``rehired_on`` becomes the hire date): the account
    opens again with the password it had. Not after the personal data was purged."""
    if not can_manage_person(actor, person):
        raise PermissionDeniedError("Only an administrator or the person's training manager reopens an account.")
    if person.left_on is None:
        raise ConflictError(f"{person.full_name}'s account is open.")
    if person.purged_at is not None:
        raise ConflictError("This person's personal data was removed under the retention policy: add them again.")
    if rehired_on is not None and (rehired_on < person.left_on or rehired_on > today_for(session, person, now)):
        raise ValidationError("The re-hire date must fall between the leaving date and today.",
                              details={"rehired_on": f"From {human_date(person.left_on)} to today."})
    left_on = person.left_on
    person.is_enabled, person.left_on = True, None
    if rehired_on is not None:
        person.hire_date = rehired_on
    audit.record(session, "account.reopened", actor_id=actor.id, subject_id=person.id, now=now,
                 details={"left_on": left_on.isoformat(), "rehired_on": rehired_on.isoformat() if rehired_on else None})


def open_person(session: Session, *, actor: Person, person_id: int, what: str, now: datetime) -> Person:
    """The person, if ``actor`` may see them (404 otherwise, so ids cannot be probed); another's record
    opened is recorded in the audit log."""
    person = session.get(Person, person_id)
    if person is None or not can_view_person(actor, person):
        raise NotFoundError("No such person in the records you can see.")
    audit.viewed(session, actor_id=actor.id, subject_id=person.id, what=what, now=now)
    return person


def open_records(session: Session, *, actor: Person, person_id: int, now: datetime) -> tuple[Person, RecordsWindow]:
    """The person and which of their training records ``actor`` may read (a former agency reads those from
    the person's time there); not found otherwise. Recorded in the audit log like ``open_person``."""
    person = session.get(Person, person_id)
    window = records_window(session, actor, person) if person is not None else None
    if person is None or window is None:
        raise NotFoundError("No such person in the records you can see.")
    audit.viewed(session, actor_id=actor.id, subject_id=person.id, what="training profile", now=now)
    return person, window


def get_person_or_error(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFoundError("No such person.")
    return person


def _require_admin(actor: Person) -> None:
    if not actor.has_role(Role.ADMINISTRATOR):
        raise PermissionDeniedError("Only administrators can do this.")
