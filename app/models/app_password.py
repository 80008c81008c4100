"""App passwords: what an address-book program (CardDAV) logs in with instead of the
user's own password. Each is made for one device, shown once, stored only as a hash,
and revoked on its own."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.base import utcnow
from app.models.user import User
from app.tenancy import TenantScoped


class AppPassword(TenantScoped, Model):
    __tablename__ = "app_password"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True, nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    # SHA-256 of the password: it is random and long, so a fast hash is enough (unlike a
    # chosen password), and a lookup by hash finds it without trying each in turn.
    secret_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()

    def __str__(self) -> str:
        return self.name
