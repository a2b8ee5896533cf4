"""retention

When someone left, and when their personal data was purged.

Revision ID: c40793b92551
Revises: d48ddf2d9631
Create Date: 2026-11-24 19:21:40.400542+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c40793b92551'
down_revision: str | None = 'd48ddf2d9631'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('left_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('purged_at', sa.DateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('purged_at')
        batch_op.drop_column('left_on')

