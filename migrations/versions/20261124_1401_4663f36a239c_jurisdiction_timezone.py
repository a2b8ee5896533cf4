"""Jurisdictions count training dates in their own time zone.

Existing rows get UTC until the next content import sets the zone from content/requirements.

Revision ID: 4663f36a239c
Revises: f285606c6d54
Create Date: 2026-11-24 14:01:17.485582+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '4663f36a239c'
down_revision: str | None = 'f285606c6d54'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('jurisdictions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), nullable=False, server_default='UTC'))
    with op.batch_alter_table('jurisdictions', schema=None) as batch_op:
        batch_op.alter_column('timezone', server_default=None)



def downgrade() -> None:
    with op.batch_alter_table('jurisdictions', schema=None) as batch_op:
        batch_op.drop_column('timezone')

