"""The measured pages: our URL and, where the Django peer has the same screen, its URL.

Both lists show 50 rows a page (Django's `list_per_page`; ours through `page_size`), so
the two do the same work. Filter and sort parameters are Flask-Admin's indexes, looked
up in the running views, since they follow the tenant's configurable fields."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from sqlalchemy import select

from app.extensions import db
from app.models import Contact, Organisation, Tag
from app.models.tenant import Tenant
from app.tenancy import tenant_context
from bench.data import SLUG

PER_PAGE = 50
TAG = "tag3"  # Django's ?tags__id__exact=4 on a fresh peer database
ORGANISATION = "Firma 7"
SEARCH = "Nowak12"
HEAVY_EMAIL = "person0@example.com"  # the contact with 500 activities


@dataclass
class Page:
    key: str
    label: str
    ours: str | None  # None: the screen cannot be addressed (a filter it lacks)
    peer: str | None = None


def _view(app: Flask, endpoint: str):
    return next(v for v in app.extensions["admin"][0]._views if v.endpoint == endpoint)


def _filter_index(app: Flask, tenant_id: int, matches) -> int | None:
    view = _view(app, "contact")
    with app.test_request_context(), tenant_context(tenant_id):
        return next((i for i, flt in enumerate(view._filters) if matches(flt)), None)


def _sort_index(app: Flask, tenant_id: int, column: str) -> int | None:
    view = _view(app, "contact")
    with app.test_request_context(), tenant_context(tenant_id):
        names = [name for name, _label in view._list_columns]
    return names.index(column) if column in names else None


def _named(name: str):
    return lambda flt: str(flt.name) == name


def _field_filter(key: str, kind: str):
    return lambda flt: (getattr(getattr(flt, "field", None), "key", None) == key
                        and getattr(flt, "kind", None) == kind)


def _records(tenant_id: int) -> tuple[int | None, int | None, int | None]:
    """Ids of the filtered tag and organisation and of the contact with many activities."""
    with tenant_context(tenant_id):
        return (db.session.scalar(select(Tag.id).where(Tag.name == TAG)),
                db.session.scalar(select(Organisation.id).where(Organisation.name == ORGANISATION)),
                db.session.scalar(select(Contact.id).where(Contact.email == HEAVY_EMAIL)))


def _with(base: str, index: int | None, argument: str) -> str | None:
    return None if index is None else f"{base}&{argument.format(index)}"


def our_pages(app: Flask, contacts: int, peer_ids: dict[str, int] | None) -> list[Page]:
    with app.app_context():
        tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == SLUG))
        tag_id, organisation_id, heavy_id = _records(tenant_id)
        tag = _filter_index(app, tenant_id, _named("Tag"))
        organisation = _filter_index(app, tenant_id, _named("Organisation"))
        level = _filter_index(app, tenant_id, _field_filter("level", "equals"))
        last_name = _sort_index(app, tenant_id, "last_name")
        visits = _sort_index(app, tenant_id, "cf_visits")
    deep = int(contacts * 0.75) // PER_PAGE
    base = f"/admin/contact/?page_size={PER_PAGE}"
    peer = "/admin/crm/contact/"
    ids = peer_ids or {}
    return [
        Page("first", "contact list, first page", base, peer),
        Page("deep", f"deep page (row {deep * PER_PAGE:,})", f"{base}&page={deep}",
             f"{peer}?p={deep + 1}"),
        Page("search", f"search `{SEARCH}`", f"{base}&search={SEARCH}", f"{peer}?q={SEARCH}"),
        Page("sort_desc", "sorted by last name, descending",
             _with(base, last_name, "sort={}&desc=1"), f"{peer}?o=-1"),
        Page("tag", "filter by tag", _with(base, tag, f"flt0_{{}}={tag_id}"),
             f"{peer}?tags__id__exact={ids['tag']}" if "tag" in ids else None),
        Page("organisation", "filter by organisation",
             _with(base, organisation, f"flt0_{{}}={organisation_id}"),
             f"{peer}?organisation__id__exact={ids['organisation']}"
             if "organisation" in ids else None),
        Page("choice", "filter by a configurable choice (Level = Gold)",
             _with(base, level, "flt0_{}=gold")),
        Page("sort_custom", "sorted by a configurable integer (Visits)",
             _with(base, visits, "sort={}")),
        Page("organisations", "organisation list", f"/admin/organisation/?page_size={PER_PAGE}",
             "/admin/crm/organisation/"),
        Page("activities", "activity list", f"/admin/activity/?page_size={PER_PAGE}"),
        Page("my_tasks", "My tasks", f"/admin/my_tasks/?page_size={PER_PAGE}"),
        Page("profile", "profile, contact with 500 activities",
             f"/admin/contact/{heavy_id}/profile"),
    ]
