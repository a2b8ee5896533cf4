"""Compliance: requirement rules, exemptions, the stored per-person evaluation; assignment dates on people.

Revision ID: efffe06ef440
Revises: f6be3d855c05
Create Date: 2026-11-24 17:01:43.548137+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'efffe06ef440'
down_revision: str | None = 'f6be3d855c05'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('compliance_exemptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requirement_id', sa.String(length=40), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('(agency_id IS NULL) <> (person_id IS NULL)', name=op.f('ck_compliance_exemptions_agency_or_person')),
    sa.CheckConstraint('ends_on IS NULL OR ends_on >= starts_on', name=op.f('ck_compliance_exemptions_ends_after_start')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_compliance_exemptions_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['granted_by_id'], ['people.id'], name=op.f('fk_compliance_exemptions_granted_by_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_compliance_exemptions_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requirement_id'], ['requirements.id'], name=op.f('fk_compliance_exemptions_requirement_id_requirements')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['people.id'], name=op.f('fk_compliance_exemptions_revoked_by_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_compliance_exemptions'))
    )
    with op.batch_alter_table('compliance_exemptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_compliance_exemptions_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_compliance_exemptions_person_id'), ['person_id'], unique=False)

    op.create_table('compliance_people',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('definitions', sa.String(length=64), nullable=False),
    sa.Column('person_revision', sa.Integer(), nullable=False),
    sa.Column('last_record_id', sa.Integer(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('stale', sa.Boolean(), nullable=False),
    sa.Column('worst_due_on', sa.Date(), nullable=True),
    sa.Column('outstanding', sa.Boolean(), nullable=False),
    sa.Column('tracked', sa.Integer(), nullable=False),
    sa.Column('exempt', sa.Integer(), nullable=False),
    sa.Column('evaluated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_compliance_people_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_compliance_people_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_compliance_people'))
    )
    with op.batch_alter_table('compliance_people', schema=None) as batch_op:
        batch_op.create_index('ix_compliance_people_agency_id_worst_due_on', ['agency_id', 'worst_due_on'], unique=False)

    op.create_table('compliance_statuses',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('requirement_id', sa.String(length=40), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('finding', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_compliance_statuses_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_compliance_statuses_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requirement_id'], ['requirements.id'], name=op.f('fk_compliance_statuses_requirement_id_requirements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', 'requirement_id', name=op.f('pk_compliance_statuses'))
    )
    with op.batch_alter_table('compliance_statuses', schema=None) as batch_op:
        batch_op.create_index('ix_compliance_statuses_agency_id_requirement_id', ['agency_id', 'requirement_id'], unique=False)

    with op.batch_alter_table('jurisdictions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_soon_days', sa.Integer(), server_default='90', nullable=False))
        batch_op.add_column(sa.Column('judged_from', sa.Date(), nullable=True))

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assigned_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('revision', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('requirements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rule', sa.JSON(), nullable=True))

    with op.batch_alter_table('training_records', schema=None) as batch_op:
        batch_op.create_index('ix_training_records_person_id_id', ['person_id', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('training_records', schema=None) as batch_op:
        batch_op.drop_index('ix_training_records_person_id_id')

    with op.batch_alter_table('requirements', schema=None) as batch_op:
        batch_op.drop_column('rule')

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('revision')
        batch_op.drop_column('assigned_on')

    with op.batch_alter_table('jurisdictions', schema=None) as batch_op:
        batch_op.drop_column('judged_from')
        batch_op.drop_column('due_soon_days')

    with op.batch_alter_table('compliance_statuses', schema=None) as batch_op:
        batch_op.drop_index('ix_compliance_statuses_agency_id_requirement_id')

    op.drop_table('compliance_statuses')
    with op.batch_alter_table('compliance_people', schema=None) as batch_op:
        batch_op.drop_index('ix_compliance_people_agency_id_worst_due_on')

    op.drop_table('compliance_people')
    with op.batch_alter_table('compliance_exemptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_compliance_exemptions_person_id'))
        batch_op.drop_index(batch_op.f('ix_compliance_exemptions_agency_id'))

    op.drop_table('compliance_exemptions')
