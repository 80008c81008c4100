"""The admin dashboard and its menu. Later areas add their views in register_views."""

from __future__ import annotations

from flask import Flask
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l

from app import security
from app.models import Activity, AuditEntry, Contact, Lead, Organisation, Tag, Tenant, User
from app.models.case import Case, Task
from app.models.sales import Campaign, Opportunity, Project
from app.services.terms import lazy_term
from app.views import admin_messages, exports, kept_parts
from app.views.account import PasswordView
from app.views.activities import ActivityView, PlannedActivityView
from app.views.admin_compat import views_of
from app.views.api_tokens import ApiTokensView
from app.views.attachments import AttachmentsView
from app.views.cases import CaseView, MyTasksView, TaskView
from app.views.column_choice import ColumnsView
from app.views.contacts import ContactView
from app.views.dashboard import DashboardView
from app.views.dictionaries import DictionaryAdminView
from app.views.duplicates import DuplicatesView
from app.views.feeds import FeedsView
from app.views.field_admin import FieldAdminView
from app.views.history import AuditView
from app.views.imports import ImportView
from app.views.jobs import JobsView
from app.views.leads import LeadView
from app.views.letters import LetterheadView, LetterView
from app.views.mail import MailView
from app.views.organisations import OrganisationView, TagView
from app.views.sales import CampaignView, OpportunityView, ProjectView
from app.views.settings import SettingsView
from app.views.tenants import TenantView
from app.views.users import UserView
from app.views.webhooks import WebhooksView

# Menu categories, in menu order. Persons are "Contacts" or "Customers" by tenant (A2).
CONTACTS = lazy_term("plural")
WORK = _l("Cases and tasks")
SALES = _l("Sales")
ACTIVITIES = _l("Activities")
ADMINISTRATION = _l("Administration")
PLATFORM = _l("Platform")


def init_admin(app: Flask) -> Admin:
    admin_messages.install()  # Flask-Admin's texts from our catalogs first
    admin = Admin(
        app,
        name="Kontakt CRM",
        url="/admin",
        index_view=DashboardView(name=_l("Dashboard"), url="/admin"),
        theme=Bootstrap4Theme(base_template="kontakt/base.html", fluid=True),
        csp_nonce_generator=security.csp_nonce,
    )
    register_views(admin)
    kept_parts.init_app(app)
    exports.remember_views(app, views_of(admin))
    return admin


def register_views(admin: Admin) -> None:
    admin.add_view(ContactView(Contact, name=lazy_term("plural"), category=CONTACTS,
                               endpoint="contact"))
    admin.add_view(OrganisationView(Organisation, name=_l("Organisations"), category=CONTACTS,
                                    endpoint="organisation"))
    admin.add_view(TagView(Tag, name=_l("Tags"), category=CONTACTS, endpoint="tag"))
    admin.add_view(DuplicatesView(name=_l("Duplicates"), category=CONTACTS,
                                  endpoint="duplicates", url="/admin/duplicates"))
    admin.add_view(CaseView(Case, name=_l("Cases"), category=WORK, endpoint="case"))
    admin.add_view(TaskView(Task, name=_l("Tasks"), category=WORK, endpoint="task"))
    admin.add_view(MyTasksView(Task, name=_l("My tasks"), category=WORK, endpoint="my_tasks"))
    admin.add_view(LeadView(Lead, name=_l("Leads"), category=WORK, endpoint="lead"))
    admin.add_view(OpportunityView(Opportunity, name=_l("Opportunities"), category=SALES,
                                   endpoint="opportunity"))
    admin.add_view(CampaignView(Campaign, name=_l("Campaigns"), category=SALES,
                                endpoint="campaign"))
    admin.add_view(ProjectView(Project, name=_l("Projects"), category=SALES, endpoint="project"))
    admin.add_view(ActivityView(Activity, name=_l("Activities"), category=ACTIVITIES,
                                endpoint="activity"))
    admin.add_view(PlannedActivityView(Activity, name=_l("Planned"), category=ACTIVITIES,
                                       endpoint="planned_activity",
                                       url="/admin/planned-activity"))
    admin.add_view(SettingsView(name=_l("Settings"), category=ADMINISTRATION,
                                endpoint="settings", url="/admin/settings"))
    admin.add_view(LetterheadView(name=_l("Letterhead"), category=ADMINISTRATION,
                                  endpoint="letterhead", url="/admin/letterhead"))
    admin.add_view(DictionaryAdminView(name=_l("Dictionaries"), category=ADMINISTRATION,
                                       endpoint="dictionaries", url="/admin/dictionaries"))
    admin.add_view(FieldAdminView(name=_l("Fields"), category=ADMINISTRATION,
                                  endpoint="fields", url="/admin/fields"))
    admin.add_view(ImportView(name=_l("Import"), category=ADMINISTRATION, endpoint="imports",
                              url="/admin/import"))
    admin.add_view(WebhooksView(name=_l("Webhooks"), category=ADMINISTRATION,
                                endpoint="webhooks", url="/admin/webhooks"))
    admin.add_view(AuditView(AuditEntry, name=_l("Change history"), category=ADMINISTRATION,
                             endpoint="audit"))
    admin.add_view(UserView(User, name=_l("Users"), category=ADMINISTRATION, endpoint="user"))
    admin.add_view(FeedsView(name=_l("My feeds"), endpoint="feeds_page", url="/admin/feeds"))
    admin.add_view(PasswordView(name=_l("Change password"), endpoint="password",
                                url="/admin/password"))
    admin.add_view(ColumnsView(name=_l("Columns"), endpoint="columns", url="/admin/columns"))
    admin.add_view(ApiTokensView(name=_l("My API tokens"), endpoint="api_tokens",
                                 url="/admin/api-tokens"))
    admin.add_view(LetterView(name=_l("Letters"), endpoint="letter", url="/admin/letter"))
    admin.add_view(AttachmentsView(name=_l("Attachments"), endpoint="attachments",
                                   url="/admin/attachments"))
    admin.add_view(MailView(name=_l("E-mail"), endpoint="mail", url="/admin/mail"))
    admin.add_view(JobsView(name=_l("Background jobs"), endpoint="jobs", url="/admin/jobs"))
    admin.add_view(TenantView(Tenant, name=_l("Tenants"), category=PLATFORM, endpoint="tenant"))
