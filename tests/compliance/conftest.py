"""Two California agencies and a Colorado one, with people of every kind and real requirements and courses."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from learning_portal.accounts.models import Agency, Assignment, Person, RankTier, Role
from learning_portal.records.models import RecordSource
from learning_portal.records.services import RecordInput, write_record
from tests.factories import NOW, REAL_CONTENT, load_content, make_agency, make_person

# 1 Nov 2026 in California: the 2025-2026 CPT cycle ends in 60 days, so shortfalls are "due soon".
TODAY_UTC = datetime(2026, 11, 1, 18, 0, tzinfo=UTC)
SLUGS = ("dv-response-update", "psp-arrest-and-control", "psp-tactical-firearms", "courtroom-testimony",
         "vehicle-pursuit-policy-update")
_keys = itertools.count(1)


def add_record(db, person: Person, day: date, hours: float, *satisfies: str, **categories: float):
    # A course number of its own: the same course on the same day would be the same training, counted once.
    data = RecordInput(person_id=person.id, course_number=f"9998-{next(_keys):05d}", title="Test training",
                       hours=Decimal(str(hours)), categories={c: Decimal(str(h)) for c, h in categories.items()},
                       satisfies=list(satisfies), completed_on=day, source=RecordSource.ROSTER)
    return write_record(db, data=data, now=NOW, inbound_key=f"test-{next(_keys)}")[0]


@dataclass
class World:
    central: Agency
    harbor: Agency
    colorado: Agency
    manager: Person  # Central's training manager
    harbor_manager: Person
    admin: Person
    ana: Person  # 24 CPT hours, but short on arrest and control
    ben: Person  # 10 hours: CPT due soon
    cleo: Person  # custody: the perishable skills do not apply
    dee: Person  # dispatcher
    erin: Person  # Harbor officer
    cody: Person  # Colorado officer

    @property
    def central_people(self) -> list[Person]:
        return [self.manager, self.ana, self.ben, self.cleo, self.dee]


@pytest.fixture
def world(db_session) -> World:
    return build_world(db_session)


def build_world(db) -> World:
    load_content(db, REAL_CONTENT, slugs=SLUGS)
    central = make_agency(db, jurisdiction="CA-POST", name="Central PD")
    harbor = make_agency(db, jurisdiction="CA-POST", name="Harbor PD")
    colorado = make_agency(db, jurisdiction="CO-POST", name="Aspen PD")
    hired = date(2015, 3, 2)
    w = World(
        central=central, harbor=harbor, colorado=colorado,
        manager=make_person(db, role=Role.TRAINING_MANAGER, agency=central, first_name="Morgan",
                            rank_tier=RankTier.SUPERVISOR, assignment=Assignment.ADMINISTRATION),
        harbor_manager=make_person(db, role=Role.TRAINING_MANAGER, agency=harbor, first_name="Hana"),
        admin=make_person(db, role=Role.ADMINISTRATOR),
        ana=make_person(db, agency=central, first_name="Ana", last_name="Alvarez", hire_date=hired),
        ben=make_person(db, agency=central, first_name="Ben", last_name="Brooks", hire_date=hired),
        cleo=make_person(db, agency=central, first_name="Cleo", last_name="Cruz", hire_date=hired,
                         assignment=Assignment.CUSTODY),
        dee=make_person(db, role=Role.DISPATCHER, agency=central, first_name="Dee", last_name="Diaz",
                        hire_date=hired, assignment=Assignment.DISPATCH),
        erin=make_person(db, agency=harbor, first_name="Erin", last_name="Evans", hire_date=hired),
        cody=make_person(db, agency=colorado, first_name="Cody", last_name="Cole", hire_date=hired),
    )
    add_record(db, w.ana, date(2025, 5, 1), 20, "CA-CPT-24", firearms=4, driving=4, strategic_communications=4,
               use_of_force=4, general=4)
    add_record(db, w.ana, date(2026, 2, 1), 4, "CA-CPT-24", arrest_control=2, general=2)
    add_record(db, w.ben, date(2026, 4, 1), 10, "CA-CPT-24", general=10)
    db.flush()
    return w
