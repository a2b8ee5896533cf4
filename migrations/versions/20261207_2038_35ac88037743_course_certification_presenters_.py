"""Course certification: presenters, coordinators, consultants, requests and their steps

Revision ID: 35ac88037743
Revises: 7b0519722199
Create Date: 2026-12-07 20:38:59.196307+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '35ac88037743'
down_revision: str | None = '7b0519722199'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('presenters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=4), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('jurisdiction', sa.String(length=16), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_presenters_agency_id_agencies'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['jurisdiction'], ['jurisdictions.code'], name=op.f('fk_presenters_jurisdiction_jurisdictions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_presenters')),
    sa.UniqueConstraint('number', name=op.f('uq_presenters_number'))
    )
    op.create_table('certification_consultants',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['jurisdiction'], ['jurisdictions.code'], name=op.f('fk_certification_consultants_jurisdiction_jurisdictions')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_certification_consultants_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', 'jurisdiction', name=op.f('pk_certification_consultants'))
    )
    op.create_table('certification_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('presenter_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('new', 'modification', name='requestkind', native_enum=False, length=16), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('delivery', sa.Enum('classroom', 'distance', 'video', 'blended', name='delivery', native_enum=False, length=16), nullable=False),
    sa.Column('total_hours', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('topics', sa.JSON(), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('requirements', sa.JSON(), nullable=False),
    sa.Column('instructors', sa.JSON(), nullable=False),
    sa.Column('plan', sa.String(length=80), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('state', sa.Enum('draft', 'submitted', 'returned', 'certified', 'denied', name='requeststate', native_enum=False, length=16), nullable=False),
    sa.Column('course_number', sa.String(length=10), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state_since', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_certification_requests_course_id_courses')),
    sa.ForeignKeyConstraint(['created_by_id'], ['people.id'], name=op.f('fk_certification_requests_created_by_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['presenter_id'], ['presenters.id'], name=op.f('fk_certification_requests_presenter_id_presenters')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certification_requests'))
    )
    with op.batch_alter_table('certification_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certification_requests_presenter_id'), ['presenter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certification_requests_state'), ['state'], unique=False)

    op.create_table('presenter_coordinators',
    sa.Column('presenter_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_presenter_coordinators_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['presenter_id'], ['presenters.id'], name=op.f('fk_presenter_coordinators_presenter_id_presenters'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('presenter_id', 'person_id', name=op.f('pk_presenter_coordinators'))
    )
    with op.batch_alter_table('presenter_coordinators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_presenter_coordinators_person_id'), ['person_id'], unique=False)

    op.create_table('certification_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('from_state', sa.Enum('draft', 'submitted', 'returned', 'certified', 'denied', name='requeststate', native_enum=False, length=16), nullable=True),
    sa.Column('to_state', sa.Enum('draft', 'submitted', 'returned', 'certified', 'denied', name='requeststate', native_enum=False, length=16), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['people.id'], name=op.f('fk_certification_steps_by_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['request_id'], ['certification_requests.id'], name=op.f('fk_certification_steps_request_id_certification_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certification_steps')),
    sa.UniqueConstraint('request_id', 'seq', name=op.f('uq_certification_steps_request_id_seq'))
    )
    with op.batch_alter_table('certification_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certification_steps_by_id'), ['by_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('certification_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certification_steps_by_id'))

    op.drop_table('certification_steps')
    with op.batch_alter_table('presenter_coordinators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_presenter_coordinators_person_id'))

    op.drop_table('presenter_coordinators')
    with op.batch_alter_table('certification_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certification_requests_state'))
        batch_op.drop_index(batch_op.f('ix_certification_requests_presenter_id'))

    op.drop_table('certification_requests')
    op.drop_table('certification_consultants')
    op.drop_table('presenters')
