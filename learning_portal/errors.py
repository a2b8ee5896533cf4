"""Domain errors carry a message safe to show a user; handlers turn them into HTML or JSON.

API responses (paths under ``/api/``) are always ``{"error": {"code", "message"}}`` with the
matching status, including for Flask's own 404/405/413 and for CSRF failures.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class ValidationError(DomainError):
    status = 422
    code = "validation_failed"


class NotFoundError(DomainError):
    status = 404
    code = "not_found"


class PermissionDeniedError(DomainError):
    status = 403
    code = "forbidden"


class AuthenticationError(DomainError):
    status = 401
    code = "unauthorized"


class ConflictError(DomainError):
    status = 409
    code = "conflict"


class StorageError(Exception):
    """Object storage has no such object, or refused the operation (media, staged uploads)."""


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "too_many_requests",
}


def wants_json() -> bool:
    """The API, and scripts of our pages that send JSON (the SCORM adapter), get errors as JSON."""
    return request.path.startswith("/api/") or request.is_json


def json_error(status: int, code: str, message: str, details: Any = None):
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    response = jsonify(error=body)
    response.status_code = status
    return response


def register_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError):
        if wants_json():
            return json_error(exc.status, exc.code, exc.message, exc.details)
        return render_template("errors/error.html", status=exc.status, message=exc.message), exc.status

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):
        message = "Your form expired or was sent from another site. Reload the page and try again."
        if wants_json():
            return json_error(400, "csrf_failed", exc.description or message)
        return render_template("errors/error.html", status=400, message=message), 400

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        status = exc.code or 500
        if wants_json():
            response = json_error(status, _HTTP_CODES.get(status, "error"), exc.description or exc.name)
            if getattr(exc, "valid_methods", None):
                response.headers["Allow"] = ", ".join(exc.valid_methods)
            return response
        return render_template("errors/error.html", status=status, message=exc.description), status

    @app.errorhandler(500)
    def _server_error(exc: Exception):
        message = "Something went wrong on our side. Please try again; if it keeps happening, tell your administrator."
        if wants_json():
            return json_error(500, "internal_error", message)
        return render_template("errors/error.html", status=500, message=message), 500
