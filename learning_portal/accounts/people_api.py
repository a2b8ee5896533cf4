"""API: people over their working life, scoped as the pages are (``accounts.permissions``)."""

from __future__ import annotations

from datetime import date

from flask import jsonify, request
from sqlalchemy import select

from learning_portal.accounts import history, people, people_import, services
from learning_portal.accounts.api import person_json
from learning_portal.accounts.models import Person, Role
from learning_portal.accounts.permissions import visible_people_clause
from learning_portal.clock import utcnow
from learning_portal.db import ID_MAX, as_id, get_session
from learning_portal.errors import ValidationError
from learning_portal.web.api import api_blueprint, csv_body, dry_run_arg, json_body, require_fields
from learning_portal.web.auth import current_actor, login_required, require_role
from learning_portal.web.openapi import error_responses
from learning_portal.web.security import accepts_body

bp = api_blueprint("people_api")
_MANAGERS = (Role.TRAINING_MANAGER, Role.ADMINISTRATOR)
_EDITABLE = {"first_name": str, "last_name": str, "email": str, "role": str, "other_roles": list, "rank_tier": str,
             "assignment": str, "other_assignments": list, "is_reserve": bool, "is_clerical": bool,
             "hire_date": str, "effective_on": str}


def _day(data: dict, name: str, problems: dict[str, str]) -> date | None:
    value = data.get(name)
    if value is None:
        return None
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        pass
    problems[name] = "A date such as 2026-03-31."
    return None


def _full(session, person: Person) -> dict:
    return person_json(person) | {"history": [
        {"kind": t.kind.value, "value": t.value, "starts_on": _iso(t.starts_on), "ends_on": _iso(t.ends_on)}
        for t in history.terms_of(session, person)], "agencies": [
        {"agency_id": m.agency_id, "starts_on": _iso(m.starts_on), "ends_on": _iso(m.ends_on)}
        for m in history.memberships_of(session, [person.id])]}


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


@bp.get("/people")
@require_role(*_MANAGERS)
def list_people():
    """The people the caller may see, in id order, a page at a time (``after`` the last id seen)."""
    actor = current_actor()
    after = min(max(request.args.get("after", 0, type=int) or 0, 0), ID_MAX)
    limit = min(max(request.args.get("limit", 100, type=int) or 100, 1), 500)
    query = select(Person).where(visible_people_clause(actor), Person.id > after)
    if (agency_id := request.args.get("agency_id", type=int)) is not None:
        query = query.where(Person.agency_id == min(max(agency_id, 0), ID_MAX))
    found = list(get_session().scalars(query.order_by(Person.id).limit(limit + 1)))
    more = len(found) > limit
    return jsonify(people=[person_json(p) for p in found[:limit]], next_after=found[limit - 1].id if more else None)


@bp.post("/people")
@require_role(*_MANAGERS)
def create_person():
    data = json_body()
    require_fields(data, post_id=str, first_name=str, last_name=str, role=str)
    problems: dict[str, str] = {}
    dates = {n: _day(data, n, problems) for n in ("hire_date", "promotion_date", "assigned_on")}
    if problems:
        raise ValidationError("Some fields are invalid.", details=problems)
    actor = current_actor()
    agency_id = data.get("agency_id", actor.agency_id if not actor.has_role(Role.ADMINISTRATOR) else None)
    text = {n: data.get(n) if isinstance(data.get(n), str) else "" for n in ("email", "username")}
    session = get_session()
    person = services.create_person(session, actor=actor, now=utcnow(), data=services.PersonInput(
        post_id=data["post_id"], first_name=data["first_name"], last_name=data["last_name"], role=data["role"],
        rank_tier=str(data.get("rank_tier") or "line"), assignment=str(data.get("assignment") or "other"),
        is_reserve=data.get("is_reserve") is True, is_clerical=data.get("is_clerical") is True,
        agency_id=as_id(agency_id),
        **text, **dates))
    session.commit()
    return jsonify(_full(session, person)), 201


