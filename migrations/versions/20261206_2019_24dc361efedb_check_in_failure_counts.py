"""check-in failure counts

Revision ID: 24dc361efedb
Revises: 33a88a7f1e7a
Create Date: 2026-12-06 20:19:41.185422+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '24dc361efedb'
down_revision: str | None = '33a88a7f1e7a'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

def upgrade() -> None:
    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('check_in_failures', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('check_in_failures_since', sa.DateTime(timezone=True), nullable=True))

def downgrade() -> None:
    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.drop_column('check_in_failures_since')
        batch_op.drop_column('check_in_failures')

