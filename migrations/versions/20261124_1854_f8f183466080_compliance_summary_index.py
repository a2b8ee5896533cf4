"""compliance summary index

A covering index for the per-requirement summary, and `active` on evaluations so summaries need not join
people to leave out disabled accounts.

Revision ID: f8f183466080
Revises: af825f311c1c
Create Date: 2026-11-24 18:54:49.399615+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'f8f183466080'
down_revision: str | None = 'af825f311c1c'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('compliance_people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))

    with op.batch_alter_table('compliance_statuses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_compliance_statuses_agency_id_requirement_id'))
        batch_op.create_index('ix_compliance_statuses_summary',
                              ['agency_id', 'requirement_id', 'state', 'done', 'due_on'], unique=False)
    # Statuses of disabled people are no longer stored: re-evaluate everyone on the next visit.
    op.execute("UPDATE compliance_people SET stale = true")


def downgrade() -> None:
    with op.batch_alter_table('compliance_statuses', schema=None) as batch_op:
        batch_op.drop_index('ix_compliance_statuses_summary')
        batch_op.create_index(batch_op.f('ix_compliance_statuses_agency_id_requirement_id'),
                              ['agency_id', 'requirement_id'], unique=False)

    with op.batch_alter_table('compliance_people', schema=None) as batch_op:
        batch_op.drop_column('active')
