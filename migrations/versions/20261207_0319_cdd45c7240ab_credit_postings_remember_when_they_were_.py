"""credit postings remember when they were reported late

Revision ID: cdd45c7240ab
Revises: 24dc361efedb
Create Date: 2026-12-07 03:19:51.585746+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'cdd45c7240ab'
down_revision: str | None = '24dc361efedb'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('credit_postings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('alerted_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('credit_postings', schema=None) as batch_op:
        batch_op.drop_column('alerted_at')

