"""`flask demo generate`: a statewide data set of the requested size and shape, on both backends, that the
portal's own services read without complaint."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from learning_portal import migrate
from learning_portal.accounts.models import Person
from learning_portal.compliance import services as compliance
from learning_portal.credits import services as credits
from learning_portal.db import make_engine
from learning_portal.demo import generate
from learning_portal.learning.models import Completion, Enrollment
from learning_portal.records.models import TrainingRecord
from tests.conftest import fresh_database_url
from tests.factories import NOW, REAL_CONTENT, load_content


@pytest.fixture
def empty(request, backend, tmp_path):
    url = fresh_database_url(request, backend, tmp_path)
    engine = make_engine(url)
    migrate.upgrade(engine)
    with Session(engine) as db:
        load_content(db, REAL_CONTENT, slugs=None)
        db.commit()
    yield url, engine
    engine.dispose()


def test_the_state_has_the_requested_size_and_shape(empty):
    url, engine = empty
    ids = generate.generate(engine, generate.Sizes(people=1200, agencies=12, records_per_person=6), now=NOW)
    with Session(engine) as db:
        per_agency = dict(db.execute(select(Person.agency_id, func.count()).where(Person.agency_id.in_(ids))
                                     .group_by(Person.agency_id)).all())
        assert sum(per_agency.values()) == 1200 and per_agency[ids[0]] == 120  # the largest: a tenth
        assert min(per_agency.values()) >= 5 and len(per_agency) == 12
        roles = Counter(r.value for r in db.scalars(select(Person.role)))
        assert {"officer", "dispatcher", "instructor", "training_manager"} <= set(roles)
        assert db.scalar(select(func.count()).select_from(TrainingRecord)) == 1200 * 6
        open_enrollments = db.scalar(select(func.count()).where(Enrollment.completed_at.is_(None)))
        assert 60 <= open_enrollments <= 180  # about a tenth
        assert db.scalar(select(func.count()).select_from(Completion)) > 0
        # The portal reads it: the poster queues the fresh completions, compliance evaluates everyone.
        assert credits.enqueue_new_completions(db, now=NOW) == db.scalar(select(func.count()).select_from(Completion))
        defs = compliance.definitions(db, "CA-POST")
        assert compliance.ensure_fresh(db, agency_ids=ids, defs=defs, now=NOW) == 1200
        db.commit()
    # A second run adds to the first without clashing.
    more = generate.generate(engine, generate.Sizes(people=50, agencies=2, records_per_person=1), now=NOW)
    with Session(engine) as db:
        assert db.scalar(select(func.count()).select_from(Person)) == 1250 and set(more).isdisjoint(ids)


def test_the_command_shows_progress_and_is_refused_outside_demo_mode(empty, app_on):
    url, _ = empty
    app = app_on(url)
    refused = app.test_cli_runner().invoke(args=["demo", "generate", "--people", "100", "--agencies", "2"])
    assert refused.exit_code != 0 and "PORTAL_DEMO" in refused.output
    demo = app_on(url, DEMO=True)
    done = demo.test_cli_runner().invoke(args=["demo", "generate", "--people", "100", "--agencies", "4",
                                               "--records-per-person", "3"])
    assert done.exit_code == 0, done.output
    assert "Added 100 people in 4 agencies" in done.output
