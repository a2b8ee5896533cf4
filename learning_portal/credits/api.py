"""API: inbound records from another portal, the caller's training profile, postings for administrators."""

from __future__ import annotations

from flask import current_app, jsonify, request

from learning_portal.accounts.models import Agency, Person, Role
from learning_portal.audit import services as audit
from learning_portal.clock import utcnow
from learning_portal.credits import inbound, queries, rosters
from learning_portal.credits.gateways import read_target
from learning_portal.db import ID_MAX, as_id, get_session
from learning_portal.errors import NotFoundError, PermissionDeniedError, ValidationError
from learning_portal.records import changes
from learning_portal.records import services as records
from learning_portal.records.models import TrainingRecord
from learning_portal.sessions import services as sessions
from learning_portal.web.api import TokenGrant, api_blueprint, for_scopes, json_body, require_fields, token_grant
from learning_portal.web.auth import current_actor, login_required, require_role
from learning_portal.web.openapi import error_responses
from learning_portal.web.pagination import page_args, paginate

bp = api_blueprint("credits_api")


@bp.post("/records")
@for_scopes("records:write")
def receive_record():
    """A training record from another portal (HMAC-signed) or from a system with a records:write token."""
    body = request.get_data(cache=False)
    grant = token_grant()
    if grant is not None:
        if not grant.is_system or "records:write" not in grant.scopes:
            raise PermissionDeniedError("Records are posted with a system token that has the records:write scope.")
        # Keys are the sender's own: '/' is never in a signed sender's key, so an agency's key never meets
        # another sender's receipt.
        idempotency_key = f"a{grant.agency_id}/{inbound.check_key(request.headers.get('Idempotency-Key'))}"
        timestamp, agency_id = None, grant.agency_id
    else:
        key = current_app.config.get("RECORDS_HMAC_KEY")
        if not key:
            raise NotFoundError("This portal does not accept forwarded records.")
        idempotency_key = inbound.verify_signature(
            hmac_key=key, idempotency_key=request.headers.get("Idempotency-Key"),
            timestamp=request.headers.get("X-Portal-Timestamp"),
            signature=request.headers.get("X-Portal-Signature"), body=body)
        timestamp, agency_id = request.headers["X-Portal-Timestamp"], None
    session = get_session()
    now = utcnow()
    answer = inbound.receive(session, idempotency_key=idempotency_key, timestamp=timestamp, body=body,
                             agency_id=agency_id, now=now,
                             max_hours=current_app.config["RECORDS_MAX_HOURS"])
    if grant is not None and not answer.replay:  # which token wrote it, should one leak
        record = session.get(TrainingRecord, answer.body["record_id"])
        audit.record(session, "records.received", actor_id=grant.person.id, subject_id=record.person_id,
                     target=f"training_record:{record.id}", now=now, details=_token_details(grant))
    session.commit()
    return jsonify(answer.body), answer.status


def _token_details(grant: TokenGrant | None) -> dict:
    return {"token_id": grant.token_id, "scopes": sorted(grant.scopes)} if grant else {}


@bp.get("/agencies/<int:agency_id>/records")
@for_scopes("records:read")
@login_required
def agency_records(agency_id: int):
    """An agency's training records for its records system: keyset pages by record id."""
    session, actor, grant = get_session(), current_actor(), token_grant()
    _check_records_reader(agency_id)
    after = min(max(request.args.get("after", 0, type=int) or 0, 0), ID_MAX)  # ids are 32-bit integers
    limit = _limit()
    rows = records.agency_records(session, agency_id=agency_id, after=after, limit=limit)
    audit.record(session, "records.exported", actor_id=actor.id, target=f"agency:{agency_id}", now=utcnow(),
                 details={"after": after, "count": len(rows), **_token_details(grant)})
    session.commit()
    return jsonify(records=[_agency_record(r, post_id) for r, post_id in rows],
                   next_after=rows[-1][0].id if len(rows) == limit else None)


