from __future__ import annotations

from flask_admin import expose
from flask_babel import format_date, format_number
from flask_login import current_user
from sqlalchemy import func, select

from app.extensions import db
from app.models import Tenant, User
from app.models.base import utcnow
from app.tenancy import all_tenants
from app.views.base import SecureIndexView


class DashboardView(SecureIndexView):
    @expose("/")
    def index(self):
        return self.render("kontakt/dashboard.html", **dashboard_figures())


def dashboard_figures() -> dict:
    """What the dashboard shows: the user's tenant, or the platform for the operator."""
    if current_user.is_operator:
        with all_tenants():
            tenants = db.session.execute(select(func.count(Tenant.id))).scalar_one()
            users = db.session.execute(select(func.count(User.id))).scalar_one()
        return {"tenant": None, "tenant_count": format_number(tenants),
                "user_count": format_number(users), "today": format_date(utcnow(), "full")}
    users = db.session.execute(select(func.count(User.id))).scalar_one()
    return {"tenant": current_user.tenant, "tenant_count": None,
            "user_count": format_number(users), "today": format_date(utcnow(), "full")}
