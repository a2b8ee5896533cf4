"""Video items in courses and per-item watch state (verified watching).

New NOT NULL columns are filled for existing rows through a server default that is then dropped.

Revision ID: ca3dfb7d28dc
Revises: ae1ede690dcf
Create Date: 2026-11-24 14:12:25.163646+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'ca3dfb7d28dc'
down_revision: str | None = 'ae1ede690dcf'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('course_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('media_slug', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('coverage', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('allow_skip_ahead', sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table('item_progress', schema=None) as batch_op:
        batch_op.add_column(sa.Column('watched', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('position_s', sa.Double(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('session_started_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('session_gained_s', sa.Double(), nullable=False, server_default='0'))

    with op.batch_alter_table('media_assets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('slug', sa.String(length=80), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_media_assets_slug'), ['slug'])

    with op.batch_alter_table('course_items', schema=None) as batch_op:
        batch_op.alter_column('allow_skip_ahead', server_default=None)
    with op.batch_alter_table('item_progress', schema=None) as batch_op:
        for column in ('watched', 'position_s', 'session_gained_s'):
            batch_op.alter_column(column, server_default=None)



def downgrade() -> None:
    with op.batch_alter_table('media_assets', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_media_assets_slug'), type_='unique')
        batch_op.drop_column('slug')

    with op.batch_alter_table('item_progress', schema=None) as batch_op:
        batch_op.drop_column('session_gained_s')
        batch_op.drop_column('session_started_at')
        batch_op.drop_column('position_s')
        batch_op.drop_column('watched')

    with op.batch_alter_table('course_items', schema=None) as batch_op:
        batch_op.drop_column('allow_skip_ahead')
        batch_op.drop_column('coverage')
        batch_op.drop_column('media_slug')

