"""A small simulated store for tests that need a realistic workspace."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from tradepilot.demo import IMPORTS
from tradepilot.ingest.service import import_file
from tradepilot.simulate import SimulationConfig

# 60 weeks, 20 SKUs: orders in several countries, stock counts with stockouts, POs.
SIM = SimulationConfig(seed=3, n_days=420, n_skus=20, n_customers=800, demand_scale=2.0)


def import_store(engine: Engine, files: dict[str, Path]) -> None:
    """Import the simulated store's files as the demo does."""
    for key, fmt in IMPORTS:
        import_file(engine, fmt=fmt, path=files[key])
