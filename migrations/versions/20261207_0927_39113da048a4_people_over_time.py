"""People over time: several roles and assignments, each with its start (people.roles_held/assignments_held),
their history (person_terms) and agency memberships (a transfer keeps the POST ID and its records).

Existing people get their one role, assignment and rank as the first term, dated as before (role from hire,
assignment from assigned_on, rank from promotion_date), and their agency as an open membership from hire.

Revision ID: 39113da048a4
Revises: 8346978355f7
Create Date: 2026-12-07 09:27:44.873538+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '39113da048a4'
down_revision: str | None = '8346978355f7'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('agency_memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_agency_memberships_agency_id_agencies')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_agency_memberships_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_memberships'))
    )
    with op.batch_alter_table('agency_memberships', schema=None) as batch_op:
        batch_op.create_index('ix_agency_memberships_agency_id_person_id', ['agency_id', 'person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agency_memberships_person_id'), ['person_id'], unique=False)

    op.create_table('person_terms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('role', 'assignment', 'rank_tier', name='termkind', native_enum=False, length=32), nullable=False),
    sa.Column('value', sa.String(length=32), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_person_terms_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['people.id'], name=op.f('fk_person_terms_recorded_by_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_terms'))
    )
    with op.batch_alter_table('person_terms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_terms_person_id'), ['person_id'], unique=False)

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('roles_held', sa.JSON(), server_default='{}', nullable=False))
        batch_op.add_column(sa.Column('assignments_held', sa.JSON(), server_default='{}', nullable=False))

    _backfill()


def _backfill() -> None:
    bind = op.get_bind()
    people = sa.table("people", sa.column("id"), sa.column("role"), sa.column("assignment"), sa.column("rank_tier"),
                      sa.column("hire_date", sa.Date), sa.column("assigned_on", sa.Date),
                      sa.column("promotion_date", sa.Date), sa.column("agency_id"), sa.column("created_at"),
                      sa.column("roles_held", sa.JSON), sa.column("assignments_held", sa.JSON))
    terms = sa.table("person_terms", sa.column("person_id"), sa.column("kind"), sa.column("value"),
                     sa.column("starts_on", sa.Date), sa.column("recorded_at"))
    memberships = sa.table("agency_memberships", sa.column("person_id"), sa.column("agency_id"),
                           sa.column("starts_on", sa.Date), sa.column("created_at"))
    rows = bind.execute(sa.select(people.c.id, people.c.role, people.c.assignment, people.c.rank_tier,
                                  people.c.hire_date, people.c.assigned_on, people.c.promotion_date,
                                  people.c.agency_id, people.c.created_at)).all()
    for p in rows:
        iso = lambda d: d.isoformat() if d else None  # noqa: E731
        bind.execute(people.update().where(people.c.id == p.id).values(
            roles_held={p.role: iso(p.hire_date)}, assignments_held={p.assignment: iso(p.assigned_on)}))
        bind.execute(terms.insert(), [
            dict(person_id=p.id, kind="role", value=p.role, starts_on=p.hire_date, recorded_at=p.created_at),
            dict(person_id=p.id, kind="assignment", value=p.assignment, starts_on=p.assigned_on,
                 recorded_at=p.created_at),
            dict(person_id=p.id, kind="rank_tier", value=p.rank_tier, starts_on=p.promotion_date or p.hire_date,
                 recorded_at=p.created_at)])
        if p.agency_id is not None:
            bind.execute(memberships.insert().values(person_id=p.id, agency_id=p.agency_id, starts_on=p.hire_date,
                                                     created_at=p.created_at))


def downgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('assignments_held')
        batch_op.drop_column('roles_held')

    with op.batch_alter_table('person_terms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_terms_person_id'))

    op.drop_table('person_terms')
    with op.batch_alter_table('agency_memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agency_memberships_person_id'))
        batch_op.drop_index('ix_agency_memberships_agency_id_person_id')

    op.drop_table('agency_memberships')
