"""Fixtures shared by every test: stores on SQLite and PostgreSQL, the shared data."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tradepilot.config import Settings
from tradepilot.store.engine import create_engine, migrate

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
POSTGRES_URL = os.environ.get(
    "TRADEPILOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() == "true"


def skip_or_fail(reason: str) -> None:
    """Skip locally, fail in CI: CI must run every test."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this must not be skipped)")
    pytest.skip(reason)


@pytest.fixture
def shared_data() -> Path:
    """The real public datasets beside the repository (../shared/data)."""
    if not SHARED_DATA.is_dir():
        skip_or_fail(f"shared datasets not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    """Settings of a fresh SQLite workspace."""
    home = tmp_path / "workspace"
    home.mkdir()
    return Settings(home=home, database_url=None)


def _postgres_schema() -> Iterator[tuple[Settings, str]]:
    schema = f"tp_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL)
    try:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    except sa.exc.OperationalError as exc:
        admin.dispose()
        skip_or_fail(f"PostgreSQL not reachable at {POSTGRES_URL}: {exc.orig}")
    sep = "&" if "?" in POSTGRES_URL else "?"
    url = f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    try:
        yield Settings(home=Path("."), database_url=url), schema
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store_settings(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Settings]:
    """Settings of an empty, migrated store, once on SQLite and once on PostgreSQL.

    PostgreSQL tests each get a schema of their own, dropped afterwards.
    """
    if request.param == "sqlite":
        home = tmp_path / "workspace"
        home.mkdir()
        settings = Settings(home=home, database_url=None)
        _migrate(settings)
        yield settings
        return
    for settings, _schema in _postgres_schema():
        settings = settings.model_copy(update={"home": tmp_path})
        _migrate(settings)
        yield settings


def _migrate(settings: Settings) -> None:
    engine = create_engine(settings)
    migrate(engine)
    engine.dispose()


@pytest.fixture
def engine(store_settings: Settings) -> Iterator[Engine]:
    """An engine on an empty, migrated store (SQLite and PostgreSQL)."""
    engine = create_engine(store_settings)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def sim_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Files of the small simulated store of :mod:`tests.simstore`, written once."""
    from tests.simstore import SIM

    from tradepilot.simulate import simulate_store, write_store

    return write_store(simulate_store(SIM), tmp_path_factory.mktemp("sim"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep each module that shares a module-scoped fixture on one xdist worker.

    With ``-n 2 --dist loadgroup`` (the Makefile's ``test``), the tests of a module
    whose fixture builds a workspace (a forecast, a ledger, a demo store) run on
    one worker, so the fixture is built once instead of once per worker; every
    other test is spread as ``--dist load`` would.
    """
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        if info is None:
            continue
        scopes = {
            fixturedef.scope
            for defs in info.name2fixturedefs.values()
            for fixturedef in defs
        }
        if "module" in scopes or "class" in scopes:
            item.add_marker(pytest.mark.xdist_group(name=item.nodeid.split("::")[0]))
