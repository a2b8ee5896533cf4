"""API: invitations and password resets, as on the pages."""

from __future__ import annotations

from flask import jsonify

from learning_portal.accounts import services as accounts
from learning_portal.accounts.models import Role
from learning_portal.accounts.permissions import can_view_person
from learning_portal.clock import utcnow
from learning_portal.db import as_id, get_session
from learning_portal.errors import NotFoundError, ValidationError
from learning_portal.invitations import services
from learning_portal.invitations.views import link_settings
from learning_portal.web.api import api_blueprint, json_body, require_fields
from learning_portal.web.auth import current_actor, require_role
from learning_portal.web.openapi import error_responses

bp = api_blueprint("invitations_api")


@bp.post("/invitations")
@require_role(Role.TRAINING_MANAGER, Role.ADMINISTRATOR)
def invite():
    """Invite one person (``person_id``), or everyone the caller manages without a password (``all``: true,
    optionally of one ``agency_id``)."""
    data = json_body()
    session, actor, now = get_session(), current_actor(), utcnow()
    if data.get("all") is True:
        agency_id = data.get("agency_id")
        if agency_id is not None and as_id(agency_id) is None:
            raise ValidationError("Some fields are invalid.", details={"agency_id": "Expected an agency id."})
        result = services.invite_all(session, actor=actor, now=now, settings=link_settings(), agency_id=agency_id)
        session.commit()
        return jsonify(invited=result.invited, pending=result.pending, without_email=result.without_email), 201
    require_fields(data, person_id=int)
    person_id = as_id(data["person_id"])
    person = accounts.get_person_or_error(session, person_id) if person_id else None
    if person is None or not can_view_person(actor, person):
        raise NotFoundError("No such person.")
    link = services.invite(session, actor=actor, person=person, now=now, settings=link_settings())
    session.commit()
    return jsonify(invited=1, pending=0, without_email=0, expires_at=link.expires_at.isoformat()), 201


@bp.post("/password-resets")
def request_reset():
    """Send a reset link to the account with this username or e-mail, if there is one: the answer is the same
    either way (and throttled alike)."""
    data = json_body()
    require_fields(data, login=str)
    session = get_session()
    services.request_reset(session, login=data["login"], now=utcnow(), settings=link_settings())
    session.commit()
    return jsonify(message="If an account matches, a link to choose a new password is on its way by e-mail."), 202


OPENAPI = {
    "tag": {"name": "Sign-in links", "description": "Invitations to set a password, and password resets."},
    "paths": {
        "/invitations": {"post": {
            "summary": "Invite a person, or everyone you manage who has no password yet, by e-mail",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "$ref": "#/components/schemas/InvitationRequest"}}}},
            "responses": {"201": {"description": "Sent", "content": {"application/json": {"schema": {
                "$ref": "#/components/schemas/Invitations"}}}}, **error_responses(400, 401, 403, 404, 409, 415, 422)},
        }},
        "/password-resets": {"post": {
            "summary": "Ask for a password reset link (the same answer whether or not the account exists)",
            "security": [],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["login"],
                "properties": {"login": {"type": "string", "maxLength": 320,
                                         "description": "Username or e-mail address"}}}}}},
            "responses": {"202": {"description": "Accepted", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"message": {"type": "string"}}}}}},
                **error_responses(400, 415, 422, 429)},
        }},
    },
    "schemas": {
        "InvitationRequest": {"type": "object", "properties": {
            "person_id": {"type": "integer"}, "all": {"type": "boolean"}, "agency_id": {"type": "integer"}}},
        "Invitations": {"type": "object", "required": ["invited", "pending", "without_email"], "properties": {
            "invited": {"type": "integer"}, "pending": {"type": "integer"}, "without_email": {"type": "integer"},
            "expires_at": {"type": "string", "format": "date-time"}}},
    },
}
