"""repair contacts' preferred language

Demo data stored country codes ("dk") as the preferred language; the forms offer only
the supported languages, so such a value showed as "—" and was erased by the next save.
Known country codes become their language; anything else unknown becomes empty.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 09:00:00

"""
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

# Frozen here: the languages and country codes as they were when this was written.
LANGUAGES = ('da', 'sv', 'pl', 'en')
LANGUAGE_OF_CODE = {'dk': 'da', 'se': 'sv', 'gb': 'en', 'uk': 'en', 'us': 'en'}


def upgrade():
    for code, language in LANGUAGE_OF_CODE.items():
        op.execute(f"UPDATE contact SET preferred_language = '{language}' "
                   f"WHERE lower(preferred_language) = '{code}'")
    op.execute("UPDATE contact SET preferred_language = lower(preferred_language) "
               f"WHERE lower(preferred_language) IN {LANGUAGES}")
    op.execute("UPDATE contact SET preferred_language = NULL "
               f"WHERE preferred_language NOT IN {LANGUAGES}")


def downgrade():
    pass  # the wrong codes are not worth restoring
