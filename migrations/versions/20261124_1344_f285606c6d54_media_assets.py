"""Media: training video assets with their ingest status, renditions and captions.

Revision ID: f285606c6d54
Revises: 8c761e2edc26
Create Date: 2026-11-24 13:44:00.845966+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'f285606c6d54'
down_revision: str | None = '8c761e2edc26'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('media_assets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('original_filename', sa.String(length=255), nullable=False),
    sa.Column('status', sa.Enum('processing', 'ready', 'failed', name='assetstatus', native_enum=False, length=32), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('duration_s', sa.Double(), nullable=True),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('renditions', sa.JSON(), nullable=False),
    sa.Column('storage_prefix', sa.String(length=100), nullable=False),
    sa.Column('captions_key', sa.String(length=200), nullable=True),
    sa.Column('transcript', sa.Text(), nullable=True),
    sa.Column('is_published', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_media_assets'))
    )


def downgrade() -> None:
    op.drop_table('media_assets')