@bp.get("/agencies/<int:agency_id>/records/changes")
@for_scopes("records:read")
@login_required
def agency_record_changes(agency_id: int):
    """The agency's record changes (created, withdrawn) after a cursor: replayed from the start, the records."""
    session, actor, grant = get_session(), current_actor(), token_grant()
    _check_records_reader(agency_id)
    after = request.args.get("after") or changes.START
    found, cursor = changes.feed(session, agency_id=agency_id, after=after, limit=_limit())
    audit.record(session, "records.exported", actor_id=actor.id, target=f"agency:{agency_id}", now=utcnow(),
                 details={"changes_after": after, "count": len(found), **_token_details(grant)})
    session.commit()
    return jsonify(changes=[{"cursor": c.cursor, "operation": c.operation.value,
                             "record": _agency_record(c.record, c.post_id)} for c in found], next_after=cursor)


@bp.get("/records/received")
def records_received():
    """For the sending portal's reconciliation: what this portal holds from it for one agency (signed)."""
    key = current_app.config.get("RECORDS_HMAC_KEY")
    if not key:
        raise NotFoundError("This portal does not accept forwarded records.")
    now = utcnow()
    inbound.verify_read(hmac_key=key, target=read_target(request.path, request.query_string.decode()),
                        timestamp=request.headers.get("X-Portal-Timestamp"),
                        signature=request.headers.get("X-Portal-Signature"), now=now)
    after = min(max(request.args.get("after", 0, type=int) or 0, 0), ID_MAX)
    rows, next_after = inbound.received(get_session(), agency=request.args.get("agency", ""), after=after,
                                        limit=_limit())
    return jsonify(records=rows, next_after=next_after)


def _check_records_reader(agency_id: int) -> None:
    """A system token of the agency, its training managers, or an administrator; else 403 (404 for another
    agency's manager: its existence is not revealed)."""
    actor, grant = current_actor(), token_grant()
    if grant is not None and grant.is_system:
        if grant.agency_id != agency_id:
            raise PermissionDeniedError("This token is for another agency's records.")
    elif not actor.has_role(Role.ADMINISTRATOR, Role.TRAINING_MANAGER):
        raise PermissionDeniedError("Only training managers and administrators read an agency's records.")
    elif actor.has_role(Role.TRAINING_MANAGER) and not actor.has_role(Role.ADMINISTRATOR) \
            and actor.agency_id != agency_id:
        raise NotFoundError("No such agency.")
    if get_session().get(Agency, agency_id) is None:
        raise NotFoundError("No such agency.")


def _limit() -> int:
    return min(max(request.args.get("limit", 500, type=int) or 500, 1), 1000)


def _agency_record(r: TrainingRecord, post_id: str) -> dict:
    return {
        "id": r.id, "post_id": post_id, "course_number": r.course_number, "title": r.title, "hours": str(r.hours),
        "categories": r.categories, "satisfies": r.satisfies, "completed_on": r.completed_on.isoformat(),
        "source": r.source.value, "recorded_at": r.created_at.isoformat(), "cpt_credited": r.cpt_credited,
        "withdrawn": r.withdrawn_at is not None, "session_id": r.session_id,
    }


@bp.get("/me/profile")
@login_required
def my_profile():
    return jsonify(profile_json(queries.profile(get_session(), current_actor())))


@bp.get("/credits/postings")
@require_role(Role.ADMINISTRATOR)
def postings():
    page, per_page = page_args()
    # scalars() of the (posting, person) query yields the postings
    result = paginate(get_session(), queries.postings_query(request.args.get("status", "")), page=page,
                      per_page=per_page)
    return jsonify(page=result.page, total=result.total, postings=[{
        "id": p.id, "completion_id": p.completion_id, "person_id": p.person_id, "status": p.status.value,
        "reason": p.reason or None, "attempts": p.attempts, "last_error": p.last_error,
        "next_attempt_at": p.next_attempt_at.isoformat(),
        "posted_at": p.posted_at.isoformat() if p.posted_at else None,
    } for p in result.items])


