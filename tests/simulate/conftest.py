"""Shared fixtures: one small simulated store, simulated and written once."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import polars as pl
import pytest

from tradepilot.simulate import (
    SimulatedStore,
    SimulationConfig,
    simulate_store,
    write_store,
)


@pytest.fixture(scope="session")
def small_config() -> SimulationConfig:
    """A year of 120 SKUs: covers a lunar new year and a Black Friday, runs in ~1 s."""
    return SimulationConfig(
        seed=11, n_days=365, n_skus=120, n_customers=2000, demand_scale=1.5
    )


@pytest.fixture(scope="session")
def small_store(small_config: SimulationConfig) -> SimulatedStore:
    return simulate_store(small_config)


@pytest.fixture(scope="session")
def written(
    small_store: SimulatedStore, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    return write_store(small_store, tmp_path_factory.mktemp("store"))


@pytest.fixture(scope="session")
def other_seed_written(
    small_config: SimulationConfig, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    store = simulate_store(dataclasses.replace(small_config, seed=12))
    return write_store(store, tmp_path_factory.mktemp("seed12"))


@pytest.fixture(scope="session")
def shopify(written: dict[str, Path]) -> pl.DataFrame:
    return pl.read_csv(written["shopify_orders"], infer_schema=False)


@pytest.fixture(scope="session")
def amazon(written: dict[str, Path]) -> pl.DataFrame:
    return pl.read_csv(
        written["amazon_all_orders"],
        separator="\t",
        infer_schema=False,
        quote_char=None,
    )


@pytest.fixture(scope="session")
def purchase_orders(written: dict[str, Path]) -> pl.DataFrame:
    return pl.read_csv(written["purchase_orders"], infer_schema=False)
