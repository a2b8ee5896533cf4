"""Response headers every page and API answer gets, and the time limits of browser sessions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, Response, flash, redirect, request, session, url_for
from flask_login import current_user, logout_user, user_logged_in

from learning_portal.clock import utcnow
from learning_portal.errors import AuthenticationError, DomainError
from learning_portal.web.api import by_bearer_token

View = TypeVar("View", bound=Callable[..., Any])


def safe_next(target: str | None) -> str:
    """Where to go after an action: a path on this site only (never an address elsewhere, nor ``//host`` or
    ``/\\host``, which browsers read as one); anything else goes home."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and target[1:2] not in ("/", "\\"):
            return target
    return url_for("home.index")


def accepts_body(limit: Callable[[dict[str, Any]], int]) -> Callable[[View], View]:
    """Let an upload view take a body above MAX_CONTENT_LENGTH: ``limit(config)`` bytes, applied before
    CSRF or anything else reads the form (raising it inside the view would be too late)."""
    def mark(view: View) -> View:
        view.max_body_bytes = limit  # type: ignore[attr-defined]
        return view
    return mark


CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def init_app(app: Flask) -> None:
    """Registered before the CSRF check, so an upload's own body limit holds when CSRF reads its form."""
    @app.before_request
    def _body_limit() -> None:
        limit = getattr(app.view_functions.get(request.endpoint or ""), "max_body_bytes", None)
        if limit is not None:
            request.max_content_length = limit(app.config)

    @app.before_request
    def _refuse_nul() -> None:
        """A NUL in a query or form value is refused up front (PostgreSQL text cannot hold one)."""
        values = [*request.args.values(), *request.args.keys()]
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            values += [*request.form.values(), *request.form.keys()]  # over the request's limit: 413
        if any("\x00" in v for v in values):
            raise DomainError("Text in the request may not contain NUL characters.")

    @user_logged_in.connect_via(app)
    def _stamp_sign_in(_app: Flask, **_extra: object) -> None:
        session["signed_in_at"] = session["seen"] = int(utcnow().timestamp())

    @app.before_request
    def _session_limits() -> Response | None:
        """Sign a browser out after SESSION_IDLE_MINUTES without a request (a shared car terminal), and
        SESSION_MAX_HOURS after signing in however active it was (a stolen cookie does not live on)."""
        if request.endpoint == "static" or by_bearer_token() or not current_user.is_authenticated:
            return None  # API tokens carry their own expiry; stylesheets need no user
        now = int(utcnow().timestamp())
        idle, seen = int(app.config["SESSION_IDLE_MINUTES"] * 60), session.get("seen")
        signed_in_at = session.setdefault("signed_in_at", now)  # sessions from before the stamp start now
        if isinstance(seen, int) and now - seen > idle:
            message = f"You were signed out after {app.config['SESSION_IDLE_MINUTES']} minutes without activity."
        elif not isinstance(signed_in_at, int) or now - signed_in_at > app.config["SESSION_MAX_HOURS"] * 3600:
            message = f"You were signed out {app.config['SESSION_MAX_HOURS']} hours after signing in."
        else:
            if not isinstance(seen, int) or now - seen >= 60:  # refresh the cookie at most once a minute
                session["seen"] = now
            return None
        logout_user()
        session.clear()
        if request.path.startswith("/api/"):
            raise AuthenticationError(message + " Sign in again.")
        flash(message + " Sign in again.", "info")
        return redirect(url_for("accounts.login", next=request.full_path if request.method == "GET" else None))

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
        if request.path.startswith("/api/") or response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", "no-store")
        return response
