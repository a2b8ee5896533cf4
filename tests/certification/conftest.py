"""A presenter with its coordinator, another presenter's coordinator, and California's consultant."""

from __future__ import annotations

import pytest

from learning_portal.accounts.models import Role
from learning_portal.certification.models import Consultant, Coordinator, Presenter
from tests.certification.helpers import files_in
from tests.factories import make_agency, make_jurisdiction, make_person


@pytest.fixture
def files(tmp_path):
    return files_in(tmp_path / "media")


@pytest.fixture
def people(db_session):
    make_jurisdiction(db_session, "CA-POST")
    make_jurisdiction(db_session, "CO-POST")
    agency = make_agency(db_session)
    presenter = Presenter(number="9301", name="Valley Regional Academy", jurisdiction="CA-POST",
                          agency_id=agency.id)
    other = Presenter(number="9302", name="Another College", jurisdiction="CA-POST")
    db_session.add_all([presenter, other])
    db_session.flush()
    coordinator = make_person(db_session, role=Role.TRAINING_MANAGER, agency=agency)
    consultant = make_person(db_session, role=Role.ADMINISTRATOR)
    outsider = make_person(db_session, role=Role.TRAINING_MANAGER, agency=make_agency(db_session))
    db_session.add_all([Coordinator(presenter_id=presenter.id, person_id=coordinator.id),
                        Coordinator(presenter_id=other.id, person_id=outsider.id),
                        Consultant(person_id=consultant.id, jurisdiction="CA-POST")])
    db_session.flush()
    return presenter, coordinator, consultant, outsider
