"""Enrollments can be closed without a completion (a new start after the quiz attempts ran out).

The "one open enrollment per person and course" index now also excludes closed enrollments.

Revision ID: ae1ede690dcf
Revises: 4663f36a239c
Create Date: 2026-11-24 14:06:15.350059+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'ae1ede690dcf'
down_revision: str | None = '4663f36a239c'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_index('uq_enrollments_person_id_course_id_open')
        batch_op.create_index('uq_enrollments_person_id_course_id_open', ['person_id', 'course_id'], unique=True,
                              sqlite_where=sa.text('completed_at IS NULL AND closed_at IS NULL'),
                              postgresql_where=sa.text('completed_at IS NULL AND closed_at IS NULL'))



def downgrade() -> None:
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.drop_index('uq_enrollments_person_id_course_id_open')
        batch_op.create_index('uq_enrollments_person_id_course_id_open', ['person_id', 'course_id'], unique=True,
                              sqlite_where=sa.text('completed_at IS NULL'),
                              postgresql_where=sa.text('completed_at IS NULL'))
        batch_op.drop_column('closed_at')

