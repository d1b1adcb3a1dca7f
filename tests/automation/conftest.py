"""One migrated store per backend for the whole module (migrating costs a second or
two each time); each test starts with empty automation tables."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from tests.conftest import _migrate, _postgres_schema

from tradepilot.config import Settings
from tradepilot.store.engine import create_engine

AUTOMATION_TABLES = ("approvals", "job_runs", "job_leases", "notifications")


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def shared_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A migrated store shared by a module's tests, SQLite and PostgreSQL."""
    if request.param == "sqlite":
        home = tmp_path_factory.mktemp("automation")
        settings = Settings(home=home, database_url=None)
        _migrate(settings)
        engine = create_engine(settings)
        yield engine
        engine.dispose()
        return
    for settings, _schema in _postgres_schema():
        settings = settings.model_copy(update={"home": Path(".")})
        _migrate(settings)
        engine = create_engine(settings)
        yield engine
        engine.dispose()


@pytest.fixture
def engine(shared_engine: Engine) -> Engine:
    """The module's store with the automation tables emptied."""
    with shared_engine.begin() as conn:
        for table in AUTOMATION_TABLES:
            conn.execute(sa.text(f"DELETE FROM {table}"))
    return shared_engine