def profile_json(profile: queries.Profile) -> dict:
    person: Person = profile.person
    return {
        "post_id": person.post_id,
        "name": person.full_name,
        "jurisdiction": profile.jurisdiction.code if profile.jurisdiction else None,
        "records": [{
            "id": r.id, "course_number": r.course_number, "title": r.title, "hours": float(r.hours),
            "categories": {k: float(v) for k, v in r.categories.items()}, "satisfies": r.satisfies,
            "completed_on": r.completed_on.isoformat(), "source": r.source.value,
            "verification_code": r.verification_code, "cpt_credited": r.cpt_credited,
            "session_id": r.session_id, "no_cpt_reason": profile.no_cpt.get(r.id),
        } for r in profile.records],
        "cycles": [{
            "label": c.cycle.label, "start": c.cycle.start.isoformat(), "end": c.cycle.end.isoformat(),
            "hours": float(c.hours), "by_category": {k: float(v) for k, v in c.by_category.items()},
        } for c in profile.cycles],
        "pending": [{"course_number": p.completion.course_version.course.course_number,
                     "title": p.completion.course_version.title,
                     "status": p.posting.status.value if p.posting else "pending"} for p in profile.waiting],
        "not_credited": [{"course_number": p.completion.course_version.course.course_number,
                          "title": p.completion.course_version.title, "reason": p.posting.reason}
                         for p in profile.not_credited],
    }


_RECORD = {"type": "object", "required": ["course_number", "title", "hours", "categories", "completed_on", "source"],
           "properties": {"id": {"type": "integer"}, "course_number": {"type": "string"}, "title": {"type": "string"},
                          "hours": {"type": "number"},
                          "categories": {"type": "object", "additionalProperties": {"type": "number"}},
                          "satisfies": {"type": "array", "items": {"type": "string"}},
                          "completed_on": {"type": "string", "format": "date"},
                          "source": {"type": "string", "enum": ["online", "roster", "forwarded", "correction"]},
                          "verification_code": {"type": "string"},
                          "cpt_credited": {"type": "boolean", "description": "false: recorded for the mandates it "
                                           "satisfies, its hours not counted toward CPT"}}}

@bp.post("/sessions/<int:session_id>/amendments")
@require_role(Role.INSTRUCTOR, Role.TRAINING_MANAGER, Role.ADMINISTRATOR)
def amend_roster(session_id: int):
    """Amend a credited roster: ``action`` add (someone present was missing) or withdraw (someone was not), the
    ``person_id``, and ``reason``. Recorded; the record is added or withdrawn."""
    db, actor = get_session(), current_actor()
    ts = sessions.get_session(db, actor=actor, session_id=session_id, lock=True)
    data = json_body()
    require_fields(data, person_id=int, action=str, reason=str)
    if data["action"] not in ("add", "withdraw"):
        raise ValidationError("Some fields are invalid.", details={"action": "add or withdraw."})
    person = db.get(Person, as_id(data["person_id"]) or 0)
    if person is None or (data["action"] == "withdraw" and all(a.person_id != person.id for a in ts.attendances)):
        raise NotFoundError("Nobody with that id is on this roster.")
    if data["action"] == "add":
        person = sessions.attendee_by_post_id(db, ts, person.post_id)
    amendment = rosters.amend_roster(db, ts=ts, actor=actor, person=person, action=data["action"],
                                     reason=data["reason"], now=utcnow())
    db.commit()
    return jsonify(id=amendment.id, action=amendment.action.value, person_id=amendment.person_id,
                   reason=amendment.reason, at=amendment.at.isoformat(), completion_id=amendment.completion_id,
                   record_id=amendment.record_id), 201


