"""Users log in with an e-mail unique across the deployment (the login form asks for no
tenant). A user without a tenant is a platform operator, who manages tenants."""

from __future__ import annotations

from flask import current_app, has_app_context
from sqlalchemy import JSON, Boolean, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import Model
from app.models.base import Timestamped
from app.models.tenant import Tenant
from app.tenancy import TenantOptional

ROLE_ADMIN = "admin"
ROLE_USER = "user"
ROLES = (ROLE_ADMIN, ROLE_USER)
# scrypt is werkzeug's strongest built-in hasher (memory-hard); PASSWORD_HASH_METHOD
# may name a cheaper one where speed matters more than strength (the test suite).
DEFAULT_PASSWORD_METHOD = "scrypt"


class User(TenantOptional, Timestamped, Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    full_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    role: Mapped[str] = mapped_column(String(10), nullable=False, default=ROLE_USER)
    language: Mapped[str | None] = mapped_column(String(5), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    # Secret part of the user's feed URLs (address book, calendar); None until asked for.
    feed_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Stored in the session at login and compared on every request: raising it ends
    # every session of the user (logout, a password change, an administrator's reset).
    session_version: Mapped[int] = mapped_column(Integer, nullable=False, default=0,
                                                 server_default="0")
    # The columns the user chose per list ({list: [column, …]}); absent: the defaults.
    list_columns: Mapped[dict[str, list[str]]] = mapped_column(
        JSON, nullable=False, default=dict, server_default="{}")

    # Loaded when asked for: a user shown in a list (responsible, assignee, author) is of
    # the tenant at work, already in the session, so it costs no statement; joined, it
    # was read and its settings decoded again for every row. The logged-in user is
    # loaded with it (auth.sessions.load_user).
    tenant: Mapped[Tenant | None] = relationship()

    # Flask-Login protocol
    @property
    def is_active(self) -> bool:
        return bool(self.active) and (self.tenant is None or self.tenant.active)

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def is_operator(self) -> bool:
        return self.tenant_id is None

    @property
    def is_admin(self) -> bool:
        return self.tenant_id is not None and self.role == ROLE_ADMIN

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=password_hash_method())

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and password_matches(self.password_hash, password)

    def __str__(self) -> str:
        return self.full_name or self.email


def password_hash_method() -> str:
    if has_app_context():
        return current_app.config.get("PASSWORD_HASH_METHOD", DEFAULT_PASSWORD_METHOD)
    return DEFAULT_PASSWORD_METHOD


def password_matches(password_hash: str, password: str) -> bool:
    """The one place a password is compared with a hash (a login for an unknown e-mail
    compares with a dummy hash here too, so both take the same time)."""
    return check_password_hash(password_hash, password)


# Case-insensitive uniqueness, enforced by the database and not only by forms.
Index("uq_user_account_email_lower", func.lower(User.email), unique=True)
# The tenant's users by name: a list sorted by responsible user reads them in this order,
# each one's records after another (views.relation_sort).
Index("ix_user_account_tenant_full_name", User.tenant_id, User.full_name)
