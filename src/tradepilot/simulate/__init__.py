"""A deterministic demo store with ground truth.

Simulates a small cross-border seller (catalogue, demand, stock, purchasing,
orders on a Shopify store and on Amazon, FX) from one seed, and writes it as the
files such a seller exports plus the truth needed to evaluate TradePilot.

Examples
--------
>>> from tradepilot.simulate import SimulationConfig, simulate_store
>>> store = simulate_store(SimulationConfig(seed=7, n_days=120, n_skus=20,
...                                         n_customers=200))
>>> store.orders["country"].n_unique() >= 15
True
"""

from tradepilot.simulate.config import SimulationConfig
from tradepilot.simulate.exports import write_store
from tradepilot.simulate.store import SimulatedStore, simulate_store

__all__ = ["SimulatedStore", "SimulationConfig", "simulate_store", "write_store"]
