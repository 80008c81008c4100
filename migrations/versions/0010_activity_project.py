"""activity project

An activity (a note above all) may be about one of the tenant's projects; the contact
profile shows the notes on the projects the contact takes part in (D5). On SQLite batch
mode rebuilds the activity table, which has no expression indexes to lose.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 13:03:58.645714

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.add_column(sa.Column('project_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_activity_project_id'), ['project_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_activity_project_id_project'), 'project', ['project_id'], ['id'], ondelete='RESTRICT')


def downgrade():
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_activity_project_id_project'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_activity_project_id'))
        batch_op.drop_column('project_id')

