"""The catalogue's version token: what every page reads is cached per process under it (refdata).

Revision ID: 7b0519722199
Revises: f7cc5fc07dba
Create Date: 2026-12-07 16:12:27.069039+00:00
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '7b0519722199'
down_revision: str | None = 'f7cc5fc07dba'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table('catalog_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_version'))
    )
    # Random per database: two databases never share a token, whatever they hold.
    op.bulk_insert(table, [{"id": 1, "token": uuid.uuid4().hex}])


def downgrade() -> None:
    op.drop_table('catalog_version')
