"""Setting up certification from the command line: a presenter, its coordinator, the jurisdiction's consultant."""

from __future__ import annotations

from sqlalchemy import select

from learning_portal.accounts.models import Role
from learning_portal.audit.models import AuditEntry
from learning_portal.certification.models import Consultant, Coordinator, Presenter
from learning_portal.db import session_factory
from tests.factories import make_jurisdiction, make_person


def test_a_presenter_its_coordinator_and_a_consultant_set_up_from_the_cli(committed_app):
    with committed_app.app_context(), session_factory()() as session:
        make_jurisdiction(session, "CA-POST")
        coordinator = make_person(session, role=Role.TRAINING_MANAGER, username="coord")
        make_person(session, role=Role.ADMINISTRATOR, username="consult")
        session.commit()
        coordinator_id = coordinator.id
    run = committed_app.test_cli_runner().invoke
    added = run(args=["certification", "presenter", "9501", "Bay Regional Academy"])
    assert added.exit_code == 0 and "Presenter 9501" in added.output
    taken = run(args=["certification", "presenter", "9501", "Another"])
    assert taken.exit_code != 0 and "9501 is taken" in taken.output
    assert run(args=["certification", "presenter", "95", "Short"]).exit_code != 0
    assert run(args=["certification", "grant", "coord", "coordinator", "9501"]).exit_code == 0
    assert run(args=["certification", "grant", "consult", "consultant", "CA-POST"]).exit_code == 0
    again = run(args=["certification", "grant", "consult", "consultant", "CA-POST"])
    assert again.exit_code == 0 and "already is consultant" in again.output  # and not audited twice
    missing = run(args=["certification", "grant", "coord", "coordinator", "9999"])
    assert missing.exit_code != 0 and "No presenter 9999" in missing.output
    with committed_app.app_context(), session_factory()() as session:
        presenter = session.scalar(select(Presenter).where(Presenter.number == "9501"))
        assert [c.person_id for c in session.scalars(select(Coordinator))] == [coordinator_id]
        assert presenter.name == "Bay Regional Academy"
        assert [c.jurisdiction for c in session.scalars(select(Consultant))] == ["CA-POST"]
        assert len(session.scalars(select(AuditEntry).where(
            AuditEntry.action == "certification.granted")).all()) == 2
