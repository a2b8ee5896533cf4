"""Credits and records: jurisdictions, the posting outbox, inbound receipts, training records.

Revision ID: 8c761e2edc26
Revises: 0e9c619d58cc
Create Date: 2026-11-24 13:00:36.504208+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '8c761e2edc26'
down_revision: str | None = '0e9c619d58cc'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('inbound_receipts',
    sa.Column('idempotency_key', sa.String(length=120), nullable=False),
    sa.Column('body_sha256', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('response', sa.JSON(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('idempotency_key', name=op.f('pk_inbound_receipts'))
    )
    op.create_table('jurisdictions',
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('cycle_months', sa.Integer(), nullable=False),
    sa.Column('cycle_anchor', sa.Date(), nullable=False),
    sa.Column('repeat_credit_in_cycle', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_jurisdictions'))
    )
    op.create_table('credit_postings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('completion_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'failed', 'posted', 'dead', 'not_eligible', name='postingstatus', native_enum=False, length=32), nullable=False),
    sa.Column('reason', sa.String(length=400), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('record_written_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('forwarded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('external_ref', sa.String(length=100), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['completion_id'], ['completions.id'], name=op.f('fk_credit_postings_completion_id_completions')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_credit_postings_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_postings')),
    sa.UniqueConstraint('completion_id', name=op.f('uq_credit_postings_completion_id')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_credit_postings_idempotency_key'))
    )
    with op.batch_alter_table('credit_postings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_postings_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_credit_postings_status_next_attempt_at', ['status', 'next_attempt_at'], unique=False)

    op.create_table('training_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('posting_id', sa.Integer(), nullable=True),
    sa.Column('inbound_key', sa.String(length=120), nullable=True),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('course_number', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('hours', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('satisfies', sa.JSON(), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('source', sa.Enum('online', 'roster', 'forwarded', name='recordsource', native_enum=False, length=32), nullable=False),
    sa.Column('verification_code', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(posting_id IS NULL) <> (inbound_key IS NULL)', name=op.f('ck_training_records_one_origin')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_training_records_course_id_courses')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_training_records_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['posting_id'], ['credit_postings.id'], name=op.f('fk_training_records_posting_id_credit_postings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_records')),
    sa.UniqueConstraint('inbound_key', name=op.f('uq_training_records_inbound_key')),
    sa.UniqueConstraint('posting_id', name=op.f('uq_training_records_posting_id')),
    sa.UniqueConstraint('verification_code', name=op.f('uq_training_records_verification_code'))
    )
    with op.batch_alter_table('training_records', schema=None) as batch_op:
        batch_op.create_index('ix_training_records_person_id_completed_on', ['person_id', 'completed_on'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('training_records', schema=None) as batch_op:
        batch_op.drop_index('ix_training_records_person_id_completed_on')

    op.drop_table('training_records')
    with op.batch_alter_table('credit_postings', schema=None) as batch_op:
        batch_op.drop_index('ix_credit_postings_status_next_attempt_at')
        batch_op.drop_index(batch_op.f('ix_credit_postings_person_id'))

    op.drop_table('credit_postings')
    op.drop_table('jurisdictions')
    op.drop_table('inbound_receipts')
