"""``/api/v1/openapi.json``: the OpenAPI 3 document, assembled from each domain's ``OPENAPI`` part."""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, render_template

from learning_portal.web.api import API_PREFIX, api_blueprint

bp = api_blueprint("openapi")
docs_bp = Blueprint("api_docs", __name__)
METHODS = ("get", "post", "put", "patch", "delete")

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "example": "validation_failed"},
                "message": {"type": "string"},
                "details": {"description": "Per-field messages or per-line errors, when there are any."},
            },
        }
    },
}


def error_responses(*statuses: int) -> dict[str, Any]:
    """Response objects for the listed error statuses, all with the common error body."""
    text = {400: "Malformed request", 401: "Not signed in, or the token is invalid or expired",
            403: "Not allowed for this account", 404: "Not found", 409: "Conflicts with existing data",
            413: "Body too large", 415: "Body is not of the documented type (JSON or CSV)",
            422: "Fields missing or invalid", 429: "Too many attempts"}
    return {
        str(s): {"description": text[s],
                 "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        for s in statuses
    }


def register_parts(app: Flask, *parts: dict[str, Any]) -> None:
    app.extensions.setdefault("openapi_parts", []).extend(parts)


def build_document(app: Flask) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {
            "title": "Learning Portal API",
            "version": "1",
            "description": "Training records, courses and compliance for law-enforcement training. "
                           "Authenticate with POST /auth/token and send 'Authorization: Bearer <token>'.",
        },
        "servers": [{"url": API_PREFIX}],
        "paths": {},
        "components": {
            "schemas": {"Error": ERROR_SCHEMA},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": (
                    f"A personal token from POST /auth/token acts as its person, for "
                    f"{app.config['API_TOKEN_TTL_HOURS']} hours. A system token, "
                    "issued by an administrator under System tokens, acts only within its scopes (records:read, "
                    "records:write; see x-token-scopes on an operation) and for one agency; any other operation "
                    "answers 403 scope_not_granted.")},
                "session": {"type": "apiKey", "in": "cookie", "name": "session",
                            "description": "Browser session; state-changing calls need X-CSRFToken."},
            },
        },
        "security": [{"bearer": []}, {"session": []}],
    }
    doc["tags"] = []
    for part in app.extensions.get("openapi_parts", []):
        tag = part["tag"]  # every part has one: the reference page groups operations by it
        doc["tags"].append(dict(tag))
        for path, operations in part.get("paths", {}).items():
            for operation in (operations := deepcopy(operations)).values():
                operation.setdefault("tags", [tag["name"]])
            doc["paths"].setdefault(path, {}).update(operations)
        doc["components"]["schemas"].update(deepcopy(part.get("schemas", {})))
    return doc


def document(app: Flask) -> dict[str, Any]:
    """The app's document, built on first use: its parts are fixed once the app is created."""
    if "openapi_document" not in app.extensions:
        app.extensions["openapi_document"] = build_document(app)
    return app.extensions["openapi_document"]


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(document(current_app))


@docs_bp.get("/api/reference")
def reference():
    """The API reference for integrators, rendered from the same document (public, as the document is)."""
    doc = document(current_app)
    groups: dict[str, list[tuple[str, str, dict[str, Any]]]] = {t["name"]: [] for t in doc["tags"]}
    for path, operations in doc["paths"].items():
        for method in METHODS:
            if method in operations:
                operation = operations[method]
                groups[operation["tags"][0]].append((method.upper(), path, operation))
    return render_template("api/reference.html", doc=doc, groups=groups, prefix=API_PREFIX)


OPENAPI = {
    "tag": {"name": "Reference", "description": "This description of the API."},
    "paths": {
        "/openapi.json": {
            "get": {"summary": "This document", "security": [],
                    "description": "OpenAPI 3.0 JSON; the same content is rendered for people at /api/reference.",
                    "responses": {"200": {"description": "OpenAPI 3 document",
                                          "content": {"application/json": {"schema": {"type": "object"}}}}}}
        }
    }
}
