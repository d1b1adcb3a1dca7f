"""import undo: undone runs, and the run that created each product and PO line

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 09:00:00.000000

``import_runs.undone_at`` marks a run whose rows ``tradepilot import undo`` removed.
``products.import_run_id`` and ``purchase_order_lines.import_run_id`` name the run
that created the row (null: created before this revision, or not by an import), so
an undo removes the products and PO lines its run added and no others. PO lines
stored before this revision are attributed to their PO's run.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tradepilot.store.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "import_runs",
        sa.Column(
            "undone_at",
            tradepilot.store.types.UTCDateTime(timezone=True),
            nullable=True,
        ),
    )
    op.add_column("products", sa.Column("import_run_id", sa.Integer(), nullable=True))
    op.add_column(
        "purchase_order_lines",
        sa.Column("import_run_id", sa.Integer(), nullable=True),
    )
    op.execute(
        "UPDATE purchase_order_lines SET import_run_id = (SELECT p.import_run_id"
        " FROM purchase_orders p WHERE p.id = purchase_order_lines.po_id)"
    )


def downgrade() -> None:
    op.drop_column("purchase_order_lines", "import_run_id")
    op.drop_column("products", "import_run_id")
    op.drop_column("import_runs", "undone_at")
