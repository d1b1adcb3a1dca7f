import datetime as dt

import polars as pl

from tradepilot.risk.order_risk import (
    WEIGHTS,
    explain,
    order_signals,
    reweigh,
    score_orders,
)

START = dt.datetime(2025, 1, 1, 10, tzinfo=dt.UTC)


def _orders() -> pl.DataFrame:
    n = 200
    rows = {
        "order": [f"#{i}" for i in range(n)],
        "ordered_at": [START + dt.timedelta(hours=5 * i) for i in range(n)],
        "country": ["DE"] * n,
        "customer": [i % 50 for i in range(n)],
        "email": [f"c{i % 50}@x.de" for i in range(n)],
        "address": [f"street {i % 50}" for i in range(n)],
        "value": [20.0 + (i % 7) for i in range(n)],
        "max_units": [1 + i % 2 for i in range(n)],
    }
    base = pl.DataFrame(rows)
    fraud = pl.DataFrame(
        {
            "order": ["F1", "F2", "F3"],
            "ordered_at": [START + dt.timedelta(days=20, hours=3, minutes=m)
                           for m in (1, 2, 3)],
            "country": ["NG"] * 3,
            "customer": [900, 901, 902],
            "email": ["same@fraud.io"] * 3,
            "address": ["drop 1"] * 3,
            "value": [400.0, 420.0, 450.0],
            "max_units": [12, 10, 15],
        }
    )  # fmt: skip
    return pl.concat([base, fraud])


def test_injected_fraud_ranks_first_with_its_signals():
    signals = order_signals(_orders(), risky=("NG",))

    scored = score_orders(signals, WEIGHTS)

    assert set(scored["order"].head(3).to_list()) == {"F1", "F2", "F3"}
    top = explain(scored.row(0, named=True), WEIGHTS)
    names = {s["signal"] for s in top}
    assert {"first_order_high_value", "many_units_one_sku", "velocity",
            "risky_destination"} <= names  # fmt: skip


def test_ordinary_orders_have_no_rule_signal():
    signals = order_signals(_orders())
    ordinary = signals.filter(pl.col("order") == "#10")
    assert ordinary.select("many_units_one_sku", "velocity", "risky_destination",
                           "country_mismatch").row(0) == (0.0, 0.0, 0.0, 0.0)  # fmt: skip


def test_marks_reweigh_the_signals_they_show():
    signals = order_signals(_orders())

    weights = reweigh(signals, {"F1": "fraud", "F2": "fraud", "F3": "legit"})

    assert weights["velocity"] > WEIGHTS["velocity"]
    assert weights["country_mismatch"] == WEIGHTS["country_mismatch"]  # not shown
