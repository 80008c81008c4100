"""All models, imported here so Alembic and the app see the whole schema."""

from app.models.activity import Activity, Attachment
from app.models.api import ApiToken, ExternalId, IdempotentRequest
from app.models.app_password import AppPassword
from app.models.audit import AuditEntry
from app.models.case import Case, Task
from app.models.contact import Contact, Employment
from app.models.counter import TenantCounter
from app.models.custom_field import FieldChoice, FieldDefinition, FieldSection
from app.models.dictionary import DictionaryEntry
from app.models.duplicate import DistinctContacts, DistinctOrganisations
from app.models.import_mapping import ImportMapping
from app.models.job import Job
from app.models.lead import Lead
from app.models.organisation import Organisation
from app.models.sales import Campaign, Opportunity, Project
from app.models.tag import Tag
from app.models.tenant import Tenant
from app.models.user import User
from app.models.webhook import Webhook, WebhookDelivery

__all__ = [
    "Activity", "ApiToken", "AppPassword", "Attachment", "AuditEntry", "Campaign", "Case",
    "Contact", "DictionaryEntry", "DistinctContacts", "DistinctOrganisations", "Employment",
    "ExternalId", "FieldChoice", "FieldDefinition", "FieldSection", "IdempotentRequest",
    "ImportMapping", "Job", "Lead", "Opportunity", "Organisation", "Project", "Tag", "Task",
    "Tenant", "TenantCounter", "User", "Webhook", "WebhookDelivery",
]
