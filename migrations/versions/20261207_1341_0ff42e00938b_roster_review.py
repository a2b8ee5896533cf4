"""Roster review: a roster waits for approval where the jurisdiction or course says so; amendments after it.

Revision ID: 0ff42e00938b
Revises: 8026db958cac
Create Date: 2026-12-07 13:41:22.827980+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0ff42e00938b'
down_revision: str | None = '8026db958cac'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('roster_amendments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.Enum('add', 'withdraw', name='amendmentaction', native_enum=False, length=32), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completion_id', sa.Integer(), nullable=True),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['by_id'], ['people.id'], name=op.f('fk_roster_amendments_by_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['completion_id'], ['completions.id'], name=op.f('fk_roster_amendments_completion_id_completions')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_roster_amendments_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['record_id'], ['training_records.id'], name=op.f('fk_roster_amendments_record_id_training_records')),
    sa.ForeignKeyConstraint(['session_id'], ['training_sessions.id'], name=op.f('fk_roster_amendments_session_id_training_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_amendments'))
    )
    with op.batch_alter_table('roster_amendments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roster_amendments_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_roster_amendments_session_id'), ['session_id'], unique=False)

    with op.batch_alter_table('course_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('roster_review', sa.String(length=16), nullable=True))

    with op.batch_alter_table('jurisdictions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('roster_review', sa.String(length=16), server_default='none', nullable=False))

    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('approved_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_training_sessions_approved_by_id_people'), 'people', ['approved_by_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_training_sessions_approved_by_id_people'), type_='foreignkey')
        batch_op.drop_column('approved_by_id')
        batch_op.drop_column('approved_at')

    with op.batch_alter_table('jurisdictions', schema=None) as batch_op:
        batch_op.drop_column('roster_review')

    with op.batch_alter_table('course_versions', schema=None) as batch_op:
        batch_op.drop_column('roster_review')

    with op.batch_alter_table('roster_amendments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roster_amendments_session_id'))
        batch_op.drop_index(batch_op.f('ix_roster_amendments_person_id'))

    op.drop_table('roster_amendments')
