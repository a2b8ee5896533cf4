"""compliance knows where records start, data gaps and what is owed; records say whether they earned CPT

Revision ID: 3b143dc02afc
Revises: cdd45c7240ab
Create Date: 2026-12-07 03:44:37.093649+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '3b143dc02afc'
down_revision: str | None = 'cdd45c7240ab'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('records_start', sa.Date(), nullable=True))

    with op.batch_alter_table('compliance_people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('missing', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('gaps', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('owed', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('compliance_statuses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('gap', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('owed', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('training_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cpt_credited', sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('training_records', schema=None) as batch_op:
        batch_op.drop_column('cpt_credited')

    with op.batch_alter_table('compliance_statuses', schema=None) as batch_op:
        batch_op.drop_column('owed')
        batch_op.drop_column('gap')

    with op.batch_alter_table('compliance_people', schema=None) as batch_op:
        batch_op.drop_column('owed')
        batch_op.drop_column('gaps')
        batch_op.drop_column('missing')

    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.drop_column('records_start')

