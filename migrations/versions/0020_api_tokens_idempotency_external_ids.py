"""API tokens, idempotent requests and external ids

The JSON API (/api/v1/): per-user API tokens (a name, the visible prefix, the SHA-256
of the token, shown once when made), the first answer to each POST made with an
Idempotency-Key (per token), and the ids other systems know contacts and organisations
by (the bulk upsert matches on them).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-20 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'api_token',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('prefix', sa.String(length=16), nullable=False),
        sa.Column('secret_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_api_token_tenant_id_tenant'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_api_token_user_id_user_account'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
        sa.UniqueConstraint('secret_hash', name=op.f('uq_api_token_secret_hash')),
    )
    op.create_index(op.f('ix_api_token_tenant_id'), 'api_token', ['tenant_id'])
    op.create_index(op.f('ix_api_token_user_id'), 'api_token', ['user_id'])
    op.create_table(
        'idempotent_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('request_hash', sa.String(length=64), nullable=False),
        sa.Column('status', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('headers', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_idempotent_request_tenant_id_tenant'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['token_id'], ['api_token.id'], name=op.f('fk_idempotent_request_token_id_api_token'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotent_request')),
        sa.UniqueConstraint('token_id', 'key', name=op.f('uq_idempotent_request_token_id')),
    )
    op.create_index(op.f('ix_idempotent_request_tenant_id'), 'idempotent_request', ['tenant_id'])
    op.create_index(op.f('ix_idempotent_request_created_at'), 'idempotent_request', ['created_at'])
    op.create_table(
        'external_id',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('entity', sa.String(length=20), nullable=False),
        sa.Column('system', sa.String(length=50), nullable=False),
        sa.Column('value', sa.String(length=200), nullable=False),
        sa.Column('contact_id', sa.Integer(), nullable=True),
        sa.Column('organisation_id', sa.Integer(), nullable=True),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_external_id_tenant_id_tenant'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_external_id_contact_id_contact'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_external_id_organisation_id_organisation'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_external_id')),
        sa.UniqueConstraint('tenant_id', 'entity', 'system', 'value', name=op.f('uq_external_id_tenant_id')),
    )
    op.create_index(op.f('ix_external_id_tenant_id'), 'external_id', ['tenant_id'])
    op.create_index('ix_external_id_contact', 'external_id', ['contact_id'])
    op.create_index('ix_external_id_organisation', 'external_id', ['organisation_id'])


def downgrade():
    op.drop_index('ix_external_id_organisation', table_name='external_id')
    op.drop_index('ix_external_id_contact', table_name='external_id')
    op.drop_index('ix_external_id_tenant_id', table_name='external_id')
    op.drop_table('external_id')
    op.drop_index('ix_idempotent_request_created_at', table_name='idempotent_request')
    op.drop_index('ix_idempotent_request_tenant_id', table_name='idempotent_request')
    op.drop_table('idempotent_request')
    op.drop_index('ix_api_token_user_id', table_name='api_token')
    op.drop_index('ix_api_token_tenant_id', table_name='api_token')
    op.drop_table('api_token')
