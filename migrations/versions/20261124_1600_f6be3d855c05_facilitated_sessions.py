"""Facilitated sessions (check-ins, rosters), facilitator qualifications, and course assignments (make-ups).

Revision ID: f6be3d855c05
Revises: ca3dfb7d28dc
Create Date: 2026-11-24 16:00:55.506679+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'f6be3d855c05'
down_revision: str | None = 'ca3dfb7d28dc'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('facilitator_qualifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('qualification', sa.String(length=40), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['granted_by_id'], ['people.id'], name=op.f('fk_facilitator_qualifications_granted_by_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_facilitator_qualifications_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_facilitator_qualifications')),
    sa.UniqueConstraint('person_id', 'qualification', name=op.f('uq_facilitator_qualifications_person_id_qualification'))
    )
    op.create_table('training_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('briefing', 'classroom', 'imported', name='sessionkind', native_enum=False, length=32), nullable=False),
    sa.Column('status', sa.Enum('scheduled', 'running', 'closed', 'submitted', 'cancelled', name='sessionstatus', native_enum=False, length=32), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('course_version_id', sa.Integer(), nullable=False),
    sa.Column('instructor_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.Column('code_secret', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_training_sessions_agency_id_agencies')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_training_sessions_course_id_courses')),
    sa.ForeignKeyConstraint(['course_version_id'], ['course_versions.id'], name=op.f('fk_training_sessions_course_version_id_course_versions')),
    sa.ForeignKeyConstraint(['instructor_id'], ['people.id'], name=op.f('fk_training_sessions_instructor_id_people')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['people.id'], name=op.f('fk_training_sessions_submitted_by_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_sessions'))
    )
    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_sessions_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_sessions_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_sessions_instructor_id'), ['instructor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_sessions_status'), ['status'], unique=False)

    op.create_table('session_agencies',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_session_agencies_agency_id_agencies')),
    sa.ForeignKeyConstraint(['session_id'], ['training_sessions.id'], name=op.f('fk_session_agencies_session_id_training_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'agency_id', name=op.f('pk_session_agencies'))
    )
    with op.batch_alter_table('session_agencies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_agencies_agency_id'), ['agency_id'], unique=False)

    op.create_table('course_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Enum('assigned', 'make_up', name='assignmentreason', native_enum=False, length=32), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completion_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['people.id'], name=op.f('fk_course_assignments_assigned_by_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['completion_id'], ['completions.id'], name=op.f('fk_course_assignments_completion_id_completions')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_assignments_course_id_courses')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_course_assignments_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_assignments'))
    )
    with op.batch_alter_table('course_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_assignments_person_id'), ['person_id'], unique=False)
        batch_op.create_index('uq_course_assignments_person_id_course_id_open', ['person_id', 'course_id'], unique=True, sqlite_where=sa.text('completion_id IS NULL'), postgresql_where=sa.text('completion_id IS NULL'))

    op.create_table('session_attendances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('present', 'partial', name='attendancestatus', native_enum=False, length=32), nullable=False),
    sa.Column('minutes_attended', sa.Integer(), nullable=True),
    sa.Column('method', sa.Enum('check_in', 'instructor', 'import', name='attendancemethod', native_enum=False, length=32), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('completion_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['completion_id'], ['completions.id'], name=op.f('fk_session_attendances_completion_id_completions')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_session_attendances_person_id_people')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['people.id'], name=op.f('fk_session_attendances_recorded_by_id_people')),
    sa.ForeignKeyConstraint(['session_id'], ['training_sessions.id'], name=op.f('fk_session_attendances_session_id_training_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_attendances')),
    sa.UniqueConstraint('completion_id', name=op.f('uq_session_attendances_completion_id')),
    sa.UniqueConstraint('session_id', 'person_id', name=op.f('uq_session_attendances_session_id_person_id'))
    )
    with op.batch_alter_table('session_attendances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_attendances_person_id'), ['person_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('session_attendances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_attendances_person_id'))

    op.drop_table('session_attendances')
    with op.batch_alter_table('course_assignments', schema=None) as batch_op:
        batch_op.drop_index('uq_course_assignments_person_id_course_id_open', sqlite_where=sa.text('completion_id IS NULL'), postgresql_where=sa.text('completion_id IS NULL'))
        batch_op.drop_index(batch_op.f('ix_course_assignments_person_id'))

    op.drop_table('course_assignments')
    with op.batch_alter_table('session_agencies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_agencies_agency_id'))

    op.drop_table('session_agencies')
    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_sessions_status'))
        batch_op.drop_index(batch_op.f('ix_training_sessions_instructor_id'))
        batch_op.drop_index(batch_op.f('ix_training_sessions_course_id'))
        batch_op.drop_index(batch_op.f('ix_training_sessions_agency_id'))

    op.drop_table('training_sessions')
    op.drop_table('facilitator_qualifications')
