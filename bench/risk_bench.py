"""Risk radar bench: injected events found, noise in the top 10, order-risk ranking,
and the monitors' time over the full Online Retail workspace.

A simulated store gets the events of :mod:`tradepilot.simulate.risk_events` (with
their ground truth); it is imported like the demo, then the monitors run twice, a
week apart (the issue's "within its first two weekly runs"). Printed:

* recall: every injected event has an alert of its kind and subject;
* noise in the top 10 by money: alerts of an injected kind about a subject that
  was not injected (kinds nothing was injected for — margin erosion, concentration,
  stock — describe the store's real state and are counted apart);
* order risk: ROC AUC and precision@20 of the scores against the fraud truth;
* seconds of ``monitors run`` over the full Online Retail workspace (imported first,
  not timed), target < 30 s: judged on CPU seconds, the wall time printed beside
  with the machine's load (on a shared machine wall time is the other jobs').

The store also gets the payments simulator's files (its injected discrepancies are
``payment_discrepancy`` events) and simulated reviews with a bad batch of one SKU
(a ``review_sentiment`` event).

Usage: ``python bench/risk_bench.py [--skip-online-retail | --online-retail-only]``;
``--demo PATH`` judges a workspace built by ``tradepilot demo --no-serve -w PATH``
(the full demo store) against its ``demo-data/truth/risk_events.json`` instead.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ONLINE_RETAIL = (
    Path(__file__).resolve().parents[2]
    / "shared/data/online_retail/online_retail_2010_2011.csv.gz"
)
TARGETS = {"recall": 1.0, "noise_top10": 2, "auc": 0.9, "precision_at_20": 0.7,
           "online_retail_seconds": 30.0}  # fmt: skip


def build_store(root: Path) -> tuple[Any, Path, dict[str, Any]]:
    """The simulated store with injected events, imported into a workspace."""
    import polars as pl

    from tradepilot.config import Settings
    from tradepilot.demo import DEMO_PURCHASING, DEMO_TRADE, IMPORTS, PAYMENT_IMPORTS
    from tradepilot.ingest.service import import_file
    from tradepilot.simulate import SimulationConfig, simulate_store, write_store
    from tradepilot.simulate.risk_events import (
        inject_review_spike,
        inject_risk_events,
        payment_events,
        write_rule_change,
    )
    from tradepilot.workspace import init_workspace

    config = SimulationConfig(seed=11, n_days=420, n_skus=30, n_customers=1500,
                              demand_scale=2.0)  # fmt: skip
    store, truth = inject_risk_events(simulate_store(config))
    files = write_store(store, root / "files")
    truth["events"] += payment_events(pl.read_csv(files["truth_payments"]))
    home = root / "ws"
    engine = init_workspace(Settings(home=home, database_url=None), base_currency="EUR")
    (home / "purchasing.toml").write_text(DEMO_PURCHASING, encoding="utf-8")
    (home / "trade.toml").write_text(DEMO_TRADE, encoding="utf-8")
    for key, fmt in IMPORTS + PAYMENT_IMPORTS:
        import_file(engine, fmt=fmt, path=files[key])
    write_rule_change(home, truth["rule_effective_from"])
    import_reviews_with_spike(engine, home, store, truth, inject_review_spike)
    (root / "truth.json").write_text(json.dumps(truth), encoding="utf-8")
    return engine, home, truth


def demo_store(home: Path) -> tuple[Any, Path, dict[str, Any]]:
    """A workspace built by ``tradepilot demo`` (the risk events' truth is in its
    ``demo-data/truth/risk_events.json``)."""
    from tradepilot.config import Settings
    from tradepilot.store.engine import create_engine

    truth_file = home / "demo-data" / "truth" / "risk_events.json"
    if not truth_file.exists():
        sys.exit(
            f"{truth_file} not found: build it with `tradepilot demo --no-serve -w {home}`"
        )
    engine = create_engine(Settings(home=home, database_url=None))
    return engine, home, json.loads(truth_file.read_text(encoding="utf-8"))


def import_reviews_with_spike(
    engine: Any, home: Path, store: Any, truth: dict[str, Any], inject: Any
) -> None:
    """The simulated reviews, with the bad batch of the truth's review SKU."""
    from tradepilot.reviews.service import import_reviews
    from tradepilot.simulate.reviews import simulate_reviews, write_reviews

    reviews = simulate_reviews(store.orders, store.order_lines)
    end = dt.date.fromisoformat(truth["end"])
    # not a SKU whose sales the other events move
    moved = {e["subject"].removeprefix("sku ")
             for e in (*truth["events"], *truth["side_effects"])}  # fmt: skip
    reviews, sku = inject(reviews, store.orders, store.order_lines, end=end,
                          exclude=moved)  # fmt: skip
    truth["events"].append({"kind": "review_sentiment", "subject": f"sku {sku}"})
    paths = write_reviews(reviews, home / "reviews")
    import_reviews(engine, path=paths["reviews"], home=home, fmt="shopify")


