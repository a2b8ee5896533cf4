"""API: tokens and the caller's own account."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, jsonify

from learning_portal.accounts import services, two_factor
from learning_portal.accounts.models import Person
from learning_portal.clock import utcnow
from learning_portal.db import get_session
from learning_portal.errors import AuthenticationError, PermissionDeniedError
from learning_portal.web.api import TokenGrant, api_blueprint, json_body, require_fields
from learning_portal.web.auth import current_actor, login_required
from learning_portal.web.openapi import error_responses

bp = api_blueprint("accounts_api")


def authenticate_bearer(raw: str) -> TokenGrant:
    """Who an API token acts as, and within what; installed as the app's ``api_token_authenticator``."""
    session = get_session()
    token = services.authenticate_token(session, raw=raw, now=utcnow())
    session.commit()  # last-used stamp
    return TokenGrant(token.person, token.id, frozenset(token.scopes or ()), token.agency_id)


class OtpRequiredError(AuthenticationError):
    code = "otp_required"


@bp.post("/auth/token")
def issue_token():
    data = json_body()
    require_fields(data, username=str, password=str)
    session, now = get_session(), utcnow()
    policy = services.LoginPolicy.from_config(current_app.config)
    try:
        person = services.check_password(session, username=data["username"], password=data["password"], now=now,
                                         via="api", policy=policy)
        if two_factor.enabled(session, person):
            if not isinstance(data.get("otp"), str) or not data["otp"].strip():
                raise OtpRequiredError("Two-factor sign-in is on for this account: send the current code as otp.")
            services.check_second_factor(session, person=person, code=data["otp"], now=now, via="api",
                                         policy=policy)
        elif two_factor.required(person, current_app.config["TWO_FACTOR_REQUIRED_ROLES"]):
            raise PermissionDeniedError("Your role requires two-factor sign-in: set it up in the portal first.")
    except (AuthenticationError, PermissionDeniedError):
        session.commit()  # keep the failure count and the audit entries
        raise
    services.finish_sign_in(session, person=person, now=now, via="api")
    ttl = timedelta(hours=current_app.config["API_TOKEN_TTL_HOURS"])
    raw, token = services.issue_api_token(session, person=person, now=now, ttl=ttl)
    session.commit()
    return jsonify(token=raw, token_type="Bearer",  # noqa: S106 - the scheme name
                   expires_at=token.expires_at.isoformat()), 201


@bp.get("/me")
@login_required
def me():
    return jsonify(person_json(current_actor()))


def person_json(person: Person) -> dict:
    agency = person.agency
    return {
        "id": person.id,
        "post_id": person.post_id,
        "username": person.username,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "role": person.role.value,
        "roles": sorted(r.value for r in person.roles),
        "rank_tier": person.rank_tier.value,
        "assignment": person.assignment.value,
        "assignments": sorted(a.value for a in person.assignments),
        "assigned_on": person.assigned_on.isoformat() if person.assigned_on else None,
        "left_on": person.left_on.isoformat() if person.left_on else None,
        "is_reserve": person.is_reserve,
        "is_clerical": person.is_clerical,
        "hire_date": person.hire_date.isoformat() if person.hire_date else None,
        "promotion_date": person.promotion_date.isoformat() if person.promotion_date else None,
        "agency": None if agency is None else {
            "id": agency.id, "jurisdiction": agency.jurisdiction, "number": agency.number, "name": agency.name},
    }


OPENAPI = {
    "tag": {"name": "Accounts", "description": "Tokens and the caller's own account."},
    "paths": {
        "/auth/token": {
            "post": {
                "summary": "Exchange a username and password (and, with two-factor sign-in on, the current code) "
                           "for a bearer token",
                "security": [],
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/TokenRequest"}}}},
                "responses": {
                    "201": {"description": "A token valid for a limited time",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Token"}}}},
                    **error_responses(400, 401, 403, 415, 422, 429),
                },
            }
        },
        "/me": {
            "get": {
                "summary": "The signed-in person",
                "responses": {
                    "200": {"description": "The caller's account",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Person"}}}},
                    **error_responses(401),
                },
            }
        },
    },
    "schemas": {
        "TokenRequest": {
            "type": "object", "required": ["username", "password"],
            "properties": {"username": {"type": "string", "maxLength": 64},
                           "password": {"type": "string", "maxLength": 256},
                           "otp": {"type": "string", "maxLength": 32,
                                   "description": "The authenticator's current code, or a recovery code"}},
        },
        "Token": {
            "type": "object", "required": ["token", "token_type", "expires_at"],
            "properties": {"token": {"type": "string"}, "token_type": {"type": "string", "enum": ["Bearer"]},
                           "expires_at": {"type": "string", "format": "date-time"}},
        },
        "Agency": {
            "type": "object", "required": ["id", "jurisdiction", "number", "name"],
            "properties": {"id": {"type": "integer"}, "jurisdiction": {"type": "string", "example": "CA-POST"},
                           "number": {"type": "string"}, "name": {"type": "string"}},
        },
        "Person": {
            "type": "object",
            "required": ["id", "post_id", "username", "first_name", "last_name", "role", "agency"],
            "properties": {
                "id": {"type": "integer"}, "post_id": {"type": "string"}, "username": {"type": "string"},
                "first_name": {"type": "string"}, "last_name": {"type": "string"},
                "email": {"type": "string", "nullable": True},
                "role": {"type": "string",
                         "enum": ["officer", "dispatcher", "instructor", "training_manager", "administrator"]},
                "roles": {"type": "array", "items": {"type": "string"},
                          "description": "Every role held; role is the main one"},
                "rank_tier": {"type": "string"}, "assignment": {"type": "string"},
                "assignments": {"type": "array", "items": {"type": "string"}},
                "assigned_on": {"type": "string", "format": "date", "nullable": True},
                "left_on": {"type": "string", "format": "date", "nullable": True},
                "is_reserve": {"type": "boolean"}, "is_clerical": {"type": "boolean"},
                "hire_date": {"type": "string", "format": "date", "nullable": True},
                "promotion_date": {"type": "string", "format": "date", "nullable": True},
                "agency": {"allOf": [{"$ref": "#/components/schemas/Agency"}], "nullable": True},
            },
        },
    },
}
