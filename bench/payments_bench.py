"""Payments benchmark: the reconciliation against the simulator's ground truth.

For two seeds, a one-year simulated store (its orders, ECB rates, the Shopify
Payments, PayPal and Amazon settlement reports and the bank statement, as the demo
writes them) is imported into a fresh SQLite workspace and reconciled. Each
reported discrepancy is scored against ``truth/payments_discrepancies.csv``: a
hit has the same kind and names the same order (or payout). Printed per seed and
method: recall (injected mistakes found), precision (findings that are injected
mistakes), kinds found, and the seconds of the import and the reconciliation.

The baseline, run in the same process, is the same matcher with the tolerances a
plain spreadsheet VLOOKUP would have: no checkout-tax allowance and no converted
payouts (``sales_tax_allowance = 0``, ``bank_fx_tolerance = 0``).

Targets: recall 100%, precision >= 0.9, at least 4 kinds, on both seeds.

Usage: ``python bench/payments_bench.py [--json]``
"""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
import time
from pathlib import Path
from typing import Any

SEEDS = (7, 21)
STORE = {"n_days": 365, "n_skus": 60, "n_customers": 2500}
ORDER_IMPORTS = [
    ("eurofxref_hist", "fx"),
    ("shopify_orders", "shopify"),
    ("amazon_all_orders", "amazon"),
]


def score(found: list[dict[str, Any]], truth: list[dict[str, str]]) -> dict[str, Any]:
    """Recall, precision and kinds of ``found`` against ``truth``."""

    def hit(d: dict[str, Any], t: dict[str, str]) -> bool:
        names = (d["order"] or "") == (t["order"] or "") and (d["payout"] or "") == (
            t["payout"] or ""
        )
        return d["kind"] == t["kind"] and names

    matched_truth = sum(1 for t in truth if any(hit(d, t) for d in found))
    true_found = sum(1 for d in found if any(hit(d, t) for t in truth))
    return {
        "injected": len(truth),
        "found": len(found),
        "recall": matched_truth / len(truth) if truth else 1.0,
        "precision": true_found / len(found) if found else 1.0,
        "kinds": sorted({d["kind"] for d in found if any(hit(d, t) for t in truth)}),
        "false": [
            f"{d['kind']} {d['order'] or d['payout']}"
            for d in found
            if not any(hit(d, t) for t in truth)
        ][:5],
    }


def run_seed(seed: int) -> dict[str, Any]:
    from tradepilot.config import Settings
    from tradepilot.demo import PAYMENT_IMPORTS
    from tradepilot.ingest.service import import_file
    from tradepilot.payments.config import PaymentsConfig
    from tradepilot.payments.reconcile import run_reconciliation
    from tradepilot.simulate import SimulationConfig, simulate_store, write_store
    from tradepilot.workspace import init_workspace

    with tempfile.TemporaryDirectory() as tmp:
        files = write_store(
            simulate_store(SimulationConfig(seed=seed, **STORE)), Path(tmp) / "data"
        )
        with files["truth_payments"].open(encoding="utf-8") as handle:
            truth = list(csv.DictReader(handle))
        engine = init_workspace(
            Settings(home=Path(tmp) / "ws", database_url=None), base_currency="EUR"
        )
        for key, fmt in ORDER_IMPORTS:
            import_file(engine, fmt=fmt, path=files[key])
        started = time.perf_counter()
        rows = 0
        for key, fmt in PAYMENT_IMPORTS:
            rows += import_file(engine, fmt=fmt, path=files[key]).rows_read
        imported = time.perf_counter() - started
        results = {}
        configs = {
            "tradepilot": PaymentsConfig(),
            "baseline": PaymentsConfig(sales_tax_allowance=0, bank_fx_tolerance=0),
        }
        for name, config in configs.items():
            started = time.perf_counter()
            with engine.connect() as conn:
                report = run_reconciliation(conn, config=config, base="EUR")
            seconds = time.perf_counter() - started
            results[name] = {
                **score(report["discrepancies"], truth),
                "seconds": round(seconds, 2),
                "fx_spread_cost_base": report["fx_spread_cost_base"],
                "fees_base": report["fees_base"],
            }
        engine.dispose()
    return {"seed": seed, "payment_rows": rows, "import_seconds": round(imported, 2),
            **results}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    runs = [run_seed(seed) for seed in SEEDS]
    if args.json:
        print(json.dumps({"runs": runs}, indent=2))  # noqa: T201
        return
    for run in runs:
        print(  # noqa: T201
            f"seed {run['seed']}: {run['payment_rows']:,} payment rows imported in"
            f" {run['import_seconds']} s"
        )
        for name in ("tradepilot", "baseline"):
            r = run[name]
            print(  # noqa: T201
                f"  {name:10} recall {r['recall']:.0%} ({r['injected']} injected),"
                f" precision {r['precision']:.2f} ({r['found']} found),"
                f" kinds {len(r['kinds'])}, {r['seconds']} s;"
                f" fees {r['fees_base']:,.2f} EUR, FX spread {r['fx_spread_cost_base']:,.2f}"
                + (f"; false: {', '.join(r['false'])}" if r["false"] else "")
            )
        ratio = run["tradepilot"]["precision"] / max(run["baseline"]["precision"], 1e-9)
        print(f"  precision ratio tradepilot / baseline: {ratio:.1f}x")  # noqa: T201
    ok = all(
        r["tradepilot"]["recall"] == 1.0
        and r["tradepilot"]["precision"] >= 0.9
        and len(r["tradepilot"]["kinds"]) >= 4
        for r in runs
    )
    print("targets (recall 100%, precision >= 0.9, >= 4 kinds):",  # noqa: T201
          "met" if ok else "MISSED")  # fmt: skip


if __name__ == "__main__":
    main()
