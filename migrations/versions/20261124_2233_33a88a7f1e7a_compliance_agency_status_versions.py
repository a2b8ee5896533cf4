"""compliance agency status versions

Revision ID: 33a88a7f1e7a
Revises: 419847ed5185
Create Date: 2026-11-24 22:33:35.531397+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '33a88a7f1e7a'
down_revision: str | None = '419847ed5185'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('compliance_agency_versions',
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_compliance_agency_versions_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', name=op.f('pk_compliance_agency_versions'))
    )


def downgrade() -> None:
    op.drop_table('compliance_agency_versions')
