"""a related record's contacts and organisations in id order

The contact list sorted by organisation or by responsible user, and the organisation
list sorted by responsible user, read a page's ids one related record after another,
each one's records in id order (views.relation_sort). The indexes of the relation held
the related id alone: PostgreSQL sorted the records of each related record to find
them in order (500,000 contacts of a tenant's private customers: 200–300 ms a page).
Each index now holds the record's id after the related one; on SQLite, whose indexes
hold the rowid already, the index reads the same. The users get an index by name, so
that a list sorted by responsible user reads them in order instead of sorting its rows.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-02 10:30:00

"""
from alembic import op


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

INDEXES = (('contact', 'organisation_id'), ('contact', 'responsible_user_id'),
           ('organisation', 'responsible_user_id'))


def _rebuild(with_id: bool) -> None:
    for table, column in INDEXES:
        name = f'ix_{table}_{column}'
        op.drop_index(name, table_name=table)
        op.create_index(name, table, [column, 'id'] if with_id else [column], unique=False)


def upgrade():
    _rebuild(True)
    # the users in name order, each one's records after another
    op.create_index('ix_user_account_tenant_full_name', 'user_account',
                    ['tenant_id', 'full_name'], unique=False)


def downgrade():
    op.drop_index('ix_user_account_tenant_full_name', table_name='user_account')
    _rebuild(False)
