"""Recommendation benchmark: every recommender against the two baselines of
next-basket recommendation (popularity and P-TopFreq), in one run.

Prints, from one run on this machine:

1. UCI Online Retail imported into a temporary workspace (the real ``import``
   path), models trained on purchases before 2011-09-01 (the blends chosen on the
   weeks before it), scored on what customers who bought in both periods bought
   from 2011-09-01 up to 2011-12-09: recall@10 (|hits| / |bought|), capped
   recall@10 (|hits| / min(10, |bought|)) and NDCG@10 of the ``next`` lists, and
   recall@10 of the ``new`` lists on the items new to each customer, for every
   method; a bootstrap interval of the target ratios over customers.
2. ``tradepilot recommend export`` for every customer of the whole file in a fresh
   process: wall time and peak memory.

Targets (issue 12): ``next`` recall@10 >= 1.10x P-TopFreq; ``new`` recall on items
new to the customer >= 1.8x popularity restricted to items the customer never
bought; every customer's lists in < 60 s and < 2 GB.

Usage: ``python bench/recommend_bench.py [--file PATH] [--workspace DIR] [--json]``
(``--workspace`` reuses a workspace that already holds the file).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_FILE = (
    Path(__file__).resolve().parents[2]
    / "shared/data/online_retail/online_retail_2010_2011.csv.gz"
)
CUTOFF = dt.date(2011, 9, 1)
TEST_WEEKS = 15  # to the end of the file, 2011-12-09
TARGETS = {"next_vs_p_topfreq": 1.10, "new_vs_popularity": 1.80}


def import_workspace(path: Path, home: Path) -> None:
    """Create a workspace at ``home`` and import the Online Retail file into it."""
    from tradepilot.config import Settings
    from tradepilot.ingest.service import import_file
    from tradepilot.workspace import init_workspace

    engine = init_workspace(Settings(home=home, database_url=None), base_currency="GBP")
    import_file(engine, fmt="online-retail", path=path)
    engine.dispose()


def evaluation(home: Path) -> dict[str, Any]:
    """``recommend evaluate`` at the cutoff, plus bootstrap intervals of the ratios."""
    from tradepilot.config import Settings
    from tradepilot.recommend.service import evaluate_recommendations
    from tradepilot.workspace import open_store

    engine = open_store(Settings(home=home, database_url=None))
    start = time.perf_counter()
    report = evaluate_recommendations(engine, cutoff=CUTOFF, test_weeks=TEST_WEEKS)
    report["seconds"] = round(time.perf_counter() - start, 1)
    report["intervals"] = ratio_intervals(engine)
    engine.dispose()
    return report


def ratio_intervals(engine: Any, resamples: int = 1000) -> dict[str, list[float]]:
    """95% bootstrap intervals (over customers) of the two target ratios."""
    from tradepilot.recommend.pipeline import (
        RecommendConfig,
        fit_with_blends,
        truth_of,
        unseen_truth,
    )
    from tradepilot.recommend.service import read_store

    store = read_store(engine)
    end = dt.date(2011, 12, 10)
    config = RecommendConfig(horizon_days=(end - CUTOFF).days)
    fitted = fit_with_blends(store.purchases, store.sales, as_of=CUTOFF, config=config)
    truth = truth_of(fitted.fitted(), store.purchases, start=CUTOFF, end=end)
    new = unseen_truth(fitted, truth)
    requests = [("blend", "next"), ("p_topfreq", "next"), ("blend", "new"),
                ("popularity", "new")]  # fmt: skip
    tops = fitted.top(truth.rows, requests)
    recalls = {
        request: _per_customer(tops[request][0], t)
        for request, t in zip(requests, [truth, truth, new, new], strict=True)
    }
    rng = np.random.default_rng(0)
    found = {}
    for name, (num, den) in {
        "next_vs_p_topfreq": (("blend", "next"), ("p_topfreq", "next")),
        "new_vs_popularity": (("blend", "new"), ("popularity", "new")),
    }.items():
        a, b = recalls[num], recalls[den]
        picks = rng.integers(0, len(a), size=(resamples, len(a)))
        ratios = a[picks].mean(axis=1) / b[picks].mean(axis=1)
        found[name] = [round(float(q), 3) for q in np.quantile(ratios, [0.025, 0.975])]
    return found


def _per_customer(top: np.ndarray, truth: Any) -> np.ndarray:
    keep = truth.n_relevant > 0
    hits = [
        sum(1 for c in row if c >= 0 and int(c) in items)
        for row, items in zip(top, truth.relevant, strict=True)
    ]
    return (np.array(hits) / np.maximum(truth.n_relevant, 1))[keep]


def export_run(home: Path) -> dict[str, Any]:
    """``tradepilot recommend export`` in a fresh process: time, memory, rows."""
    out = home / "recommendations.csv"
    script = Path(sys.executable).with_name("tradepilot")
    command = [str(script), "recommend", "export", "--out", str(out), "-w", str(home),
               "--json"]  # fmt: skip
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    summary = json.loads(done.stdout)
    return {"seconds": round(seconds, 1), "peak_mb": round(peak),
            "customers": summary["customers"], "rows": summary["rows"]}  # fmt: skip


def print_report(report: dict[str, Any], export: dict[str, Any]) -> None:
    """The evaluation table, the target ratios and the export's cost."""
    print(
        f"UCI Online Retail: trained before {report['cutoff']}, scored to "
        f"{report['test_end']} (exclusive) on {report['customers']:,} customers "
        f"who bought in both periods ({report['customers_with_new_items']:,} bought "
        f"items new to them); {report['items_sold_today']:,} products sold today"
    )
    print(f"{'method':<12}{'recall@10':>11}{'capped':>9}{'NDCG@10':>9}"
          f"{'new recall@10':>15}{'new NDCG':>10}")  # fmt: skip
    for m in report["methods"]:
        print(f"{m['method']:<12}{m['recall']:>11.4f}{m['recall_capped']:>9.4f}"
              f"{m['ndcg']:>9.4f}{m['new_recall']:>15.4f}{m['new_ndcg']:>10.4f}")  # fmt: skip
    for name, choice in report["blends"].items():
        weights = ", ".join(f"{k} {v:g}" for k, v in choice["weights"].items() if v)
        print(f"blend {name}: {weights} (chosen on {report['validation_start']} to "
              f"{report['cutoff']}: validation recall {choice['validation_recall']})")  # fmt: skip
    for name, target in TARGETS.items():
        ratio = report["ratios"][name]
        low, high = report["intervals"][name]
        verdict = "met" if ratio >= target else "NOT met"
        print(f"{name}: {ratio:.3f}x (95% bootstrap {low:.3f}-{high:.3f}), "
              f"target >= {target:.2f}x: {verdict}")  # fmt: skip
    print(f"evaluation (both fits, every method): {report['seconds']} s")
    verdict = (
        "met" if export["seconds"] < 60 and export["peak_mb"] < 2048 else "NOT met"
    )
    print(f"export, every customer ({export['customers']:,}, {export['rows']:,} rows): "
          f"{export['seconds']} s, peak {export['peak_mb']:,} MB; target < 60 s and "
          f"< 2 GB: {verdict}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--workspace", type=Path, default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        home = args.workspace or Path(folder) / "ws"
        if args.workspace is None:
            print(f"importing {args.file} ...", file=sys.stderr)
            import_workspace(args.file, home)
        os.environ.pop("TRADEPILOT_HOME", None)
        report = evaluation(home)
        export = export_run(home)
    if args.json:
        print(json.dumps({"evaluation": report, "export": export}, indent=2))
        return
    print_report(report, export)


if __name__ == "__main__":
    main()
