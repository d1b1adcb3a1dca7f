"""Alembic environment: runs on the engine passed in ``config.attributes``."""

from __future__ import annotations

from alembic import context

from tradepilot.store import (
    tables_service,  # noqa: F401  (registers its tables)
    tables_text,  # noqa: F401  (registers its tables)
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
