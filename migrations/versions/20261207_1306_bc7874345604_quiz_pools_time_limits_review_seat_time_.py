"""Honest credit: question pools, time limits with late rules and extra time, what an attempt shows, lesson
seat time and course order, the time spent kept with a completion.

Revision ID: bc7874345604
Revises: a2c5c0a81a14
Create Date: 2026-12-07 13:06:03.292151+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'bc7874345604'
down_revision: str | None = 'a2c5c0a81a14'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('quiz_accommodations',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('extra_percent', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['granted_by_id'], ['people.id'], name=op.f('fk_quiz_accommodations_granted_by_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_quiz_accommodations_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_quiz_accommodations'))
    )
    with op.batch_alter_table('completions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seconds_spent', sa.Integer(), nullable=True))

    with op.batch_alter_table('course_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('min_seconds', sa.Integer(), nullable=True))

    with op.batch_alter_table('course_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('in_order', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('item_progress', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active_s', sa.Double(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deadline', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('saved_answers', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('late', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('quiz_questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('topic', sa.String(length=60), server_default='', nullable=False))

    with op.batch_alter_table('quizzes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('draw', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('time_limit_minutes', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('late', sa.Enum('grade_on_time', 'refuse', name='latepolicy', native_enum=False, length=32), server_default='grade_on_time', nullable=False))
        batch_op.add_column(sa.Column('review', sa.Enum('score', 'wrong', 'answers_after_pass', 'answers', name='review', native_enum=False, length=32), server_default='answers_after_pass', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('quizzes', schema=None) as batch_op:
        batch_op.drop_column('review')
        batch_op.drop_column('late')
        batch_op.drop_column('time_limit_minutes')
        batch_op.drop_column('draw')

    with op.batch_alter_table('quiz_questions', schema=None) as batch_op:
        batch_op.drop_column('topic')

    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.drop_column('late')
        batch_op.drop_column('saved_answers')
        batch_op.drop_column('deadline')

    with op.batch_alter_table('item_progress', schema=None) as batch_op:
        batch_op.drop_column('last_seen_at')
        batch_op.drop_column('active_s')

    with op.batch_alter_table('course_versions', schema=None) as batch_op:
        batch_op.drop_column('in_order')

    with op.batch_alter_table('course_items', schema=None) as batch_op:
        batch_op.drop_column('min_seconds')

    with op.batch_alter_table('completions', schema=None) as batch_op:
        batch_op.drop_column('seconds_spent')

    op.drop_table('quiz_accommodations')
