"""What a record of a pair has linked to it, counted in words ("2 cases, 1 file"): the
merge screen shows what moves to the survivor."""

from __future__ import annotations

from flask_babel import ngettext
from sqlalchemy import Select, func, select

from app.extensions import db
from app.models import Attachment, AuditEntry, Contact, Employment, Lead, Organisation
from app.models.sales import campaign_contact, project_contact
from app.models.tag import contact_tag, organisation_tag
from app.services import references
from app.services.references import Counter, Noun


def _count(model, *conditions) -> Select:
    return select(func.count()).select_from(model).where(*conditions)


def campaigns(n: int) -> str:
    return ngettext("%(num)d campaign", "%(num)d campaigns", n)


def files(n: int) -> str:
    return ngettext("%(num)d file", "%(num)d files", n)


def jobs(n: int) -> str:
    return ngettext("%(num)d employment", "%(num)d employments", n)


def tags(n: int) -> str:
    return ngettext("%(num)d tag", "%(num)d tags", n)


def history_entries(n: int) -> str:
    return ngettext("%(num)d change in the history", "%(num)d changes in the history", n)


def _history(model) -> Counter:
    return lambda i: _count(AuditEntry, AuditEntry.entity == model.__tablename__,
                            AuditEntry.record_id == i)


EXTRA: dict[type, list[tuple[Noun, Counter]]] = {
    Contact: [
        (references.leads, lambda i: _count(Lead, Lead.contact_id == i)),
        (campaigns, lambda i: _count(campaign_contact, campaign_contact.c.contact_id == i)),
        (references.projects,
         lambda i: _count(project_contact, project_contact.c.contact_id == i)),
        (files, lambda i: _count(Attachment, Attachment.contact_id == i)),
        (jobs, lambda i: _count(Employment, Employment.contact_id == i)),
        (tags, lambda i: _count(contact_tag, contact_tag.c.contact_id == i)),
        (history_entries, _history(Contact)),
    ],
    Organisation: [
        (files, lambda i: _count(Attachment, Attachment.organisation_id == i)),
        (tags, lambda i: _count(organisation_tag, organisation_tag.c.organisation_id == i)),
        (history_entries, _history(Organisation)),
    ],
}


def linked(record: Contact | Organisation) -> list[str]:
    """Each kind of linked record the record has, counted; none: an empty list."""
    found = []
    for noun, counter in [*references.REFERENCES[type(record)], *EXTRA[type(record)]]:
        count = db.session.scalar(counter(record.id)) or 0
        if count:
            found.append(noun(count))
    return found
