"""Replenishment bench: lead-time estimates, policy simulation and the optimiser.

Prints, in one run:

1. lead-time estimates against the demo simulator's true lognormals (target: mean
   within 10 % for every supplier and mode with 10+ POs);
2. the policy simulation of one simulated year under the fair protocol
   (:mod:`tradepilot.replenishment.sim_protocol`: every policy from the store's
   real stock, a 91-day warm-up not scored, the stock left valued at cost less an
   obsolescence charge, 5 seeds of demand and lead times shared by every policy,
   95 % t-intervals): TradePilot's policy against min/max, days of cover and an
   order-up-to (s, S) tuned on the warm-up, with a perfect-foresight heuristic
   beside them, on the validation store (seed 11, where TradePilot's settings
   were chosen), then once on the demo store (seed 7) and a second store (seed
   23, 400 SKUs). Target: total cost <= 0.90x the best baseline, the upper end of
   its 95 % interval below 1.00x, at a fill rate at least as high;
3. the same protocol on UCI Online Retail (no POs or stock counts: lead times
   from the settings, every policy starts empty), through the workspace service
   that ``tradepilot plan simulate`` runs;
4. the purchase optimiser on 5,000 SKUs x 3 suppliers x 2 modes (target: a 1 %
   gap in under 60 s), from ``bench/optimizer_bench.py``.

Run: ``uv run python bench/replenishment_bench.py [--skip-retail] [--skip-optimizer]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from tradepilot.replenishment.calendar import lunar_new_year_closures
from tradepilot.replenishment.config import PurchasingConfig
from tradepilot.replenishment.leadtimes import (
    LeadTime,
    estimate_lead_times,
    estimation_error,
    po_lead_times,
)
from tradepilot.replenishment.sim_protocol import compare_policies
from tradepilot.replenishment.sim_scoring import ProtocolSettings
from tradepilot.replenishment.simulation import SimulationInput, inputs_from_simulator
from tradepilot.simulate import SimulatedStore, SimulationConfig, simulate_store
from tradepilot.simulate.suppliers import SUPPLIERS
from tradepilot.simulate.truth import lead_time_truth

HERE = Path(__file__).parent
RETAIL = HERE.parent.parent / "shared" / "data" / "online_retail"
TARGET_RATIO = 0.90
STORES = (
    ("validation store (settings chosen here)", SimulationConfig(seed=11)),
    ("demo store (test)", SimulationConfig(seed=7)),
    ("second store (test)", SimulationConfig(seed=23, n_skus=400)),
)
"""The policy's settings were chosen on seed 11; seeds 7 and 23 are reported once."""


def lead_time_section(store: SimulatedStore) -> None:
    """Estimates from the store's POs against the truth."""
    receipts = store.purchase_orders
    last = store.config.end
    closures = [
        c
        for s in SUPPLIERS
        if s.has_new_year_shutdown
        for c in lunar_new_year_closures(s.name, range(2023, 2027))
    ]
    times = po_lead_times(receipts, closures, as_of=last)
    estimates = estimate_lead_times(times, global_default=LeadTime(30.0, 8.0))
    table = estimation_error(estimates, lead_time_truth(store))
    print("\n## Lead times learned from the demo store's POs (seed 7, 2 years)")
    print(table)
    big = table.filter(pl.col("n_pos") >= 10)
    worst = float(big["rel_error"].max()) if big.height else float("nan")
    print(
        f"worst relative error of the mean with 10+ POs: {worst:.1%}"
        f" (target <= 10%: {'met' if worst <= 0.10 else 'NOT met'})"
    )


def real_opening(store: SimulatedStore, inputs: SimulationInput) -> np.ndarray:
    """The store's stock on the first simulated day (its last weekly count)."""
    day = store.config.start + dt.timedelta(days=inputs.start)
    counts = store.inventory.filter(pl.col("date") < day)
    last = counts.filter(pl.col("date") == counts["date"].max())
    on_hand = dict(last.select("sku", "on_hand").iter_rows())
    return np.array([on_hand.get(sku, 0) for sku in inputs.sku], dtype=np.int64)


