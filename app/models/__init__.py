"""All models, imported here so Alembic and the app see the whole schema."""

from app.models.tenant import Tenant
from app.models.user import User

__all__ = ["Tenant", "User"]
