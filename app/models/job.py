"""Background jobs (imports, large exports, e-mail sending …): one row per job, so the
web can list them and show their state. The work itself runs in the task queue
(app/jobs.py); its running progress is kept in the queue's own storage, not here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.base import utcnow
from app.models.user import User
from app.tenancy import TenantScoped

QUEUED = "queued"
RUNNING = "running"
DONE = "done"
FAILED = "failed"
STATES = (QUEUED, RUNNING, DONE, FAILED)
FINISHED = (DONE, FAILED)


class Job(TenantScoped, Model):
    __tablename__ = "job"
    __table_args__ = (
        # The job list: newest first, of the tenant or of one user.
        Index("ix_job_tenant_created", "tenant_id", "created_at"),
        Index("ix_job_tenant_user_created", "tenant_id", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Who asked for it: the job runs as this user. Kept when the user is deleted.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(60), nullable=False)
    state: Mapped[str] = mapped_column(String(10), nullable=False, default=QUEUED)
    # What the job was asked to do (ids, names: JSON), read again when it runs.
    params: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    done: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    total: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    # The translated message shown to the user when the job failed.
    error: Mapped[str | None] = mapped_column(Text)
    result_name: Mapped[str | None] = mapped_column(String(255))  # the download's name
    result_key: Mapped[str | None] = mapped_column(String(60))  # its stored file
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User | None] = relationship()

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self.state}>"
