"""Choosing a related record by typing (Flask-Admin's ``form_ajax_refs``): for models
with too many rows for a drop-down, such as a million contacts per tenant."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Contact, Organisation, Project, User
from app.services.contacts import contacts, organisations
from app.services.text import every_word_in
from app.views.base import record_id

LOOKUP_PAGE_LIMIT = 50  # the most choices one lookup returns, whatever the URL asks


class TenantLookup(QueryAjaxModelLoader):
    """Choices loaded through the session, so only the current tenant's records are
    found (by id or by text); the text is matched like the model's own list search,
    malformed ids name nothing and a lookup returns a bounded number of choices."""

    def __init__(self, name: str, model: type, *, fields: Sequence[str],
                 search: Callable[[str], Any], order_by: Sequence[Any],
                 label: Callable[[Any], str] = str, load_options: Sequence[Any] = ()) -> None:
        super().__init__(name, db.session, model, fields=list(fields),
                         placeholder=_l("Type to search"))
        self.search = search
        self.order = tuple(order_by)
        self.label = label
        self.load_options = tuple(load_options)

    def format(self, model) -> tuple[Any, str] | None:
        return (model.id, self.label(model)) if model is not None else None

    def get_one(self, pk):
        number = record_id(pk)
        if number is None:
            return None
        with db.session.no_autoflush:  # called while the form fills the record in
            return db.session.get(self.model, number)

    def get_list(self, term: str, offset: int = 0, limit: int = LOOKUP_PAGE_LIMIT) -> list:
        query = select(self.model).options(*self.load_options).order_by(*self.order)
        condition = self.search(term or "")
        if condition is not None:
            query = query.where(condition)
        query = query.offset(max(offset or 0, 0)).limit(min(max(limit or 1, 1),
                                                             LOOKUP_PAGE_LIMIT))
        return list(db.session.scalars(query))


def contact_label(contact: Contact) -> str:
    """Enough to tell namesakes apart: the name, organisation and e-mail."""
    extra = ", ".join(part for part in (
        contact.organisation.name if contact.organisation else None, contact.email) if part)
    return f"{contact.full_name} ({extra})" if extra else contact.full_name


def contact_lookup(name: str) -> TenantLookup:
    return TenantLookup(name, Contact, fields=("last_name", "first_name", "email"),
                        search=contacts.search_condition,
                        order_by=(Contact.last_name, Contact.first_name, Contact.id),
                        label=contact_label, load_options=(joinedload(Contact.organisation),))


def project_lookup(name: str) -> TenantLookup:
    return TenantLookup(name, Project, fields=("name",),
                        search=lambda text: every_word_in(text, Project.name),
                        order_by=(Project.name, Project.id))


def organisation_lookup(name: str) -> TenantLookup:
    return TenantLookup(name, Organisation, fields=("name",),
                        search=organisations.search_condition,
                        order_by=(Organisation.name, Organisation.id))



def user_lookup(name: str) -> TenantLookup:
    return TenantLookup(name, User, fields=("full_name",),
                        search=lambda text: every_word_in(text, User.full_name, User.email),
                        order_by=(User.full_name, User.id))
