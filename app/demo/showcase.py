"""One demo person with something in every part of the profile: a case with a task,
notes (also on a project it takes part in), an e-mail with a file, a meeting, a
planned call, a file of its own, an opportunity, a campaign and a project — so the
profile can be shown (and tested) in full."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app.extensions import db
from app.models import Activity, Campaign, Contact, Opportunity, Project, Task, User
from app.models.activity import CALL, EMAIL, MAIL_SENT, MEETING, NOTE
from app.models.base import utcnow
from app.models.contact import KIND_COMPANY
from app.models.dictionary import TASK_STATUS
from app.models.user import ROLE_ADMIN
from app.services import dictionaries
from app.services.activities import activities, attachments
from app.services.fields import values as custom_fields
from app.services.sales import records as sales
from app.services.work import cases, tasks

SHOWCASE_TEXTS = {
    "da_DK": ("Opfølgning på tilbud", "Kunden ønsker et nyt tilbud inden fredag.",
              "Tilbud og betingelser", "Møde om aftalen", "Ring om levering",
              "Projektgruppen mødes hver tirsdag."),
    "sv_SE": ("Uppföljning av offert", "Kunden vill ha en ny offert före fredag.",
              "Offert och villkor", "Möte om avtalet", "Ring om leveransen",
              "Projektgruppen träffas varje tisdag."),
    "pl_PL": ("Kontynuacja oferty", "Klient chce nowej oferty do piątku.",
              "Oferta i warunki", "Spotkanie w sprawie umowy", "Zadzwonić w sprawie dostawy",
              "Zespół projektowy spotyka się w każdy wtorek."),
}


def showcase_contact() -> Contact | None:
    """The first company contact with a current employer: the demo's "show me" person."""
    return db.session.scalar(select(Contact).where(
        Contact.kind == KIND_COMPANY, Contact.organisation_id.is_not(None)).order_by(Contact.id))


def fill_showcase(tenant, faker_locale: str, contacts: int) -> None:
    contact = showcase_contact()
    if contact is None:
        return
    title, note, mail_subject, meeting, call, project_note = SHOWCASE_TEXTS.get(
        faker_locale, SHOWCASE_TEXTS["da_DK"])
    custom_fields.set_values(contact, {"cf_attention": note, "cf_satisfaction": "high",
                                       "cf_interests": ["price", "quality"]})
    admin = db.session.scalar(select(User).where(User.role == ROLE_ADMIN).order_by(User.id))
    organisation = contact.organisation
    if admin is None or organisation is None:  # demo tenants have both; others: nothing
        return
    case = cases.new_case()
    case.title, case.primary_contact, case.responsible_user = title, contact, admin
    cases.prepare(case, is_new=True, creator_id=admin.id)
    db.session.add(case)
    task = Task(title=call, contact=contact, case=case, assignee=admin,
                status=dictionaries.default_entry(TASK_STATUS), due_at=utcnow() + timedelta(days=2))
    tasks.prepare(task, is_new=True, creator_id=admin.id)
    db.session.add(task)
    now = utcnow()
    common = {"organisation": contact.organisation, "contacts": [contact],
              "employee": admin}
    mail = Activity(kind=EMAIL, subject=mail_subject, body=note, mail_to=contact.email,
                    mail_status=MAIL_SENT, starts_at=now - timedelta(days=3), completed=True,
                    **common)
    _add_activities(admin, [
        Activity(kind=NOTE, subject=note, body=note, case=case,
                 starts_at=now - timedelta(days=1), **common),
        mail,
        Activity(kind=MEETING, subject=meeting, location=organisation.city,
                 starts_at=now - timedelta(days=7), duration_minutes=60, **common),
        Activity(kind=CALL, subject=call, planned=True, starts_at=now + timedelta(days=2),
                 **common),
    ])
    db.session.flush()
    for owner, name in ((mail, "tilbud.txt"), (contact, "visitkort.txt")):
        attachments.add(owner, FileStorage(io.BytesIO(f"{title}\n{note}\n".encode()),
                                           filename=name), admin)
    opportunity = Opportunity(title=title, contact=contact, owner=admin,
                              organisation_id=contact.organisation_id,
                              amount=Decimal("125000"), stage="proposal")
    sales.prepare_opportunity(opportunity, is_new=True, creator_id=admin.id)
    db.session.add(opportunity)
    campaign = db.session.scalar(select(Campaign).order_by(Campaign.id))
    if campaign is not None and contact not in campaign.participants:
        campaign.participants.append(contact)
    _project_note(contact, project_note, admin)
    db.session.flush()


def _project_note(contact: Contact, text: str, admin: User) -> None:
    """The person joins the first project, where a colleague has written a note."""
    project = db.session.scalar(select(Project).order_by(Project.id))
    if project is None:
        return
    if contact not in project.participants:
        project.participants.append(contact)
    colleague = next((p for p in project.participants
                      if p is not contact and p.organisation_id is not None), None)
    if colleague is not None:
        _add_activities(admin, [Activity(
            kind=NOTE, subject=text, body=text, project=project,
            organisation=colleague.organisation, contacts=[colleague], employee=admin,
            starts_at=utcnow() - timedelta(days=2))])


def _add_activities(admin: User, records: list[Activity]) -> None:
    """Saved as the activity screen saves them (its rules and defaults)."""
    for activity in records:
        activities.prepare(activity, is_new=True, creator_id=admin.id)
        db.session.add(activity)
