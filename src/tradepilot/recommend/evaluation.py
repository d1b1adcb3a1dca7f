"""Held-out-time evaluation of every recommender and the blends, in one run.

Protocol, for a cutoff ``D`` and a test period of ``T`` days:

1. *Validation* (choosing the blends): models fitted on purchases before
   ``D - T`` are scored on what customers bought in ``[D - T, D)``; the blend
   weights maximising recall@k there are kept.
2. *Test*: every model is refitted on purchases before ``D`` and scored on what
   customers who bought both before ``D`` and in ``[D, D + T)`` bought then.
   ``next`` lists may hold any item sold today; ``new`` lists only items the
   customer never bought, scored against the test items new to them.

Nothing from the test period is seen before step 2's scoring.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import numpy as np
import polars as pl

from tradepilot.recommend.metrics import ranking_metrics
from tradepilot.recommend.pipeline import (
    RecommendConfig,
    Truth,
    fit_with_blends,
    truth_of,
    unseen_truth,
)

METHODS = ("popularity", "trending", "p_topfreq", "frequency", "repurchase",
           "item_knn", "user_knn", "als", "blend")  # fmt: skip


def evaluate(
    purchases: pl.DataFrame,
    sales: pl.DataFrame,
    *,
    cutoff: dt.date,
    test_end: dt.date,
    config: RecommendConfig | None = None,
) -> dict[str, Any]:
    """Every method's recall@k, capped recall, NDCG@k and new-item recall.

    Parameters
    ----------
    purchases : polars.DataFrame
        ``customer, sku, day[, quantity]`` of identified customers' purchases.
    sales : polars.DataFrame
        ``sku, day`` of every product sale (what is sold on a day).
    cutoff : datetime.date
        First test day; models see only purchases before it.
    test_end : datetime.date
        Day after the test period.
    config : RecommendConfig, optional
        Settings; ``horizon_days`` is replaced by the test period's length.

    Returns
    -------
    dict
        ``cutoff``, ``test_end``, ``validation_start``, ``k``, ``customers``,
        ``customers_with_new_items``, ``methods`` (one row per method:
        ``method, recall, recall_capped, ndcg, new_recall, new_recall_capped,
        new_ndcg``), ``blends`` (weights and how they were chosen) and
        ``ratios`` (the targets' ratios: ``next_vs_p_topfreq``,
        ``new_vs_popularity``).
    """
    days = (test_end - cutoff).days
    config = replace(config or RecommendConfig(), horizon_days=days)
    fitted = fit_with_blends(purchases, sales, as_of=cutoff, config=config)
    truth = truth_of(fitted.fitted(), purchases, start=cutoff, end=test_end)
    new_truth = unseen_truth(fitted, truth)
    requests = [(m, name) for m in METHODS for name in ("next", "new")]
    tops = fitted.top(truth.rows, requests)
    rows = [_method_row(m, tops, truth, new_truth) for m in METHODS]
    by_name = {row["method"]: row for row in rows}
    return {
        "cutoff": cutoff.isoformat(),
        "test_end": test_end.isoformat(),
        "validation_start": (cutoff - dt.timedelta(days=days)).isoformat(),
        "k": config.k,
        "customers": len(truth.rows),
        "customers_with_new_items": int((new_truth.n_relevant > 0).sum()),
        "items_sold_today": int(
            np.sum(fitted.allowed_ if fitted.allowed_ is not None else 0)
        ),
        "methods": rows,
        "blends": {
            name: {
                "weights": choice.weights,
                "chosen_on": choice.chosen_on,
                "validation_recall": choice.validation_recall,
                "weight_sets_tried": choice.tried,
            }
            for name, choice in fitted.blends_.items()
        },
        "ratios": {
            "next_vs_p_topfreq": _ratio(
                by_name["blend"]["recall"], by_name["p_topfreq"]["recall"]
            ),
            "new_vs_popularity": _ratio(
                by_name["blend"]["new_recall"], by_name["popularity"]["new_recall"]
            ),
        },
    }


def _method_row(
    method: str,
    tops: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]],
    truth: Truth,
    new_truth: Truth,
) -> dict[str, Any]:
    # new lists are scored against the items new to each customer
    found = ranking_metrics(tops[method, "next"][0], truth.relevant, truth.n_relevant)
    new = ranking_metrics(
        tops[method, "new"][0], new_truth.relevant, new_truth.n_relevant
    )
    return {
        "method": method,
        "recall": round(found.recall, 4),
        "recall_capped": round(found.recall_capped, 4),
        "ndcg": round(found.ndcg, 4),
        "new_recall": round(new.recall, 4),
        "new_recall_capped": round(new.recall_capped, 4),
        "new_ndcg": round(new.ndcg, 4),
    }


def _ratio(value: float, base: float) -> float | None:
    return round(value / base, 3) if base > 0 else None
