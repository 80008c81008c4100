"""own activity kinds

A tenant's own activity kinds (E8, A6) say how their activities behave: as a note, a
meeting, an e-mail, a call or a letter. The program's five kinds behave as themselves;
an own kind added before this has no behaviour yet (its administrator chooses one, and
until then it is not offered). An activity of an own kind keeps that kind's key beside
its behaviour.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

# Frozen here: the program's kinds when this was written.
KINDS = ('note', 'meeting', 'email', 'call', 'letter')


def upgrade():
    op.add_column('dictionary_entry', sa.Column('behaviour', sa.String(length=10), nullable=True))
    op.add_column('activity', sa.Column('kind_key', sa.String(length=60), nullable=True))
    op.execute("UPDATE dictionary_entry SET behaviour = key "
               f"WHERE dictionary = 'activity_kind' AND key IN {KINDS}")


def downgrade():
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.drop_column('kind_key')
    with op.batch_alter_table('dictionary_entry', schema=None) as batch_op:
        batch_op.drop_column('behaviour')