@bp.get("/people/<int:person_id>")
@login_required
def get_person(person_id: int):
    session = get_session()
    person = services.open_person(session, actor=current_actor(), person_id=person_id, what="account", now=utcnow())
    session.commit()
    return jsonify(_full(session, person))


@bp.patch("/people/<int:person_id>")
@require_role(*_MANAGERS)
def update_person(person_id: int):
    data = json_body()
    problems = {name: "Unknown field." for name in data if name not in _EDITABLE}
    for name, kind in _EDITABLE.items():
        value = data.get(name)
        if value is not None and (not isinstance(value, kind) or (kind is list and not all(
                isinstance(v, str) for v in value))):
            problems[name] = "Expected true or false." if kind is bool else f"Expected a {kind.__name__}."
    effective_on, hire_date = _day(data, "effective_on", problems), _day(data, "hire_date", problems)
    if problems:
        raise ValidationError("Some fields are invalid.", details=problems)
    session, actor, now = get_session(), current_actor(), utcnow()
    person = services.open_person(session, actor=actor, person_id=person_id, what="account", now=now)
    edit = people.PersonEdit(**{n: data.get(n) for n in _EDITABLE if n not in ("effective_on", "hire_date")},
                             effective_on=effective_on, hire_date=hire_date)
    changed = people.edit_person(session, actor=actor, person=person, edit=edit, now=now)
    session.commit()
    return jsonify(_full(session, person) | {"changed": sorted(changed)})


@bp.post("/people/<int:person_id>/transfer")
@require_role(*_MANAGERS)
def transfer(person_id: int):
    data = json_body()
    require_fields(data, agency_id=int)
    problems: dict[str, str] = {}
    on = _day(data, "on", problems)
    if problems:
        raise ValidationError("Some fields are invalid.", details=problems)
    session, actor, now = get_session(), current_actor(), utcnow()
    person = services.open_person(session, actor=actor, person_id=person_id, what="account", now=now)
    people.transfer_person(session, actor=actor, person=person, agency_id=as_id(data["agency_id"]) or 0, on=on,
                           now=now)
    session.commit()
    return jsonify(person_json(person))


@bp.post("/people/<int:person_id>/separation")
@require_role(*_MANAGERS)
def separation(person_id: int):
    """Record that someone left on ``left_on`` (``confirm`` must be true: the account closes at once)."""
    data = json_body()
    require_fields(data, left_on=str, confirm=bool)
    problems: dict[str, str] = {}
    left_on = _day(data, "left_on", problems)
    if data["confirm"] is not True:
        problems["confirm"] = "Send true to confirm: the account closes and sessions and tokens end."
    if problems:
        raise ValidationError("Some fields are invalid.", details=problems)
    session, actor, now = get_session(), current_actor(), utcnow()
    person = services.open_person(session, actor=actor, person_id=person_id, what="account", now=now)
    services.record_leaving(session, actor=actor, person=person, left_on=left_on, now=now)
    session.commit()
    return jsonify(person_json(person))


@bp.delete("/people/<int:person_id>/separation")
@require_role(*_MANAGERS)
def undo_separation(person_id: int):
    """Reopen the account: a leaving recorded by mistake, or a re-hire (``?rehired_on=``)."""
    problems: dict[str, str] = {}
    rehired_on = _day(dict(request.args), "rehired_on", problems)
    if problems:
        raise ValidationError("Some fields are invalid.", details=problems)
    session, actor, now = get_session(), current_actor(), utcnow()
    person = services.open_person(session, actor=actor, person_id=person_id, what="account", now=now)
    services.reopen_account(session, actor=actor, person=person, rehired_on=rehired_on, now=now)
    session.commit()
    return jsonify(person_json(person))


