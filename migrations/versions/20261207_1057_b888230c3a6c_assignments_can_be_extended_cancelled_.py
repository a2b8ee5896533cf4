"""Assignments can be extended, cancelled or excused: how one closed without a completion, when, and every
change (with who and why); the one-open-assignment index leaves closed ones out.

Revision ID: b888230c3a6c
Revises: 39113da048a4
Create Date: 2026-12-07 10:57:56.586108+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'b888230c3a6c'
down_revision: str | None = '39113da048a4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('course_assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_as', sa.Enum('cancelled', 'excused', name='closedas', native_enum=False, length=32), nullable=True))
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('changes', sa.JSON(), server_default='[]', nullable=False))
    _open_index("completion_id IS NULL AND closed_as IS NULL")


def _open_index(where: str) -> None:
    op.drop_index("uq_course_assignments_person_id_course_id_open", table_name="course_assignments")
    op.create_index("uq_course_assignments_person_id_course_id_open", "course_assignments", ["person_id", "course_id"],
                    unique=True, sqlite_where=sa.text(where), postgresql_where=sa.text(where))



def downgrade() -> None:
    op.execute("DELETE FROM course_assignments WHERE closed_as IS NOT NULL")  # closed: not open under the old rule
    _open_index("completion_id IS NULL")
    with op.batch_alter_table('course_assignments', schema=None) as batch_op:
        batch_op.drop_column('changes')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('closed_as')

