"""An administrator sets where an agency's records start; earlier windows with nothing on file are data gaps."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from learning_portal.audit.models import AuditEntry
from learning_portal.compliance import services
from learning_portal.errors import PermissionDeniedError, ValidationError
from tests.compliance.conftest import TODAY_UTC
from tests.compliance.test_services import refresh_central, stored


def test_records_start_turns_an_unknowable_overdue_into_a_data_gap(db_session, world):
    refresh_central(db_session, world)
    assert stored(db_session, world.ben)["CA-LM-BBP-1Y"] == "overdue"
    services.set_records_start(db_session, actor=world.admin, agency=world.central, day=date(2026, 10, 1),
                               now=TODAY_UTC)
    assert refresh_central(db_session, world) == len(world.central_people)  # everyone evaluated again
    assert stored(db_session, world.ben)["CA-LM-BBP-1Y"] != "overdue"
    entry = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "agency.records_start")).one()
    assert entry.details == {"from": None, "to": "2026-10-01"} and entry.actor_id == world.admin.id

    with pytest.raises(PermissionDeniedError):
        services.set_records_start(db_session, actor=world.manager, agency=world.central, day=None, now=TODAY_UTC)
    with pytest.raises(ValidationError):
        services.set_records_start(db_session, actor=world.admin, agency=world.central, day=date(2026, 11, 2),
                                   now=TODAY_UTC)


def test_the_agency_page_shows_and_sets_it_for_administrators_only(db_session, world, signed_in):
    page = signed_in(world.admin).get(f"/compliance/agencies/{world.central.id}").get_data(as_text=True)
    assert "Where the records start" in page and "Save the date" in page
    manager_page = signed_in(world.manager).get(f"/compliance/agencies/{world.central.id}").get_data(as_text=True)
    assert "Where the records start" in manager_page and "Save the date" not in manager_page
    done = signed_in(world.admin).post(f"/compliance/agencies/{world.central.id}/records-start",
                                       data={"records_start": "2025-06-01"}, follow_redirects=True)
    assert "records start on 1 Jun 2025" in done.get_data(as_text=True)
    db_session.refresh(world.central)
    assert world.central.records_start == date(2025, 6, 1)
    assert signed_in(world.manager).post(f"/compliance/agencies/{world.central.id}/records-start",
                                         data={"records_start": "2025-06-01"}).status_code == 403
