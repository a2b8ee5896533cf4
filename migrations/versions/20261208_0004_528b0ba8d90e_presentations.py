"""Presentations: seats on classroom sessions, registrations, and the session a roster record came from

Revision ID: 528b0ba8d90e
Revises: 0004cf95866f
Create Date: 2026-12-08 00:04:01.483788+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '528b0ba8d90e'
down_revision: str | None = '0004cf95866f'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('session_registrations',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_session_registrations_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['training_sessions.id'], name=op.f('fk_session_registrations_session_id_training_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'person_id', name=op.f('pk_session_registrations'))
    )
    with op.batch_alter_table('session_registrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_registrations_person_id'), ['person_id'], unique=False)

    with op.batch_alter_table('training_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_training_records_session_id_training_sessions'), 'training_sessions', ['session_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('capacity', sa.Integer(), nullable=True))

    # Records rosters credited before: the session whose attendance the posting's completion came from.
    op.execute(sa.text(
        "UPDATE training_records SET session_id = (SELECT a.session_id FROM session_attendances a JOIN credit_postings p "
        "ON p.completion_id = a.completion_id WHERE p.id = training_records.posting_id) "
        "WHERE posting_id IS NOT NULL"))


def downgrade() -> None:
    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.drop_column('capacity')

    with op.batch_alter_table('training_records', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_training_records_session_id_training_sessions'), type_='foreignkey')
        batch_op.drop_column('session_id')

    with op.batch_alter_table('session_registrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_registrations_person_id'))

    op.drop_table('session_registrations')
