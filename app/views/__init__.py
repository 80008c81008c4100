"""The admin dashboard and its menu. Later areas add their views in register_views."""

from __future__ import annotations

from flask import Flask
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l

from app.models import AuditEntry, Contact, Organisation, Tag, Tenant, User
from app.services.terms import lazy_term
from app.views.contacts import ContactView
from app.views.dashboard import DashboardView
from app.views.feeds import FeedsView
from app.views.field_admin import FieldAdminView
from app.views.organisations import AuditView, OrganisationView, TagView
from app.views.settings import SettingsView
from app.views.tenants import TenantView
from app.views.users import UserView

# Menu categories, in menu order. Persons are "Contacts" or "Customers" by tenant (A2).
CONTACTS = lazy_term("plural")
ADMINISTRATION = _l("Administration")
PLATFORM = _l("Platform")


def init_admin(app: Flask) -> Admin:
    admin = Admin(
        app,
        name="Kontakt CRM",
        url="/admin",
        index_view=DashboardView(name=_l("Dashboard"), url="/admin"),
        theme=Bootstrap4Theme(base_template="kontakt/base.html", fluid=True),
    )
    register_views(admin)
    return admin


def register_views(admin: Admin) -> None:
    admin.add_view(ContactView(Contact, name=lazy_term("plural"), category=CONTACTS,
                               endpoint="contact"))
    admin.add_view(OrganisationView(Organisation, name=_l("Organisations"), category=CONTACTS,
                                    endpoint="organisation"))
    admin.add_view(TagView(Tag, name=_l("Tags"), category=CONTACTS, endpoint="tag"))
    admin.add_view(SettingsView(name=_l("Settings"), category=ADMINISTRATION,
                                endpoint="settings", url="/admin/settings"))
    admin.add_view(FieldAdminView(name=_l("Fields"), category=ADMINISTRATION,
                                  endpoint="fields", url="/admin/fields"))
    admin.add_view(AuditView(AuditEntry, name=_l("Change history"), category=ADMINISTRATION,
                             endpoint="audit"))
    admin.add_view(UserView(User, name=_l("Users"), category=ADMINISTRATION, endpoint="user"))
    admin.add_view(FeedsView(name=_l("My feeds"), endpoint="feeds_page", url="/admin/feeds"))
    admin.add_view(TenantView(Tenant, name=_l("Tenants"), category=PLATFORM, endpoint="tenant"))