def simulation_section(label: str, config: SimulationConfig) -> dict[str, Any]:
    """One simulated year of a simulator store under the fair protocol."""
    store = simulate_store(config)
    inputs = inputs_from_simulator(store, history_days=365)
    opening = real_opening(store, inputs)
    settings = ProtocolSettings()
    load = os.getloadavg()[0]
    started = time.perf_counter()
    report = compare_policies(inputs, opening=opening, settings=settings)
    seconds = time.perf_counter() - started
    day = store.config.start + dt.timedelta(days=inputs.start)
    print(f"\n## Policy simulation, {label} (seed {config.seed}, {inputs.n_skus} SKUs)")
    print(
        settings.describe(
            warmup_days=report["warmup_days"],
            scored_days=report["days"],
            opening=f"the store's last count before {day}",
        )
    )
    print_protocol_table(report)
    print(
        f"{seconds:.1f} s for {len(report['seeds'])} seeds x"
        f" {len(report['policies'])} policies (load average {load:.1f} at the start,"
        f" {os.getloadavg()[0]:.1f} at the end, {os.cpu_count()} CPUs)"
    )
    if config.seed == 7:
        lead_time_section(store)
    return report


def print_protocol_table(report: dict[str, Any]) -> None:
    """Means over seeds, the 95 % intervals, and the target line."""
    policies = report["policies"]
    print(
        f"{'policy':<14}{'fill':>7}{'fill 95%':>14}{'stockout d':>12}{'lost':>11}"
        f"{'avg inv':>11}{'holding':>10}{'freight':>10}{'ordering':>9}"
        f"{'lost mgn':>11}{'obsolete':>10}{'total':>11}{'total 95%':>22}"
        f"{'ratio':>7}{'ratio 95%':>15}"
    )
    for name, p in policies.items():
        ci = p["ci95"]
        ratio = ci.get("cost_ratio", (math.nan, math.nan))
        print(
            f"{name:<14}{p['fill_rate']:>7.3f}"
            f"{ci['fill_rate'][0]:>7.3f}-{ci['fill_rate'][1]:.3f}"
            f"{p['stockout_days']:>12,.0f}{p['lost_units']:>11,.0f}"
            f"{p['avg_inventory_value']:>11,.0f}{p['holding_cost']:>10,.0f}"
            f"{p['freight_cost']:>10,.0f}{p['ordering_cost']:>9,.0f}"
            f"{p['stockout_cost']:>11,.0f}{p['obsolescence_cost']:>10,.0f}"
            f"{p['total_cost']:>11,.0f}"
            f"{ci['total_cost'][0]:>12,.0f}-{ci['total_cost'][1]:<9,.0f}"
            f"{p.get('cost_ratio', math.nan):>7.3f}"
            f"{ratio[0]:>8.3f}-{ratio[1]:.3f}"
        )
    best = report["best_baseline"]
    ours = policies["tradepilot"]
    low, high = ours["ci95"]["cost_ratio"]
    fill_ok = ours["fill_rate"] >= policies[best]["fill_rate"]
    met = ours["cost_ratio"] <= TARGET_RATIO and high < 1.0 and fill_ok
    print(
        f"TradePilot / best baseline ({best}) total cost: {ours['cost_ratio']:.3f}"
        f" (95%: {low:.3f}-{high:.3f}); fill {ours['fill_rate']:.3f} against"
        f" {policies[best]['fill_rate']:.3f}. Target (<= {TARGET_RATIO:.2f}, upper"
        f" end < 1.00, fill at least as high): {'met' if met else 'NOT met'}"
    )


def retail_section() -> None:
    """Online Retail through the workspace service."""
    from tradepilot.config import Settings
    from tradepilot.ingest.service import import_file
    from tradepilot.replenishment.simulate_service import simulate_policies_of
    from tradepilot.workspace import init_workspace

    source = RETAIL / "online_retail_2010_2011.csv.gz"
    if not source.exists():
        print(f"\n## Online Retail: skipped, no data in {RETAIL}")
        return
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        engine = init_workspace(Settings(home=home, database_url=None))
        import_file(engine, fmt="online-retail", path=source)
        started = time.perf_counter()
        report = simulate_policies_of(engine, PurchasingConfig(), home=home)
        engine.dispose()
    print(
        f"\n## Policy simulation, UCI Online Retail: {report['skus']:,} SKUs,"
        f" {report['days']} days scored from {report['scored_from']}"
        f" ({report['demand_source']}; lead times 30 +- 8 days from the settings;"
        " costs 40 % of price)"
    )
    print(report["protocol"])
    print_protocol_table(report)
    print(f"{time.perf_counter() - started:.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-retail", action="store_true")
    parser.add_argument("--skip-optimizer", action="store_true")
    args = parser.parse_args()
    for label, config in STORES:
        simulation_section(label, config)
    if not args.skip_retail:
        retail_section()
    if not args.skip_optimizer:
        print("\n## Purchase optimiser, 5,000 SKUs x 3 suppliers x 2 modes", flush=True)
        subprocess.run([sys.executable, str(HERE / "optimizer_bench.py")], check=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
