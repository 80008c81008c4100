"""Who may read what an activity says about a contact (F1, F2).

- F1: the e-mails of a contact whose e-mail access is restricted are read only by
  administrators; others may see that the e-mails exist, not what they say.
- F2: the notes of a private customer (``Contact.is_private``) are read only by
  administrators and the contact's responsible user.

An activity with several contacts is readable only when every one of them allows it:
the same e-mail is that restricted contact's e-mail wherever it is listed.
"""

from __future__ import annotations

from sqlalchemy import and_, not_, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from app.models import Activity, Attachment, Contact, User
from app.models.activity import EMAIL, NOTE, activity_contact


def may_read_notes_of(contact: Contact, user: User) -> bool:
    """F2: a private customer's notes are for administrators and its responsible user."""
    return (not contact.is_private or user.is_admin
            or (contact.responsible_user_id is not None
                and contact.responsible_user_id == user.id))


def may_read_emails_of(contact: Contact, user: User) -> bool:
    """F1: a restricted contact's e-mails are for administrators only."""
    return not contact.email_access_restricted or user.is_admin


RULES = {NOTE: may_read_notes_of, EMAIL: may_read_emails_of}


def may_read(activity: Activity, user: User) -> bool:
    """Whether the user may read the activity's subject, text and details. Uses
    ``activity.contacts`` (loaded by activities.list_load_options in lists)."""
    rule = RULES.get(activity.kind)
    return rule is None or all(rule(contact, user) for contact in activity.contacts)


def may_read_file(attachment: Attachment, user: User) -> bool:
    """A file of an e-mail or a note is read with it (an upload to a record is not)."""
    return attachment.activity is None or may_read(attachment.activity, user)


def readable_files(files: list[Attachment], user: User) -> list[Attachment]:
    return [file for file in files if may_read_file(file, user)]


def readable_condition(user: User) -> ColumnElement:
    """The activities the user may read, as SQL (the same rules as may_read), so that
    lists and exports leave the others out instead of reading them one by one."""
    if user.is_admin:
        return true()
    shared_with = select(activity_contact.c.activity_id).join(
        Contact, Contact.id == activity_contact.c.contact_id)
    restricted_mail = and_(Activity.kind == EMAIL, Activity.id.in_(
        shared_with.where(Contact.email_access_restricted.is_(True))))
    private_note = and_(Activity.kind == NOTE, Activity.id.in_(shared_with.where(
        Contact.is_private.is_(True),
        or_(Contact.responsible_user_id.is_(None), Contact.responsible_user_id != user.id))))
    return not_(or_(restricted_mail, private_note))
