"""automation: approvals, job runs, job leases, notifications

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-04 16:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tradepilot.store.types

revision = "0013"
down_revision = "0010"
branch_labels = None
depends_on = None


def _utc(name: str, *, nullable: bool) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        name, tradepilot.store.types.UTCDateTime(timezone=True), nullable=nullable
    )


def upgrade() -> None:
    op.create_table(
        "approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("money_base", sa.Float(), nullable=True),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        _utc("created_at", nullable=False),
        _utc("decided_at", nullable=True),
        sa.Column("decided_by", sa.String(length=128), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approvals")),
    )
    op.create_index(op.f("ix_approvals_kind"), "approvals", ["kind"])
    op.create_index(op.f("ix_approvals_status"), "approvals", ["status"])
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=64), nullable=False),
        _utc("started_at", nullable=False),
        _utc("finished_at", nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
    )
    op.create_index(op.f("ix_job_runs_job"), "job_runs", ["job"])
    op.create_table(
        "job_leases",
        sa.Column("job", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=128), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        _utc("heartbeat_at", nullable=False),
        sa.PrimaryKeyConstraint("job", name=op.f("pk_job_leases")),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=512), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        _utc("next_attempt_at", nullable=True),
        _utc("created_at", nullable=False),
        _utc("sent_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index(op.f("ix_notifications_status"), "notifications", ["status"])


def downgrade() -> None:
    op.drop_index(op.f("ix_notifications_status"), table_name="notifications")
    op.drop_table("notifications")
    op.drop_table("job_leases")
    op.drop_index(op.f("ix_job_runs_job"), table_name="job_runs")
    op.drop_table("job_runs")
    op.drop_index(op.f("ix_approvals_status"), table_name="approvals")
    op.drop_index(op.f("ix_approvals_kind"), table_name="approvals")
    op.drop_table("approvals")
