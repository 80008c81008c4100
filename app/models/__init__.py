"""All models, imported here so Alembic and the app see the whole schema."""

from app.models.audit import AuditEntry
from app.models.contact import Contact, Employment
from app.models.counter import TenantCounter
from app.models.organisation import Organisation
from app.models.tag import Tag
from app.models.tenant import Tenant
from app.models.user import User

__all__ = [
    "AuditEntry", "Contact", "Employment", "Organisation", "Tag", "Tenant", "TenantCounter",
    "User",
]
