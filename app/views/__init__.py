"""The admin dashboard and its menu. Later areas add their views in register_views."""

from __future__ import annotations

from flask import Flask
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l

from app.models import Tenant, User
from app.views.dashboard import DashboardView
from app.views.tenants import TenantView
from app.views.users import UserView

# Menu categories, in menu order.
CONTACTS = _l("Contacts")
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
    admin.add_view(UserView(User, name=_l("Users"), category=ADMINISTRATION, endpoint="user"))
    admin.add_view(TenantView(Tenant, name=_l("Tenants"), category=PLATFORM, endpoint="tenant"))
