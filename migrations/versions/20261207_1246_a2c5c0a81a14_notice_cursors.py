"""Where the nightly run got to, per agency (notices.models.NoticeCursor).

Revision ID: a2c5c0a81a14
Revises: fc27292b2239
Create Date: 2026-12-07 12:46:43.053997+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'a2c5c0a81a14'
down_revision: str | None = 'fc27292b2239'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('notice_cursors',
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('ran_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_notice_cursors_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', name=op.f('pk_notice_cursors'))
    )


def downgrade() -> None:
    op.drop_table('notice_cursors')
