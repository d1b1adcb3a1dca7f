"""Replenishment bench: lead-time estimates, policy simulation and the optimiser.

Prints, in one run:

1. lead-time estimates against the demo simulator's true lognormals (target: mean
   within 10 % for every supplier and mode with 10+ POs);
2. the policy simulation over one simulated year of the demo store (seed 7) and of
   a validation store (seed 11): TradePilot's policy against a min/max rule, a
   days-of-cover rule and a perfect-foresight oracle, all on the same demand and
   the same lead-time draws (target: at equal or better fill rate, total cost
   <= 0.85x the better of min/max and days of cover);
3. the same simulation on UCI Online Retail (no POs or stock counts: lead times
   from the settings, every policy starts at its own level), through the
   workspace service that ``tradepilot plan simulate`` runs;
4. the purchase optimiser on 5,000 SKUs x 3 suppliers x 2 modes (target: a 1 %
   gap in under 60 s), from ``bench/optimizer_bench.py``.

Run: ``uv run python bench/replenishment_bench.py [--skip-retail] [--skip-optimizer]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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
from tradepilot.replenishment.simulation import (
    inputs_from_simulator,
    simulate_policies,
    simulation_report,
)
from tradepilot.simulate import SimulationConfig, simulate_store
from tradepilot.simulate.suppliers import SUPPLIERS
from tradepilot.simulate.truth import lead_time_truth

HERE = Path(__file__).parent
RETAIL = HERE.parent.parent / "shared" / "data" / "online_retail"
BASELINES = ("min_max", "days_of_cover")


def lead_time_section(store: object) -> None:
    """Estimates from the store's POs against the truth."""
    from tradepilot.simulate import SimulatedStore

    assert isinstance(store, SimulatedStore)
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


def simulation_section(seed: int, label: str) -> dict[str, object]:
    """One simulated year of the simulator store with ``seed``."""
    started = time.perf_counter()
    store = simulate_store(SimulationConfig(seed=seed))
    inputs = inputs_from_simulator(store, history_days=365)
    results = simulate_policies(inputs)
    report = simulation_report(results, days=inputs.n_days - inputs.start)
    print(
        f"\n## Policy simulation, {label} (seed {seed}), {report['days']} days,"
        " each policy starting at its own order-up-to level (the issue's rule)"
    )
    _print_policies(report, time.perf_counter() - started)
    # The rule above hands a policy with a higher level more free opening stock;
    # from the store's real stock on the first day every policy starts equal.
    day = store.config.start + dt.timedelta(days=inputs.start)
    counts = store.inventory.filter(pl.col("date") < day)
    last = counts.filter(pl.col("date") == counts["date"].max())
    on_hand = dict(last.select("sku", "on_hand").iter_rows())
    opening = np.array([on_hand.get(sku, 0) for sku in inputs.sku], dtype=np.int64)
    started = time.perf_counter()
    common = simulation_report(
        simulate_policies(inputs, opening=opening), days=report["days"]
    )
    print(f"\n### the same, every policy starting from the store's stock on {day}")
    _print_policies(common, time.perf_counter() - started)
    if seed == 7:
        lead_time_section(store)
    return report


def _print_policies(report: dict[str, object], seconds: float) -> None:
    policies = report["policies"]
    assert isinstance(policies, dict)
    print(
        f"{'policy':<14}{'fill':>8}{'stockout d':>12}{'lost':>10}"
        f"{'avg inv':>12}{'holding':>11}{'freight':>11}{'ordering':>10}"
        f"{'lost margin':>12}{'stock left':>12}{'total':>12}"
    )
    for name, p in policies.items():
        left = p["purchase_cost"] - p["cogs"]
        print(
            f"{name:<14}{p['fill_rate']:>8.3f}{p['stockout_days']:>12,}"
            f"{p['lost_units']:>10,.0f}{p['avg_inventory_value']:>12,.0f}"
            f"{p['holding_cost']:>11,.0f}{p['freight_cost']:>11,.0f}"
            f"{p['ordering_cost']:>10,.0f}{p['stockout_cost']:>12,.0f}"
            f"{left:>12,.0f}{p['total_cost']:>12,.0f}"
        )
    ours = policies["tradepilot"]
    best = min((policies[b] for b in BASELINES), key=lambda p: p["total_cost"])
    best_name = next(b for b in BASELINES if policies[b] is best)
    ratio = ours["total_cost"] / best["total_cost"]
    oracle = ours["total_cost"] / policies["oracle"]["total_cost"]
    fill_ok = all(ours["fill_rate"] >= policies[b]["fill_rate"] for b in BASELINES)
    print(
        f"TradePilot / best baseline ({best_name}) total cost: {ratio:.3f}"
        f" (target <= 0.85: {'met' if ratio <= 0.85 and fill_ok else 'NOT met'});"
        f" fill rate >= both baselines: {fill_ok}; TradePilot / oracle: {oracle:.2f};"
        f" {seconds:.1f} s"
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
        f" {report['days']} days from {report['start']} ({report['demand_source']};"
        " lead times 30 +- 8 days from the settings; costs 40 % of price)"
    )
    _print_policies(report, time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-retail", action="store_true")
    parser.add_argument("--skip-optimizer", action="store_true")
    args = parser.parse_args()
    simulation_section(11, "validation store")
    simulation_section(7, "demo store")
    if not args.skip_retail:
        retail_section()
    if not args.skip_optimizer:
        print("\n## Purchase optimiser, 5,000 SKUs x 3 suppliers x 2 modes", flush=True)
        subprocess.run([sys.executable, str(HERE / "optimizer_bench.py")], check=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
