"""record disputes

People contest their training records; a record found wrong is withdrawn (kept, no longer counted).

Revision ID: d48ddf2d9631
Revises: 4929eb51b901
Create Date: 2026-11-24 19:17:49.329886+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'd48ddf2d9631'
down_revision: str | None = '4929eb51b901'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('record_disputes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=2000), nullable=False),
    sa.Column('attachment_key', sa.String(length=200), nullable=True),
    sa.Column('attachment_name', sa.String(length=200), nullable=True),
    sa.Column('status', sa.Enum('open', 'accepted', 'rejected', name='disputestatus', native_enum=False, length=32), nullable=False),
    sa.Column('resolution_note', sa.String(length=2000), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('correction_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['correction_id'], ['training_records.id'], name=op.f('fk_record_disputes_correction_id_training_records'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_record_disputes_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['record_id'], ['training_records.id'], name=op.f('fk_record_disputes_record_id_training_records'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['people.id'], name=op.f('fk_record_disputes_resolved_by_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_disputes'))
    )
    with op.batch_alter_table('record_disputes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_record_disputes_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_record_disputes_record_id'), ['record_id'], unique=False)
        batch_op.create_index('ix_record_disputes_status_created_at', ['status', 'created_at'], unique=False)

    with op.batch_alter_table('training_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_reason', sa.String(length=300), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('training_records', schema=None) as batch_op:
        batch_op.drop_column('withdrawn_reason')
        batch_op.drop_column('withdrawn_at')

    with op.batch_alter_table('record_disputes', schema=None) as batch_op:
        batch_op.drop_index('ix_record_disputes_status_created_at')
        batch_op.drop_index(batch_op.f('ix_record_disputes_record_id'))
        batch_op.drop_index(batch_op.f('ix_record_disputes_person_id'))

    op.drop_table('record_disputes')
