"""distinct pairs

Pairs of contacts and of organisations that a user has marked "not a duplicate" (B16),
the lower id first; a mark goes with either record.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-10 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

TABLES = (('distinct_contacts', 'contact'), ('distinct_organisations', 'organisation'))


def upgrade():
    for table, target in TABLES:
        op.create_table(
            table,
            sa.Column('id', sa.Integer(), nullable=False),
            sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
            sa.Column('first_id', sa.Integer(), nullable=False),
            sa.Column('second_id', sa.Integer(), nullable=False),
            sa.Column('marked_by_id', sa.Integer(), nullable=True),
            sa.Column('tenant_id', sa.Integer(), nullable=False),
            sa.CheckConstraint('first_id < second_id', name=op.f(f'ck_{table}_order')),
            sa.ForeignKeyConstraint(['first_id'], [f'{target}.id'],
                                    name=op.f(f'fk_{table}_first_id_{target}'),
                                    ondelete='CASCADE'),
            sa.ForeignKeyConstraint(['second_id'], [f'{target}.id'],
                                    name=op.f(f'fk_{table}_second_id_{target}'),
                                    ondelete='CASCADE'),
            sa.ForeignKeyConstraint(['marked_by_id'], ['user_account.id'],
                                    name=op.f(f'fk_{table}_marked_by_id_user_account'),
                                    ondelete='SET NULL'),
            sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'],
                                    name=op.f(f'fk_{table}_tenant_id_tenant'),
                                    ondelete='CASCADE'),
            sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
            sa.UniqueConstraint('tenant_id', 'first_id', 'second_id',
                                name=op.f(f'uq_{table}_tenant_id')),
        )
        op.create_index(op.f(f'ix_{table}_first'), table, ['first_id'], unique=False)
        op.create_index(op.f(f'ix_{table}_second_id'), table, ['second_id'], unique=False)
        op.create_index(op.f(f'ix_{table}_tenant_id'), table, ['tenant_id'], unique=False)


def downgrade():
    for table, _target in TABLES:
        op.drop_table(table)
