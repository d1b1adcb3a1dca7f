"""Alembic environment: runs on the engine passed in ``config.attributes``."""

from __future__ import annotations

from alembic import context

# Each capability's tables register on the one metadata when their module loads.
from tradepilot.store import (  # noqa: F401
    tables_assistant,
    tables_automation,
    tables_ledger,
    tables_money,
    tables_payments,
    tables_risk,
    tables_service,
    tables_text,
)
from tradepilot.store.tables import metadata

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
