"""The records change log (the change feed) and the outbox of record changes sent to the receiving portal.

Revision ID: f7cc5fc07dba
Revises: 0ff42e00938b
Create Date: 2026-12-07 15:26:01.811407+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'f7cc5fc07dba'
down_revision: str | None = '0ff42e00938b'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('record_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('txid', sa.BigInteger(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('operation', sa.Enum('created', 'withdrawn', name='changeoperation', native_enum=False, length=32), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_record_changes_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['record_id'], ['training_records.id'], name=op.f('fk_record_changes_record_id_training_records'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_changes'))
    )
    with op.batch_alter_table('record_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_record_changes_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_record_changes_record_id'), ['record_id'], unique=False)
        batch_op.create_index('ix_record_changes_txid_id', ['txid', 'id'], unique=False)
    # The records already kept start the feed, in record order.
    op.execute("INSERT INTO record_changes (txid, record_id, person_id, operation, at) "
               "SELECT 0, id, person_id, 'created', created_at FROM training_records ORDER BY id")
    op.execute("INSERT INTO record_changes (txid, record_id, person_id, operation, at) "
               "SELECT 0, id, person_id, 'withdrawn', withdrawn_at FROM training_records "
               "WHERE withdrawn_at IS NOT NULL ORDER BY withdrawn_at, id")

    op.create_table('record_forwards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('operation', sa.Enum('create', 'withdraw', name='forwardoperation', native_enum=False, length=32), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'failed', 'sent', 'dead', name='outboxstatus', native_enum=False, length=32), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['record_id'], ['training_records.id'], name=op.f('fk_record_forwards_record_id_training_records'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_forwards')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_record_forwards_idempotency_key')),
    sa.UniqueConstraint('record_id', 'operation', name=op.f('uq_record_forwards_record_id_operation'))
    )
    with op.batch_alter_table('record_forwards', schema=None) as batch_op:
        batch_op.create_index('ix_record_forwards_status_next_attempt_at', ['status', 'next_attempt_at'], unique=False)
    cursor = op.create_table('record_forward_cursor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('after', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_forward_cursor'))
    )
    # The one row, there from the start: two posters starting together never both create it.
    op.bulk_insert(cursor, [{"id": 1, "after": "0.0"}])



def downgrade() -> None:
    op.drop_table('record_forward_cursor')
    with op.batch_alter_table('record_forwards', schema=None) as batch_op:
        batch_op.drop_index('ix_record_forwards_status_next_attempt_at')

    op.drop_table('record_forwards')
    with op.batch_alter_table('record_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_record_changes_txid_id')
        batch_op.drop_index(batch_op.f('ix_record_changes_record_id'))
        batch_op.drop_index(batch_op.f('ix_record_changes_person_id'))

    op.drop_table('record_changes')
