"""The schema is built only by migrations, and the models never drift from them."""

import pytest
from alembic import command
from sqlalchemy import inspect

from learning_portal import migrate
from learning_portal.db import make_engine
from learning_portal.models import metadata
from tests.conftest import fresh_database_url


def test_models_match_the_migrations(engine):
    assert migrate.schema_drift(engine) == []


def test_a_model_change_without_migration_is_detected(engine):
    from sqlalchemy import Column, String

    table = metadata.tables["agencies"]
    extra = Column("motto", String(50))
    table.append_column(extra)
    try:
        diff = migrate.schema_drift(engine)
    finally:
        table._columns.remove(extra)
    assert any(d[0] == "add_column" and d[3].name == "motto" for d in diff)


def test_downgrade_to_base_and_upgrade_again(request, backend, tmp_path):
    engine = make_engine(fresh_database_url(request, backend, tmp_path))
    try:
        migrate.upgrade(engine)
        assert "people" in inspect(engine).get_table_names()
        with engine.begin() as connection:
            command.downgrade(migrate.alembic_config(connection), "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(engine)
        assert migrate.schema_drift(engine) == []
    finally:
        engine.dispose()


@pytest.mark.parametrize("name", sorted(metadata.tables))
def test_every_table_exists_after_upgrade(engine, name):
    assert name in inspect(engine).get_table_names()
