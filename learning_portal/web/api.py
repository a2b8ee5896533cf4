"""JSON API v1 plumbing: blueprints under /api/v1, bearer-token auth, CSRF for cookie sessions, input.

Every domain's ``api.py`` builds its blueprint with ``api_blueprint(name)`` and describes its
operations in an ``OPENAPI`` dict that ``web.openapi`` assembles into ``/api/v1/openapi.json``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Blueprint, current_app, g, request
from flask_login import current_user

from learning_portal import jsoninput
from learning_portal.errors import AuthenticationError, DomainError, PermissionDeniedError, ValidationError
from learning_portal.extensions import csrf

API_PREFIX = "/api/v1"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
F = TypeVar("F", bound=Callable[..., Any])


def api_blueprint(name: str) -> Blueprint:
    bp = Blueprint(name, __name__, url_prefix=API_PREFIX)
    csrf.exempt(bp)  # checked below, only for cookie-authenticated requests
    bp.before_request(_authenticate_api_request)
    return bp


@dataclass(frozen=True)
class TokenGrant:
    """What a bearer token allows: its person's rights, or (a system token: one issued for an agency) only its
    scopes, for that agency."""

    person: Any
    token_id: int
    scopes: frozenset[str] = frozenset()
    agency_id: int | None = None

    @property
    def is_system(self) -> bool:
        return self.agency_id is not None


class ScopeError(PermissionDeniedError):
    code = "scope_not_granted"


def for_scopes(*scopes: str) -> Callable[[F], F]:
    """Open a view to system tokens with any of ``scopes`` (put it right under the route decorator). Views
    without it refuse system tokens: a token reaches only what its scopes name."""
    def mark(view: F) -> F:
        view.api_scopes = frozenset(scopes)  # type: ignore[attr-defined]
        return view
    return mark


def token_grant() -> TokenGrant | None:
    """The bearer token of this request (None for a browser session)."""
    return g.get("api_grant")


def _scopes_of(endpoint: str | None) -> frozenset[str]:
    view = current_app.view_functions.get(endpoint or "")
    return getattr(view, "api_scopes", frozenset())


def by_bearer_token() -> bool:
    """Whether this request is authenticated by a bearer token rather than the browser session's cookie: only
    API routes read the header, so anywhere else it changes nothing (and switches nothing off)."""
    return request.path.startswith(API_PREFIX + "/") and request.headers.get("Authorization") is not None


def _authenticate_api_request() -> None:
    if by_bearer_token():
        scheme, _, raw = request.headers["Authorization"].partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise AuthenticationError("Use 'Authorization: Bearer <token>'.")
        # accounts.api installs the authenticator (web sits below accounts and cannot import it).
        grant: TokenGrant = current_app.extensions["api_token_authenticator"](raw.strip())
        g.api_actor, g.api_grant = grant.person, grant
        # Default deny: a system token without scopes (which issuing never makes) reaches nothing.
        if grant.is_system and not grant.scopes & _scopes_of(request.endpoint):
            raise ScopeError(f"This token is for {', '.join(sorted(grant.scopes))}; it cannot call "
                             f"{request.method} {request.path}.")
        return
    # A browser session is ambient authority: require the CSRF token on state changes.
    if (request.method not in _SAFE_METHODS and current_user.is_authenticated
            and current_app.config.get("WTF_CSRF_ENABLED", True)):
        csrf.protect()


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 400/415 with a clear message."""
    if not request.is_json:
        raise UnsupportedMediaTypeError("Send a JSON body with 'Content-Type: application/json'.")
    data = jsoninput.loads(request.get_data(cache=True))
    if not isinstance(data, dict):
        raise DomainError("The request body must be a JSON object.")
    return data


def csv_body() -> bytes:
    """The request's CSV file (``Content-Type: text/csv``), or a 415 saying what to send."""
    if request.mimetype != "text/csv":
        raise UnsupportedMediaTypeError("Send the CSV file as the body with 'Content-Type: text/csv'.")
    return request.get_data(cache=False)


def file_body(*types: str) -> bytes:
    """The request's body as a file of one of ``types`` (its Content-Type), or a 415 saying what to send."""
    if request.mimetype not in types:
        raise UnsupportedMediaTypeError(f"Send the file as the body with 'Content-Type: {' or '.join(types)}'.")
    return request.get_data(cache=False)


def dry_run_arg() -> bool:
    """``?dry_run=1`` (or true/yes): check and report, write nothing."""
    return request.args.get("dry_run", "").strip().lower() in ("1", "true", "yes")


def require_fields(data: dict[str, Any], **types: type | tuple[type, ...]) -> None:
    """422 naming every missing or mistyped field."""
    problems: dict[str, str] = {}
    for name, expected in types.items():
        if name not in data or data[name] is None:
            problems[name] = "This field is required."
        elif not isinstance(data[name], expected) or isinstance(data[name], bool) and expected is not bool:
            problems[name] = f"Expected {_type_name(expected)}."
    if problems:
        raise ValidationError("Some fields are missing or invalid.", details=problems)


class UnsupportedMediaTypeError(DomainError):
    status = 415
    code = "unsupported_media_type"


def _type_name(expected: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", bool: "true or false", list: "a list", dict: "an object",
             float: "a number"}
    if isinstance(expected, tuple):
        return " or ".join(names.get(t, t.__name__) for t in expected)
    return names.get(expected, expected.__name__)