OPENAPI = {
    "tag": {"name": "Training records", "description": "Training profiles, records to and from other portals and "
                                                       "agencies' systems, credit postings."},
    "paths": {
        "/sessions/{session_id}/amendments": {"post": {
            "summary": "Amend a credited roster (add someone present, or withdraw someone who was not), recorded",
            "parameters": [{"name": "session_id", "in": "path", "required": True,
                            "schema": {"type": "integer", "minimum": 1}}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["person_id", "action", "reason"], "properties": {
                    "person_id": {"type": "integer", "minimum": 1},
                    "action": {"type": "string", "enum": ["add", "withdraw"]},
                    "reason": {"type": "string", "minLength": 5, "maxLength": 500}}}}}},
            "responses": {"201": {"description": "Recorded", "content": {"application/json": {"schema": {
                "type": "object"}}}}, **error_responses(400, 401, 403, 404, 409, 415, 422)},
        }},
        "/records": {"post": {
            "summary": "Receive a training record from another portal or an agency's system",
            "description": "Two ways in. Another portal signs the request with HMAC-SHA256: X-Portal-Signature = "
                           "'sha256=' + hex(HMAC(key, timestamp + '\\n' + Idempotency-Key + '\\n' + body)). An "
                           "agency's system sends a system token with the `records:write` scope instead, and may "
                           "post only for people of the token's agency. Idempotent on Idempotency-Key: a replay "
                           "gets the original answer (200); the same key with another body is a 409. "
                           "`operation: withdraw` with `record_key` (the Idempotency-Key a record was sent with) "
                           "and `reason` withdraws that record here, once (200).",
            "security": [{}, {"bearer": []}],
            "x-token-scopes": ["records:write"],
            "parameters": [
                {"name": "Idempotency-Key", "in": "header", "required": True, "schema": {"type": "string"},
                 "description": "8-120 letters, digits, . _ : - (system tokens: up to 100)"},
                {"name": "X-Portal-Timestamp", "in": "header", "schema": {"type": "string"},
                 "description": "HMAC requests: Unix seconds, within 5 minutes of the receiver's clock"},
                {"name": "X-Portal-Signature", "in": "header", "schema": {"type": "string"},
                 "description": "HMAC requests: the signature"},
            ],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "description": "A new record (post_id, course_number, title, hours and "
                                                 "completed_on required) or a withdrawal (record_key, reason).",
                "properties": {"operation": {"type": "string", "enum": ["create", "withdraw"],
                                             "default": "create"},
                               "record_key": {"type": "string", "description": "withdraw: the record's key"},
                               "reason": {"type": "string", "description": "withdraw: why"},
                               "post_id": {"type": "string"}, "course_number": {"type": "string"},
                               "title": {"type": "string"}, "hours": {"type": "string"},
                               "categories": {"type": "object"}, "satisfies": {"type": "array",
                                                                               "items": {"type": "string"}},
                               "completed_on": {"type": "string", "format": "date"},
                               "source": {"type": "string"},
                               "cpt_credited": {"type": "boolean", "default": True,
                                                "description": "false: a record that earned no CPT hours"}}}}}},
            "responses": {
                "201": {"description": "Recorded", "content": {"application/json": {"schema": {"type": "object"}}}},
                "200": {"description": "Already recorded under this key: the original answer",
                        "content": {"application/json": {"schema": {"type": "object"}}}},
                **error_responses(401, 403, 404, 409, 422)},
        }},
        "/agencies/{agency_id}/records": {"get": {
            "summary": "An agency's training records, for its records system",
            "description": "In record-id order. Keep the last `id` you saw and send it as `after` to read only "
                           "what is new; `next_after` is set while more remain. A page shows each record as it is "
                           "when read (`withdrawn: true` after a dispute), but a record withdrawn after you read it "
                           "is not sent again, and records stay with the agency their person is in now: to catch "
                           "withdrawals and moves, read again from `after=0` now and then. For a system token with "
                           "the `records:read` scope (its own agency only), the agency's training managers and "
                           "administrators. Every read is in the audit log.",
            "x-token-scopes": ["records:read"],
            "parameters": [
                {"name": "agency_id", "in": "path", "required": True, "schema": {"type": "integer"}},
                {"name": "after", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
                 "description": "Only records with a larger id"},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000},
                 "description": "Records per page (default 500)"},
            ],
            "responses": {"200": {"description": "One page of records", "content": {"application/json": {"schema": {
                "type": "object", "required": ["records", "next_after"], "properties": {
                    "records": {"type": "array", "items": {"$ref": "#/components/schemas/AgencyRecord"}},
                    "next_after": {"type": "integer", "nullable": True}}}}}},
                **error_responses(401, 403, 404)},
        }},
        "/agencies/{agency_id}/records/changes": {"get": {
            "summary": "An agency's record changes after a cursor: creations and withdrawals, in order",
            "description": "Every record created or withdrawn, oldest first. Start without `after` (or with "
                           "`0.0`), keep the `next_after` of each page and send it as `after`: a reader that "
                           "applies each change (created: add the record; withdrawn: mark it withdrawn) ends "
                           "with exactly the agency's records, and a change that commits late is never skipped. "
                           "Records follow their person: someone who joins the agency brings their changes, "
                           "read from the start. Same callers as the records list; every read is audited.",
            "x-token-scopes": ["records:read"],
            "parameters": [
                {"name": "agency_id", "in": "path", "required": True, "schema": {"type": "integer"}},
                {"name": "after", "in": "query", "schema": {"type": "string", "pattern": r"^\d{1,19}\.\d{1,10}$"},
                 "description": "The cursor of the last change read (default: the start)"},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000},
                 "description": "Changes per page (default 500)"},
            ],
            "responses": {"200": {"description": "One page of changes", "content": {"application/json": {
                "schema": {"type": "object", "required": ["changes", "next_after"], "properties": {
                    "changes": {"type": "array", "items": {"type": "object", "required": [
                        "cursor", "operation", "record"], "properties": {
                        "cursor": {"type": "string"},
                        "operation": {"type": "string", "enum": ["created", "withdrawn"]},
                        "record": {"$ref": "#/components/schemas/AgencyRecord"}}}},
                    "next_after": {"type": "string", "description": "Send as after; the same when nothing is "
                                                                    "new yet"}}}}}},
                **error_responses(400, 401, 403, 404, 422)},
        }},
        "/records/received": {"get": {
            "summary": "What this portal holds from the signed sending portal for one agency (reconciliation)",
            "description": "Signed like POST /records, with 'GET ' + path + '?' + query in place of the "
                           "Idempotency-Key and an empty body. Pages by this portal's record id; `next_after` is "
                           "set while more remain.",
            "security": [{}],
            "parameters": [
                {"name": "agency", "in": "query", "required": True, "schema": {"type": "string"},
                 "description": "jurisdiction:number, e.g. CA-POST:1234"},
                {"name": "after", "in": "query", "schema": {"type": "integer", "minimum": 0}},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
                {"name": "X-Portal-Timestamp", "in": "header", "schema": {"type": "string"}},
                {"name": "X-Portal-Signature", "in": "header", "schema": {"type": "string"}},
            ],
            "responses": {"200": {"description": "One page of records held", "content": {"application/json": {
                "schema": {"type": "object", "required": ["records", "next_after"], "properties": {
                    "records": {"type": "array", "items": {"type": "object"}},
                    "next_after": {"type": "integer", "nullable": True}}}}}},
                **error_responses(401, 404)},
        }},
        "/me/profile": {"get": {
            "summary": "The caller's training profile: records, CPT hours per cycle and category",
            "responses": {"200": {"description": "Profile", "content": {"application/json": {"schema": {
                "type": "object", "required": ["post_id", "records", "cycles"], "properties": {
                    "post_id": {"type": "string"}, "records": {"type": "array", "items": _RECORD},
                    "cycles": {"type": "array", "items": {"type": "object"}},
                    "pending": {"type": "array", "items": {"type": "object"}},
                    "not_credited": {"type": "array", "items": {"type": "object"}}}}}}},
                **error_responses(401)},
        }},
        "/credits/postings": {"get": {
            "summary": "Credit postings with status, attempts and last error (administrators)",
            "parameters": [{"name": "status", "in": "query", "schema": {"type": "string"}},
                           {"name": "page", "in": "query", "schema": {"type": "integer"}}],
            "responses": {"200": {"description": "Postings", "content": {"application/json": {
                "schema": {"type": "object"}}}}, **error_responses(401, 403)},
        }},
    },
    "schemas": {
        "AgencyRecord": {"type": "object", "required": ["id", "post_id", "course_number", "hours", "completed_on"],
                         "properties": {
                             "id": {"type": "integer"}, "post_id": {"type": "string"},
                             "course_number": {"type": "string", "example": "9999-00101"},
                             "title": {"type": "string"}, "hours": {"type": "string", "example": "2.00"},
                             "categories": {"type": "object", "additionalProperties": {"type": "string"}},
                             "satisfies": {"type": "array", "items": {"type": "string"}},
                             "completed_on": {"type": "string", "format": "date"},
                             "source": {"type": "string", "enum": ["online", "roster", "forwarded", "correction"]},
                             "recorded_at": {"type": "string", "format": "date-time"},
                             "cpt_credited": {"type": "boolean"},
                             "withdrawn": {"type": "boolean"},
                             "session_id": {"type": "integer", "nullable": True,
                                            "description": "the presentation whose roster credited it"}}},
    },
}
