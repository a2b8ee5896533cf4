"""Training taken elsewhere and missing records, submitted with proof and approved by the manager; the
jurisdiction's rule for whether such hours count toward CPT.

Revision ID: 8026db958cac
Revises: bc7874345604
Create Date: 2026-12-07 13:27:34.425208+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '8026db958cac'
down_revision: str | None = 'bc7874345604'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('external_training',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('elsewhere', 'missing', name='externalkind', native_enum=False, length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('presenter', sa.String(length=200), nullable=False),
    sa.Column('course_number', sa.String(length=16), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('hours', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=False),
    sa.Column('proof_key', sa.String(length=200), nullable=True),
    sa.Column('proof_name', sa.String(length=200), nullable=True),
    sa.Column('proof_kind', sa.Enum('certificate', 'letter', 'other', name='proofkind', native_enum=False, length=32), nullable=True),
    sa.Column('status', sa.Enum('pending', 'returned', 'approved', name='externalstatus', native_enum=False, length=32), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('comment', sa.String(length=1000), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('cpt_credited', sa.Boolean(), nullable=True),
    sa.Column('cpt_reason', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_external_training_agency_id_agencies'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_external_training_course_id_courses')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['people.id'], name=op.f('fk_external_training_decided_by_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_external_training_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['record_id'], ['training_records.id'], name=op.f('fk_external_training_record_id_training_records'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['people.id'], name=op.f('fk_external_training_submitted_by_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_external_training'))
    )
    with op.batch_alter_table('external_training', schema=None) as batch_op:
        batch_op.create_index('ix_external_training_agency_id_status', ['agency_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_external_training_person_id'), ['person_id'], unique=False)

    with op.batch_alter_table('jurisdictions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('external_cpt', sa.String(length=32), server_default='certified_only', nullable=False))
        batch_op.add_column(sa.Column('external_citation', sa.String(length=300), server_default='', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('jurisdictions', schema=None) as batch_op:
        batch_op.drop_column('external_citation')
        batch_op.drop_column('external_cpt')

    with op.batch_alter_table('external_training', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_external_training_person_id'))
        batch_op.drop_index('ix_external_training_agency_id_status')

    op.drop_table('external_training')
