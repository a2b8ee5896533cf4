"""System API tokens: a name, scopes and one agency

Revision ID: 419847ed5185
Revises: da8add8cdabd
Create Date: 2026-11-24 21:42:32.669055+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '419847ed5185'
down_revision: str | None = 'da8add8cdabd'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name', sa.String(length=100), server_default='', nullable=False))
        batch_op.add_column(sa.Column('scopes', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('agency_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_api_tokens_agency_id'), ['agency_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_api_tokens_agency_id_agencies'), 'agencies', ['agency_id'], ['id'], ondelete='CASCADE')


def downgrade() -> None:
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_api_tokens_agency_id_agencies'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_api_tokens_agency_id'))
        batch_op.drop_column('agency_id')
        batch_op.drop_column('scopes')
        batch_op.drop_column('name')
