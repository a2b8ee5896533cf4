"""compliance stored reasons

The reason and hours move out of the finding JSON so the export reads them directly. Existing rows get an
empty reason; the requirement definitions' fingerprint changed too, so every person is re-evaluated on the next
visit or `flask compliance refresh`.

Revision ID: 15b71ec57e2a
Revises: efffe06ef440
Create Date: 2026-11-24 18:44:27.351858+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '15b71ec57e2a'
down_revision: str | None = 'efffe06ef440'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('compliance_statuses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hours_done', sa.Numeric(precision=7, scale=2), nullable=True))
        batch_op.add_column(sa.Column('hours_needed', sa.Numeric(precision=7, scale=2), nullable=True))
        batch_op.add_column(sa.Column('reason', sa.Text(), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('compliance_statuses', schema=None) as batch_op:
        batch_op.drop_column('reason')
        batch_op.drop_column('hours_needed')
        batch_op.drop_column('hours_done')