def judge(engine: Any, home: Path, truth: dict[str, Any]) -> dict[str, Any]:
    """Run the monitors twice a week apart and score them against the truth."""
    from tradepilot.risk.service import list_alerts, run_monitors

    end = dt.date.fromisoformat(truth["end"])
    seen: set[tuple[str, str]] = set()
    runs = []
    for day in (end - dt.timedelta(days=7), end):
        started = time.perf_counter()
        runs.append(run_monitors(engine, home=home, today=day))
        runs[-1]["seconds"] = round(time.perf_counter() - started, 1)
        seen |= {(a["kind"], a["subject"]) for a in list_alerts(engine)["alerts"]}
    fraud = {f"order {o}" for o in truth["fraud_orders"]}
    found = []
    for event in truth["events"]:
        if event["kind"] == "order_risk":
            hit = any(k == "order_risk" and s in fraud for k, s in seen)
        else:
            hit = (event["kind"], event["subject"]) in seen
        found.append({**event, "found": hit})
    injected = {e["kind"] for e in truth["events"]}
    # the fraud orders really moved the dearest SKU's and the destination's sales
    subjects = {(e["kind"], e["subject"])
                for e in (*truth["events"], *truth["side_effects"])}  # fmt: skip
    top = list_alerts(engine)["alerts"][:10]

    def noise(a: dict[str, Any]) -> bool:
        if a["kind"] == "order_risk":
            return a["subject"] not in fraud
        return a["kind"] in injected and (a["kind"], a["subject"]) not in subjects

    return {
        "runs": runs,
        "events": found,
        "recall": sum(e["found"] for e in found) / len(found),
        "top10": [(a["kind"], a["subject"], a["money_at_stake_base"]) for a in top],
        "noise_top10": sum(noise(a) for a in top),
        "unjudged_top10": sum(a["kind"] not in injected for a in top),
        "kinds_open": sorted(runs[-1]["by_kind"]),
    }


def order_ranking(engine: Any, truth: dict[str, Any]) -> dict[str, float]:
    """ROC AUC and precision@20 of the order-risk scores."""
    from sklearn.metrics import roc_auc_score

    from tradepilot.risk.order_service import risk_orders

    orders = risk_orders(engine)["orders"]
    fraud = set(truth["fraud_orders"])
    labels = [o["order"] in fraud for o in orders]
    scores = [o["score"] for o in orders]
    return {
        "orders": len(orders),
        "fraud": sum(labels),
        "auc": round(float(roc_auc_score(labels, scores)), 4),
        "precision_at_20": sum(labels[:20]) / 20,
    }


