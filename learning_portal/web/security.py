"""Response headers every page and API answer gets, and the time limits of browser sessions."""

from __future__ import annotations

from flask import Flask, Response, flash, redirect, request, session, url_for
from flask_login import current_user, logout_user, user_logged_in

from learning_portal.clock import utcnow
from learning_portal.errors import AuthenticationError, DomainError
from learning_portal.web.api import by_bearer_token

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def init_app(app: Flask) -> None:
    @app.before_request
    def _refuse_nul() -> None:
        """A NUL in a query or form value is refused up front (PostgreSQL text cannot hold one)."""
        values = [*request.args.values(), *request.args.keys()]
        # Form bodies within the app-wide limit only: a video upload raises the limit in its own view, and
        # reading its form here would refuse it first.
        if (request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data")
                and (request.content_length or 0) <= app.config["MAX_CONTENT_LENGTH"]):
            values += [*request.form.values(), *request.form.keys()]
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
