"""SCORM 1.2 packages and their runtime state

Revision ID: e2543a39ba5a
Revises: c40793b92551
Create Date: 2026-11-24 20:48:42.115266+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'e2543a39ba5a'
down_revision: str | None = 'c40793b92551'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('scorm_packages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('identifier', sa.String(length=200), nullable=False),
    sa.Column('launch', sa.String(length=500), nullable=False),
    sa.Column('mastery_score', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('file_count', sa.Integer(), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('original_filename', sa.String(length=255), nullable=False),
    sa.Column('storage_prefix', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scorm_packages')),
    sa.UniqueConstraint('slug', name=op.f('uq_scorm_packages_slug'))
    )
    op.create_table('scorm_states',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('progress_id', sa.Integer(), nullable=False),
    sa.Column('lesson_status', sa.String(length=16), nullable=False),
    sa.Column('lesson_location', sa.String(length=255), nullable=False),
    sa.Column('score_raw', sa.Numeric(precision=7, scale=2), nullable=True),
    sa.Column('score_min', sa.Numeric(precision=7, scale=2), nullable=True),
    sa.Column('score_max', sa.Numeric(precision=7, scale=2), nullable=True),
    sa.Column('suspend_data', sa.Text(), nullable=False),
    sa.Column('exit', sa.String(length=16), nullable=False),
    sa.Column('session_time_s', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('total_time_s', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('launches', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['progress_id'], ['item_progress.id'], name=op.f('fk_scorm_states_progress_id_item_progress'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scorm_states')),
    sa.UniqueConstraint('progress_id', name=op.f('uq_scorm_states_progress_id'))
    )
    with op.batch_alter_table('course_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('package_slug', sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('course_items', schema=None) as batch_op:
        batch_op.drop_column('package_slug')
    op.drop_table('scorm_states')
    op.drop_table('scorm_packages')