def online_retail_seconds(root: Path) -> tuple[float, float] | None:
    """Wall and CPU seconds of one monitors run over the imported Online Retail
    workspace (CPU: this process's, all threads)."""
    if not ONLINE_RETAIL.exists():
        return None
    from tradepilot.config import Settings
    from tradepilot.ingest.service import import_file
    from tradepilot.risk.service import run_monitors
    from tradepilot.workspace import init_workspace

    home = root / "online-retail"
    engine = init_workspace(Settings(home=home, database_url=None), base_currency="GBP")
    import_file(engine, fmt="online-retail", path=ONLINE_RETAIL)
    started, cpu = time.perf_counter(), time.process_time()
    report = run_monitors(engine, home=home)
    seconds = time.perf_counter() - started
    print(f"Online Retail: {report['alerts_open']} open alerts {report['by_kind']};"
          f" notes: {report['notes']}")  # fmt: skip
    return round(seconds, 1), round(time.process_time() - cpu, 1)


def main() -> None:
    keep = os.environ.get("RISK_BENCH_KEEP")  # a folder to keep the workspaces in
    if "--online-retail-only" in sys.argv:
        time_online_retail(keep)
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(keep or tmp)
        started = time.perf_counter()
        if "--demo" in sys.argv:  # a `tradepilot demo` workspace and its truth
            engine, home, truth = demo_store(
                Path(sys.argv[sys.argv.index("--demo") + 1])
            )
            print(f"demo workspace {home}")
        else:
            engine, home, truth = build_store(root)
            print(f"simulated store with injected events built in "
                  f"{time.perf_counter() - started:.0f} s")  # fmt: skip
        result = judge(engine, home, truth)
        ranking = order_ranking(engine, truth)
    for run in result["runs"]:
        print(f"run as of {run['today']}: open {run['alerts_open']}, new {run['new']},"
              f" updated {run['updated']}, closed {run['closed']},"
              f" {run['seconds']} s; {run['by_kind']}")  # fmt: skip
    for event in result["events"]:
        print(f"  {'found' if event['found'] else 'MISSED'}: {event['kind']}"
              f" {event['subject']}")  # fmt: skip
    print("top 10 by money at stake:")
    for kind, subject, money in result["top10"]:
        print(f"  {money:>12,.2f}  {kind:<15} {subject}")
    rows = [
        ("recall of injected events", result["recall"], ">=", TARGETS["recall"]),
        ("noise alerts in the top 10", result["noise_top10"], "<=",
         TARGETS["noise_top10"]),
        ("order risk ROC AUC", ranking["auc"], ">=", TARGETS["auc"]),
        ("order risk precision@20", ranking["precision_at_20"], ">=",
         TARGETS["precision_at_20"]),
    ]  # fmt: skip
    print(
        f"kinds with open alerts: {len(result['kinds_open'])} {result['kinds_open']};"
        f" unjudged kinds in the top 10: {result['unjudged_top10']};"
        f" orders scored {ranking['orders']}, fraudulent {ranking['fraud']}"
    )
    print_rows(rows)
    if "--skip-online-retail" not in sys.argv and "--demo" not in sys.argv:
        time_online_retail(keep)


def time_online_retail(keep: str | None) -> None:
    """Import Online Retail and print the time of one monitors run against target."""
    with tempfile.TemporaryDirectory() as tmp:
        seconds = online_retail_seconds(Path(keep or tmp))
    if seconds is not None:
        wall, cpu = seconds
        limit = TARGETS["online_retail_seconds"]
        # on a shared machine wall time is the load's: CPU is what the run costs
        load = os.getloadavg()[0]
        print(f"monitors on Online Retail: {wall} s wall at a load of {load:.1f}"
              f" on {os.cpu_count()} cores")  # fmt: skip
        print_rows([("monitors on Online Retail (CPU s)", cpu, "<=", limit)])


def print_rows(rows: list[tuple[str, Any, str, Any]]) -> None:
    """One line per target: value, target, met or not."""
    for label, value, op, target in rows:
        met = value >= target if op == ">=" else value <= target
        print(f"{label:<32} {value:>8}   target {op} {target}   "
              f"{'met' if met else 'NOT met'}")  # fmt: skip


if __name__ == "__main__":
    main()