@bp.post("/people/import")
@require_role(*_MANAGERS)
@accepts_body(lambda config: config["CSV_IMPORT_MAX_BYTES"])
def import_people():
    """The people CSV: with ``?dry_run=1`` the plan only; otherwise written, all or nothing."""
    data, dry_run = csv_body(), dry_run_arg()
    session = get_session()
    result = people_import.import_people(session, actor=current_actor(), data=data, now=utcnow(), dry_run=dry_run)
    if dry_run:
        session.rollback()
    else:
        session.commit()
    return jsonify(written=result.written, counts=result.counts, rows=[
        {"line": r.line, "post_id": r.post_id, "name": r.name, "action": r.action.value, "changes": list(r.changes)}
        for r in result.rows]), 200 if dry_run else 201


def _json(schema: str) -> dict:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}


def _body(schema: str) -> dict:
    return {"required": True, "content": _json(schema)}


_ID = [{"name": "person_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}]
_DRY_RUN = {"name": "dry_run", "in": "query", "schema": {"type": "string", "enum": ["1", "0", "true", "false"]},
            "description": "1: check every row and say what it would do; write nothing"}
_CSV = {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}
_ROLES = ["officer", "dispatcher", "instructor", "training_manager"]

OPENAPI = {
    "tag": {"name": "People", "description": "People over their working life: details, roles, assignments, rank, "
                                             "transfers, separation, CSV import. Administrators for anyone; "
                                             "training managers for their own agency, never themselves."},
    "paths": {
        "/people": {
            "get": {"summary": "The people the caller may see, in id order, a page at a time",
                    "parameters": [
                        {"name": "after", "in": "query", "schema": {"type": "integer", "minimum": 0}},
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
                        {"name": "agency_id", "in": "query", "schema": {"type": "integer"}}],
                    "responses": {"200": {"description": "A page of people", "content": _json("PeoplePage")},
                                  **error_responses(401, 403)}},
            "post": {"summary": "Add a person (a manager: to their own agency)", "requestBody": _body("PersonNew"),
                     "responses": {"201": {"description": "Added", "content": _json("PersonDetail")},
                                   **error_responses(400, 401, 403, 409, 415, 422)}},
        },
        "/people/{person_id}": {
            "get": {"summary": "A person, with the history of their roles, assignments, ranks and agencies",
                    "parameters": _ID,
                    "responses": {"200": {"description": "The person", "content": _json("PersonDetail")},
                                  **error_responses(401, 404)}},
            "patch": {"summary": "Change a person's details, roles, assignments or rank (audited; a new role, "
                                 "assignment or rank begins on effective_on, today if absent)",
                      "parameters": _ID, "requestBody": _body("PersonEdit"),
                      "responses": {"200": {"description": "The person as changed", "content": _json("PersonDetail")},
                                    **error_responses(400, 401, 403, 404, 409, 415, 422)}},
        },
        "/people/{person_id}/transfer": {
            "post": {"summary": "Move a person to another agency; the POST ID and records go with them",
                     "parameters": _ID, "requestBody": _body("Transfer"),
                     "responses": {"200": {"description": "Moved", "content": _json("Person")},
                                   **error_responses(400, 401, 403, 404, 409, 415, 422)}},
        },
        "/people/{person_id}/separation": {
            "post": {"summary": "Record that a person left (the account closes at once)", "parameters": _ID,
                     "requestBody": _body("Separation"),
                     "responses": {"200": {"description": "Recorded", "content": _json("Person")},
                                   **error_responses(400, 401, 403, 404, 409, 415, 422)}},
            "delete": {"summary": "Undo a separation, or re-hire (rehired_on)",
                       "parameters": [*_ID, {"name": "rehired_on", "in": "query",
                                             "schema": {"type": "string", "format": "date"}}],
                       "responses": {"200": {"description": "The account is open", "content": _json("Person")},
                                     **error_responses(401, 403, 404, 409, 422)}},
        },
        "/people/import": {
            "post": {"summary": "Import people from CSV: create and update by POST ID, all or nothing",
                     "parameters": [_DRY_RUN], "requestBody": _CSV,
                     "responses": {"200": {"description": "The plan (dry run)", "content": _json("PeopleImport")},
                                   "201": {"description": "Imported", "content": _json("PeopleImport")},
                                   **error_responses(400, 401, 403, 413, 415, 422)}},
        },
    },
    "schemas": {
        "PeoplePage": {"type": "object", "required": ["people", "next_after"], "properties": {
            "people": {"type": "array", "items": {"$ref": "#/components/schemas/Person"}},
            "next_after": {"type": "integer", "nullable": True, "description": "Pass as after for the next page"}}},
        "PersonDetail": {"allOf": [{"$ref": "#/components/schemas/Person"}, {"type": "object", "properties": {
            "history": {"type": "array", "items": {"type": "object", "properties": {
                "kind": {"type": "string", "enum": ["role", "assignment", "rank_tier"]}, "value": {"type": "string"},
                "starts_on": {"type": "string", "format": "date", "nullable": True},
                "ends_on": {"type": "string", "format": "date", "nullable": True}}}},
            "agencies": {"type": "array", "items": {"type": "object", "properties": {
                "agency_id": {"type": "integer"},
                "starts_on": {"type": "string", "format": "date", "nullable": True},
                "ends_on": {"type": "string", "format": "date", "nullable": True}}}},
            "changed": {"type": "array", "items": {"type": "string"}}}}]},
        "PersonNew": {"type": "object", "required": ["post_id", "first_name", "last_name", "role"], "properties": {
            "post_id": {"type": "string", "maxLength": 20}, "first_name": {"type": "string", "maxLength": 100},
            "last_name": {"type": "string", "maxLength": 100}, "email": {"type": "string", "maxLength": 254},
            "username": {"type": "string", "maxLength": 64}, "role": {"type": "string", "enum": _ROLES},
            "rank_tier": {"type": "string"}, "assignment": {"type": "string"}, "agency_id": {"type": "integer"},
            "is_reserve": {"type": "boolean"}, "is_clerical": {"type": "boolean"},
            "hire_date": {"type": "string", "format": "date"}, "promotion_date": {"type": "string", "format": "date"},
            "assigned_on": {"type": "string", "format": "date"}}},
        "PersonEdit": {"type": "object", "additionalProperties": False, "properties": {
            "first_name": {"type": "string"}, "last_name": {"type": "string"}, "email": {"type": "string"},
            "role": {"type": "string", "enum": _ROLES, "description": "The main role"},
            "other_roles": {"type": "array", "items": {"type": "string", "enum": _ROLES}},
            "rank_tier": {"type": "string"}, "assignment": {"type": "string", "description": "The main assignment"},
            "other_assignments": {"type": "array", "items": {"type": "string"}},
            "is_reserve": {"type": "boolean"}, "is_clerical": {"type": "boolean"},
            "hire_date": {"type": "string", "format": "date"},
            "effective_on": {"type": "string", "format": "date",
                             "description": "When a new role, assignment or rank began (today if absent)"}}},
        "Transfer": {"type": "object", "required": ["agency_id"], "properties": {
            "agency_id": {"type": "integer"}, "on": {"type": "string", "format": "date"}}},
        "Separation": {"type": "object", "required": ["left_on", "confirm"], "properties": {
            "left_on": {"type": "string", "format": "date"}, "confirm": {"type": "boolean", "enum": [True]}}},
        "PeopleImport": {"type": "object", "required": ["written", "counts", "rows"], "properties": {
            "written": {"type": "boolean"},
            "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
            "rows": {"type": "array", "items": {"type": "object", "properties": {
                "line": {"type": "integer"}, "post_id": {"type": "string"}, "name": {"type": "string"},
                "action": {"type": "string", "enum": ["create", "update", "transfer", "unchanged"]},
                "changes": {"type": "array", "items": {"type": "string"}}}}}}},
    },
}
