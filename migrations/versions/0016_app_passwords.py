"""app passwords

Per-user app passwords for the CardDAV address book (B10): a name, the SHA-256 of the
password (shown once when made), when it was made and last used.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-10 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'app_password',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('secret_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_app_password_tenant_id_tenant'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_app_password_user_id_user_account'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_app_password')),
        sa.UniqueConstraint('secret_hash', name=op.f('uq_app_password_secret_hash')),
    )
    op.create_index(op.f('ix_app_password_tenant_id'), 'app_password', ['tenant_id'])
    op.create_index(op.f('ix_app_password_user_id'), 'app_password', ['user_id'])


def downgrade():
    op.drop_index('ix_app_password_user_id', table_name='app_password')
    op.drop_index('ix_app_password_tenant_id', table_name='app_password')
    op.drop_table('app_password')
