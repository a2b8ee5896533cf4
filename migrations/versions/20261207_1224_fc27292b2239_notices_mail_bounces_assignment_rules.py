"""Notices (in-portal, e-mailed by the mail worker) and opt-outs, refused addresses, assignment rules and
what each did once.

Revision ID: fc27292b2239
Revises: b888230c3a6c
Create Date: 2026-12-07 12:24:37.494122+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'fc27292b2239'
down_revision: str | None = 'b888230c3a6c'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('mail_bounces',
    sa.Column('address', sa.String(length=320), nullable=False),
    sa.Column('bounced_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('address', name=op.f('pk_mail_bounces'))
    )
    op.create_table('assignment_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('trigger', sa.Enum('due', 'joins', 'role', name='ruletrigger', native_enum=False, length=32), nullable=False),
    sa.Column('requirement_id', sa.String(length=40), nullable=True),
    sa.Column('role', sa.String(length=32), nullable=True),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_run_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_assignment_rules_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_assignment_rules_course_id_courses')),
    sa.ForeignKeyConstraint(['created_by_id'], ['people.id'], name=op.f('fk_assignment_rules_created_by_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['requirement_id'], ['requirements.id'], name=op.f('fk_assignment_rules_requirement_id_requirements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment_rules'))
    )
    with op.batch_alter_table('assignment_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_rules_agency_id'), ['agency_id'], unique=False)

    op.create_table('notice_opt_outs',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_notice_opt_outs_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', 'kind', name=op.f('pk_notice_opt_outs'))
    )
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('email_state', sa.Enum('pending', 'queued', 'no_address', 'bounced', 'closed', name='emailstate', native_enum=False, length=32), nullable=False),
    sa.Column('email_to', sa.String(length=320), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_notifications_agency_id_agencies'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_notifications_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('key', name=op.f('uq_notifications_key'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index('ix_notifications_pending', ['id'], unique=False, sqlite_where=sa.text("email_state = 'pending'"), postgresql_where=sa.text("email_state = 'pending'"))
        batch_op.create_index('ix_notifications_person_id_id', ['person_id', 'id'], unique=False)
        batch_op.create_index('ix_notifications_person_unread', ['person_id'], unique=False, sqlite_where=sa.text('read_at IS NULL'), postgresql_where=sa.text('read_at IS NULL'))

    op.create_table('assignment_rule_hits',
    sa.Column('rule_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('occasion', sa.String(length=40), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['course_assignments.id'], name=op.f('fk_assignment_rule_hits_assignment_id_course_assignments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_assignment_rule_hits_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rule_id'], ['assignment_rules.id'], name=op.f('fk_assignment_rule_hits_rule_id_assignment_rules'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('rule_id', 'person_id', 'occasion', name=op.f('pk_assignment_rule_hits'))
    )


def downgrade() -> None:
    op.drop_table('assignment_rule_hits')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_person_unread', sqlite_where=sa.text('read_at IS NULL'), postgresql_where=sa.text('read_at IS NULL'))
        batch_op.drop_index('ix_notifications_person_id_id')
        batch_op.drop_index('ix_notifications_pending', sqlite_where=sa.text("email_state = 'pending'"), postgresql_where=sa.text("email_state = 'pending'"))
        batch_op.drop_index(batch_op.f('ix_notifications_agency_id'))

    op.drop_table('notifications')
    op.drop_table('notice_opt_outs')
    with op.batch_alter_table('assignment_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_rules_agency_id'))

    op.drop_table('assignment_rules')
    op.drop_table('mail_bounces')
