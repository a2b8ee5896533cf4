"""A certification request from draft to certified: only the presenter's coordinators edit and submit, only the
jurisdiction's consultants return, certify or deny; every step is kept; bad input is refused and nothing stored."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from learning_portal.accounts.models import Role
from learning_portal.audit.models import AuditEntry
from learning_portal.certification import services
from learning_portal.certification.models import (
    CertificationRequest,
    Consultant,
    RequestState,
)
from learning_portal.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from tests.certification.helpers import content, draft
from tests.factories import NOW, make_person


def test_returned_fixed_resubmitted_and_certified_with_every_step_kept(db_session, people, files):
    presenter, coordinator, consultant, _ = people
    req = draft(db_session, files, actor=coordinator, presenter_id=presenter.id, now=NOW)
    services.submit(db_session, files, actor=coordinator, req=req, now=NOW + timedelta(hours=1))
    with pytest.raises(ConflictError):  # submitted: the coordinator waits for the consultant
        services.update_request(db_session, actor=coordinator, req=req, data=content(title="Changed"))
    services.return_with_comments(db_session, actor=consultant, req=req, comment="Add the scenario rubric.",
                                  now=NOW + timedelta(days=2))
    services.update_request(db_session, actor=coordinator, req=req,
                            data=content(total_hours="8.25", topics=[{"topic": "De-escalation", "hours": "5.5"},
                                                                     {"topic": "Scenarios", "hours": "2.75"}]))
    services.submit(db_session, files, actor=coordinator, req=req, now=NOW + timedelta(days=3), comment="Rubric added.")
    services.certify(db_session, files, actor=consultant, req=req, number="2104", expires_on=date(2029, 3, 31),
                     now=NOW + timedelta(days=5))
    db_session.flush()
    db_session.expire_all()

    req = db_session.get(CertificationRequest, req.id)
    assert req.state is RequestState.CERTIFIED
    assert (req.course_number, req.expires_on, req.total_hours) == ("9301-02104", date(2029, 3, 31),
                                                                     Decimal("8.25"))
    assert [(s.from_state, s.to_state, s.by_id, s.comment) for s in req.steps] == [
        (None, RequestState.DRAFT, coordinator.id, ""),
        (RequestState.DRAFT, RequestState.SUBMITTED, coordinator.id, ""),
        (RequestState.SUBMITTED, RequestState.RETURNED, consultant.id, "Add the scenario rubric."),
        (RequestState.RETURNED, RequestState.SUBMITTED, coordinator.id, "Rubric added."),
        (RequestState.SUBMITTED, RequestState.CERTIFIED, consultant.id, ""),
    ]
    assert [s.at for s in req.steps][-1].replace(tzinfo=None) == (NOW + timedelta(days=5)).replace(tzinfo=None)
    assert db_session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "certification.step")) == 4
    with pytest.raises(ConflictError):  # certified is final; a change is a modification request
        services.deny(db_session, actor=consultant, req=req, comment="No.", now=NOW + timedelta(days=6))


def test_only_the_presenters_coordinators_and_the_jurisdictions_consultants_act(db_session, people, files):
    presenter, coordinator, consultant, outsider = people
    with pytest.raises(PermissionDeniedError):
        services.create_request(db_session, actor=outsider, presenter_id=presenter.id, data=content(), now=NOW)
    req = draft(db_session, files, actor=coordinator, presenter_id=presenter.id, now=NOW)
    db_session.flush()
    with pytest.raises(NotFoundError):  # another presenter's coordinator does not even see it
        services.get_request(db_session, outsider, req.id)
    with pytest.raises(PermissionDeniedError):
        services.submit(db_session, files, actor=outsider, req=req, now=NOW)
    with pytest.raises(PermissionDeniedError):  # the consultant reads it, the coordinator writes it
        services.update_request(db_session, actor=consultant, req=req, data=content(title="Consultant's title"))
    services.submit(db_session, files, actor=coordinator, req=req, now=NOW)
    with pytest.raises(PermissionDeniedError):  # a coordinator cannot certify their own course
        services.certify(db_session, files, actor=coordinator, req=req, number="1",
                         expires_on=date(2029, 1, 1), now=NOW)
    colorado = make_person(db_session, role=Role.ADMINISTRATOR)
    db_session.add(Consultant(person_id=colorado.id, jurisdiction="CO-POST"))
    db_session.flush()
    with pytest.raises(PermissionDeniedError):
        services.certify(db_session, files, actor=colorado, req=req, number="1",
                         expires_on=date(2029, 1, 1), now=NOW)
    db_session.add(Consultant(person_id=coordinator.id, jurisdiction="CA-POST"))  # a coordinator who consults
    db_session.flush()
    with pytest.raises(PermissionDeniedError, match="another consultant decides"):
        services.certify(db_session, files, actor=coordinator, req=req, number="1",
                         expires_on=date(2029, 1, 1), now=NOW)
    with pytest.raises(ValidationError):  # returned without saying why
        services.return_with_comments(db_session, actor=consultant, req=req, comment="  ", now=NOW)
    assert req.state is RequestState.SUBMITTED


@pytest.mark.parametrize(("overrides", "field"), [
    ({"total_hours": "9"}, "topics"),  # the distribution adds up to 8
    ({"topics": [{"topic": "De-escalation", "hours": "9"}], "total_hours": "8"}, "topics"),
    ({"total_hours": "8.1", "topics": [{"topic": "All", "hours": "8.1"}]}, "total_hours"),  # not quarter hours
    ({"total_hours": "-8"}, "total_hours"),
    ({"total_hours": "NaN"}, "total_hours"),
    ({"topics": []}, "topics"),
    ({"delivery": "carrier pigeon"}, "delivery"),
    ({"title": ""}, "title"),
    ({"ends_on": "2026-12-31"}, "ends_on"),
    ({"starts_on": "next week"}, "starts_on"),
    ({"categories": ["no-such-category"]}, "categories"),
    ({"requirements": ["no-such-mandate"]}, "requirements"),
    ({"instructors": "one name, not a list"}, "instructors"),
])
def test_bad_input_is_refused_with_its_field_and_nothing_is_stored(db_session, people, overrides, field):
    presenter, coordinator, *_ = people
    before = db_session.scalar(select(func.count()).select_from(CertificationRequest))
    with pytest.raises(ValidationError) as refused:
        services.create_request(db_session, actor=coordinator, presenter_id=presenter.id,
                                data=content(**overrides), now=NOW)
    assert refused.value.message and field in str(refused.value.details) or field in refused.value.message
    db_session.flush()
    assert db_session.scalar(select(func.count()).select_from(CertificationRequest)) == before


def test_a_course_number_names_one_course(db_session, people, files):
    presenter, coordinator, consultant, _ = people
    first, second = (draft(db_session, files, actor=coordinator, presenter_id=presenter.id,
                           data=content(title=t), now=NOW) for t in ("First", "Second"))
    for req in (first, second):
        services.submit(db_session, files, actor=coordinator, req=req, now=NOW)
    services.certify(db_session, files, actor=consultant, req=first, number="77", expires_on=date(2029, 1, 1), now=NOW)
    db_session.flush()
    with pytest.raises(ValidationError):  # digits, but not the ASCII digits a course number is made of
        services.certify(db_session, files, actor=consultant, req=second, number="\u0667\u0667",
                         expires_on=date(2029, 1, 1), now=NOW)
    with pytest.raises(ConflictError):
        services.certify(db_session, files, actor=consultant, req=second, number="00077", expires_on=date(2029, 1, 1),
                         now=NOW)
    assert second.state is RequestState.SUBMITTED


def test_reports_requests_by_state_and_courses_expiring_within_90_days(db_session, people, files):
    presenter, coordinator, consultant, _ = people
    reqs = [draft(db_session, files, actor=coordinator, presenter_id=presenter.id, data=content(title=f"Course {n}"),
                  now=NOW) for n in range(4)]
    for req in reqs[:3]:
        services.submit(db_session, files, actor=coordinator, req=req, now=NOW + timedelta(days=1))
    today = NOW.date()
    services.certify(db_session, files, actor=consultant, req=reqs[0], number="1",
                     expires_on=today + timedelta(days=60), now=NOW + timedelta(days=2))
    services.certify(db_session, files, actor=consultant, req=reqs[1], number="2",
                     expires_on=today + timedelta(days=400), now=NOW + timedelta(days=2))
    db_session.flush()
    report = {state: count for state, count, _ in services.requests_by_state(db_session, {"CA-POST"}, NOW)}
    assert report == {RequestState.DRAFT: 1, RequestState.SUBMITTED: 1, RequestState.CERTIFIED: 2}
    assert services.requests_by_state(db_session, {"CO-POST"}, NOW) == []
    assert [r.title for r in services.expiring(db_session, presenter.id, today)] == ["Course 0"]
