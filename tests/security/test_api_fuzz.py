"""An OpenAPI-driven fuzz run: schemathesis generates requests for every operation of /api/v1/openapi.json,
valid and invalid, as a signed-in officer, instructor and training manager (bearer tokens), with the path as
generated and again pointing at real objects. No answer may be
a server error, and every answer must match the documented schema and content type.

Bounded and repeatable: a fixed number of examples per operation, derandomised, no example database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from learning_portal.accounts.models import Role
from learning_portal.accounts.services import issue_api_token
from learning_portal.catalog.queries import get_course
from learning_portal.learning import services as learning
from learning_portal.learning.models import AssignmentReason
from learning_portal.sessions import services as sessions
from learning_portal.sessions.models import SessionKind
from tests.factories import NOW, REAL_CONTENT, load_content, make_agency, make_person

EXAMPLES = 12  # per operation, each sent as every actor
schemathesis.serializer.alias("application/zip", "application/octet-stream")  # a package is sent as its bytes


@dataclass
class Fuzzing:
    tokens: list[str]  # bearer tokens of an officer, an instructor and a training manager of one agency
    known: dict[str, object]  # real values for path parameters, so fuzzed bodies reach real objects


@pytest.fixture
def fuzzing(db_session) -> Fuzzing:
    load_content(db_session, REAL_CONTENT, slugs=("courtroom-testimony", "vehicle-pursuit-policy-update"))
    agency = make_agency(db_session)
    officer = make_person(db_session, agency=agency)
    people = [officer] + [make_person(db_session, role=r, agency=agency)
                          for r in (Role.INSTRUCTOR, Role.TRAINING_MANAGER)]
    tokens = [issue_api_token(db_session, person=p, now=NOW, ttl=timedelta(days=3650))[0] for p in people]
    course, version = get_course(db_session, "courtroom-testimony")
    quiz_item = next(i for i in version.items if i.kind.value == "quiz")
    pursuit, _ = get_course(db_session, "vehicle-pursuit-policy-update")
    ts = sessions.create_session(db_session, actor=people[1], course=pursuit, kind=SessionKind.BRIEFING,
                                 starts_at=NOW - timedelta(minutes=5), location="Room B", agency=agency, now=NOW)
    sessions.start_check_in(ts, now=NOW)
    sessions.add_attendee_by_id(db_session, ts=ts, actor=people[1], person_id=officer.id, now=NOW)
    (assignment,) = learning.assign_course(
        db_session, person_ids=[officer.id], course=pursuit, due_on=NOW.date() + timedelta(days=30),
        reason=AssignmentReason.ASSIGNED, note="", assigned_by=people[2], now=NOW, today=NOW.date()).assigned
    db_session.flush()
    return Fuzzing(tokens, {"slug": course.slug, "item_id": version.items[0].id, "quiz_id": quiz_item.id,
                            "agency_id": agency.id, "person_id": officer.id, "assignment_id": assignment.id,
                            "session_id": ts.id,
                            "attendance_id": ts.attendances[0].id})


def test_no_server_error_and_no_schema_violation(app, fuzzing):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def fuzz(case):
            # As generated, then (when the path names objects) with the path pointing at real ones.
            paths = [dict(case.path_parameters or {})]
            if case.path_parameters:
                paths.append({k: fuzzing.known.get(k, v) for k, v in case.path_parameters.items()})
            for path in paths:
                case.path_parameters = path
                for token in fuzzing.tokens:
                    response = case.call(headers={"Authorization": f"Bearer {token}"})
                    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance,
                                                             content_type_conformance])

        try:
            fuzz()
        except Exception as exc:  # noqa: BLE001 - every operation's failure is reported together
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)
