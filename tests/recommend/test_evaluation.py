"""Held-out evaluation: every method in one run, blends chosen before the cutoff."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from tradepilot.recommend.evaluation import METHODS, evaluate

START = dt.date(2024, 1, 1)
CUTOFF = dt.date(2024, 8, 1)
END = dt.date(2024, 10, 1)


def regulars(seed: int = 0) -> pl.DataFrame:
    """80 customers in 5 groups of taste (6 items each): each buys 2 of their 3
    favourite items every 2-3 weeks, and from the cutoff on also tries another
    item of their group, so the items new to them are their neighbours'."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(80):
        group = np.arange((c % 5) * 6, (c % 5) * 6 + 6)
        taste = rng.choice(group, 3, replace=False)
        day = START + dt.timedelta(days=int(rng.integers(0, 14)))
        while day < END:
            items = list(rng.choice(taste, 2, replace=False))
            if day >= CUTOFF:
                items.append(rng.choice(group))
            rows += [(f"c{c}", f"sku{item:02d}", day) for item in items]
            day += dt.timedelta(days=int(rng.integers(14, 22)))
    return pl.DataFrame(rows, schema=["customer", "sku", "day"], orient="row")


def test_every_method_is_scored_in_one_run() -> None:
    purchases = regulars()

    found = evaluate(purchases, purchases.select("sku", "day"), cutoff=CUTOFF,
                     test_end=END)  # fmt: skip

    rows = {r["method"]: r for r in found["methods"]}
    assert list(rows) == list(METHODS)
    assert found["customers"] == 80
    assert found["validation_start"] == "2024-06-01"  # 61 days, as the test
    assert found["blends"]["next"]["chosen_on"] == "validation"
    # customers keep buying their own items: P-TopFreq is strong, popularity (the
    # same 10 of 30 items for all) weak; the items new to a customer are those of
    # their group, which neighbours find and popularity does not
    assert rows["p_topfreq"]["recall"] > 0.6 > 0.4 > rows["popularity"]["recall"]
    assert rows["blend"]["recall"] >= rows["p_topfreq"]["recall"]
    assert rows["p_topfreq"]["new_recall"] == 0.0  # it lists only bought items
    assert rows["blend"]["new_recall"] > 0.9 > 0.5 > rows["popularity"]["new_recall"]
    assert found["ratios"]["next_vs_p_topfreq"] == pytest.approx(
        rows["blend"]["recall"] / rows["p_topfreq"]["recall"], abs=1e-3
    )


def test_the_test_period_is_not_seen_before_scoring() -> None:
    full = regulars()
    # the same history, but different purchases after the cutoff
    altered = full.with_columns(
        sku=pl.when(pl.col("day") >= CUTOFF).then(pl.lit("sku00")).otherwise("sku")
    )

    first = evaluate(full, full.select("sku", "day"), cutoff=CUTOFF, test_end=END)
    second = evaluate(altered, altered.select("sku", "day"), cutoff=CUTOFF,
                      test_end=END)  # fmt: skip

    assert first["blends"] == second["blends"]
    assert first["items_sold_today"] == second["items_sold_today"]
    assert first["methods"] != second["methods"]
