"""Fixtures of the ledger tests: the small simulated store, imported once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tests.simstore import import_store

from tradepilot.config import Settings
from tradepilot.workspace import init_workspace, open_store


@pytest.fixture(scope="module")
def sim_home(tmp_path_factory: pytest.TempPathFactory, sim_files) -> Path:
    """A SQLite workspace holding the simulated store (not built: copy it)."""
    home = tmp_path_factory.mktemp("ledger") / "ws"
    engine = init_workspace(Settings(home=home, database_url=None), base_currency="EUR")
    import_store(engine, sim_files)
    engine.dispose()
    return home


@pytest.fixture
def sim(sim_home: Path, tmp_path: Path):
    """An engine on a fresh copy of the simulated workspace, and its home."""
    home = tmp_path / "ws"
    shutil.copytree(sim_home, home)
    engine = open_store(Settings(home=home, database_url=None))
    yield engine, home
    engine.dispose()
