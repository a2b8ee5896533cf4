"""Exemptions are recorded on a ground from the jurisdiction's fixed list (Colorado Rule 28: partial-year
employment, military leave, medical leave, a perishable-skills waiver).

Revision ID: b25b4346bc8f
Revises: 3b143dc02afc
Create Date: 2026-12-07 06:27:08.866940+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'b25b4346bc8f'
down_revision: str | None = '3b143dc02afc'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('compliance_exemptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=40), server_default='', nullable=False))

    with op.batch_alter_table('jurisdictions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('exemption_grounds', sa.JSON(), server_default='[]', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('jurisdictions', schema=None) as batch_op:
        batch_op.drop_column('exemption_grounds')

    with op.batch_alter_table('compliance_exemptions', schema=None) as batch_op:
        batch_op.drop_column('kind')

