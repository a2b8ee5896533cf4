"""Certification requests carry their outline document and, for courses taken here, their package

Revision ID: 0004cf95866f
Revises: 35ac88037743
Create Date: 2026-12-07 23:23:22.499738+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004cf95866f'
down_revision: str | None = '35ac88037743'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('certification_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outline_key', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('outline_name', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('package_key', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('package_name', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('package_course', sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('certification_requests', schema=None) as batch_op:
        batch_op.drop_column('package_course')
        batch_op.drop_column('package_name')
        batch_op.drop_column('package_key')
        batch_op.drop_column('outline_name')
        batch_op.drop_column('outline_key')

