"""A California agency with officers, a qualified instructor, and the real facilitable courses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from learning_portal.accounts.models import Agency, Person, Role
from learning_portal.catalog.models import Course
from learning_portal.catalog.queries import get_course
from learning_portal.sessions import services
from learning_portal.sessions.models import SessionKind, TrainingSession
from tests.factories import NOW, REAL_CONTENT, load_content, make_agency, make_person

SLUGS = ("racial-identity-profiling-update", "vehicle-pursuit-policy-update", "dv-response-update",
         "psp-arrest-and-control")


@dataclass
class World:
    agency: Agency
    other_agency: Agency
    instructor: Person
    officers: list[Person]
    outsider: Person  # an officer of another agency

    def course(self, db, slug: str) -> Course:
        return get_course(db, slug)[0]

    def session(self, db, slug: str = "vehicle-pursuit-policy-update", *, running: bool = True,
                starts_at=None, **kwargs) -> TrainingSession:
        ts = services.create_session(db, actor=self.instructor, course=self.course(db, slug),
                                     kind=SessionKind.BRIEFING, starts_at=starts_at or NOW - timedelta(minutes=5),
                                     location="Briefing room B", agency=self.agency, now=NOW, **kwargs)
        if running:
            services.start_check_in(ts, now=NOW)
        return ts


@pytest.fixture
def world(db_session) -> World:
    load_content(db_session, REAL_CONTENT, slugs=SLUGS)
    agency = make_agency(db_session, jurisdiction="CA-POST", name="Central PD")
    other = make_agency(db_session, jurisdiction="CA-POST", name="Harbor PD")
    instructor = make_person(db_session, role=Role.INSTRUCTOR, agency=agency)
    officers = [make_person(db_session, agency=agency, first_name=name) for name in ("Ana", "Ben", "Cleo", "Dev")]
    return World(agency, other, instructor, officers, make_person(db_session, agency=other))
