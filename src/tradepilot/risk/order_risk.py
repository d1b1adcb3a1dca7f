"""Order risk: checkable signals per order, combined by transparent rules and an
IsolationForest, each score explained by its top signals (pure, no I/O).

Signals (each a number in [0, 1] a seller can check on the order):

* ``first_order_high_value``: a new buyer (a guest, or the day of the buyer's
  first order) and an order in the top 5% by value;
* ``many_units_one_sku``: more units of one SKU than 99% of lines;
* ``velocity``: other orders the same day from the same customer, e-mail or
  address;
* ``risky_destination``: a destination the seller rarely ships to (under 1% of
  orders) or listed in ``risk.toml``;
* ``unusual_hour``: an hour under 2% of the destination's orders;
* ``country_mismatch``: billing and shipping countries differ, where the data
  has both (the canonical store keeps the shipping country only, so it is absent
  for imported orders).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import polars as pl

SIGNALS = (
    "first_order_high_value",
    "many_units_one_sku",
    "velocity",
    "risky_destination",
    "unusual_hour",
    "country_mismatch",
)
WEIGHTS = {
    "first_order_high_value": 0.35,
    "many_units_one_sku": 0.25,
    "velocity": 0.3,
    "risky_destination": 0.2,
    "unusual_hour": 0.15,
    "country_mismatch": 0.3,
}
RULE_SHARE = 0.7  # final score: 70% rules, 30% isolation forest


def order_signals(orders: pl.DataFrame, *, risky: tuple[str, ...] = ()) -> pl.DataFrame:
    """Signal columns per order.

    Parameters
    ----------
    orders : polars.DataFrame
        One row per sale order: ``order, ordered_at`` (UTC datetime), ``country``,
        ``customer`` (null for a guest), ``email``, ``address``, ``value`` (base
        currency), ``max_units`` (largest quantity of one SKU), optionally
        ``billing_country``.
    risky : tuple of str
        Destinations the seller lists as high-risk for reshipping.
    """
    value_p95 = float(orders["value"].quantile(0.95) or 0.0)
    units_p99 = max(float(orders["max_units"].quantile(0.99) or 1.0), 1.0)
    shares = orders.group_by("country").agg(share=pl.len() / orders.height)
    frame = orders.sort("ordered_at").with_columns(
        day=pl.col("ordered_at").dt.date(),
        hour=pl.col("ordered_at").dt.hour(),
        new=pl.col("customer").is_null()
        | (
            pl.col("ordered_at").dt.date()
            == pl.col("ordered_at").dt.date().min().over("customer")
        ),
    )
    hours = (
        frame.group_by("country", "hour")
        .agg(n=pl.len())
        .with_columns(hour_share=pl.col("n") / pl.col("n").sum().over("country"))
    )
    frame = frame.join(shares, on="country").join(
        hours.select("country", "hour", "hour_share"), on=["country", "hour"]
    )
    same_day = [
        (pl.len().over(key, "day") - 1).fill_null(0).alias(f"v_{key}")
        for key in ("customer", "email", "address")
    ]
    frame = frame.with_columns(same_day).with_columns(
        [
            pl.when(pl.col(f"{key}").is_null())
            .then(0)
            .otherwise(pl.col(f"v_{key}"))
            .alias(f"v_{key}")
            for key in ("customer", "email", "address")
        ]  # fmt: skip
    )
    mismatch = (
        (pl.col("billing_country") != pl.col("country")).fill_null(False)
        if "billing_country" in frame.columns
        else pl.lit(False)
    )
    return frame.select(
        "order",
        "ordered_at",
        "country",
        "value",
        first_order_high_value=(pl.col("new") & (pl.col("value") > value_p95)).cast(
            pl.Float64
        )
        * (pl.col("value") / max(value_p95, 1e-9)).clip(1.0, 2.0)
        / 2.0,
        many_units_one_sku=((pl.col("max_units") / units_p99) - 1).clip(0.0, 1.0),
        velocity=(pl.max_horizontal("v_customer", "v_email", "v_address") / 3).clip(
            0.0, 1.0
        ),
        risky_destination=(
            (pl.col("share") < 0.01) | pl.col("country").is_in(list(risky))
        ).cast(pl.Float64),
        unusual_hour=(pl.col("hour_share") < 0.02).cast(pl.Float64),
        country_mismatch=mismatch.cast(pl.Float64),
    )


def reweigh(signals: pl.DataFrame, marks: Mapping[str, str]) -> dict[str, float]:
    """Signal weights re-weighed by the seller's marks: a signal present on orders
    marked fraud gains weight, on orders marked legit loses it (factor
    ``(fraud + 1) / (legit + 1)`` of the marked orders showing it, within 1/4..4)."""
    weights = dict(WEIGHTS)
    if not marks:
        return weights
    marked = signals.filter(pl.col("order").is_in(list(marks)))
    labels = [marks[o] for o in marked["order"].to_list()]
    for name in SIGNALS:
        shown = marked[name].to_numpy() > 0
        fraud = sum(
            1 for s, lab in zip(shown, labels, strict=True) if s and lab == "fraud"
        )
        legit = sum(
            1 for s, lab in zip(shown, labels, strict=True) if s and lab == "legit"
        )
        weights[name] = WEIGHTS[name] * float(
            np.clip((fraud + 1) / (legit + 1), 0.25, 4)
        )
    return weights


def score_orders(
    signals: pl.DataFrame, weights: Mapping[str, float], *, seed: int = 0
) -> pl.DataFrame:
    """``order, score, rule_score, anomaly`` and the signal columns, highest first.

    The rule score is the weighted sum of the signals over the sum of the weights
    (1 when every signal is at its maximum); the anomaly
    score is the IsolationForest's, as a rank in [0, 1], over the signals and the
    order value.
    """
    from sklearn.ensemble import IsolationForest

    matrix = signals.select(*SIGNALS).to_numpy().astype(float)
    value = np.log1p(signals["value"].to_numpy().astype(float))
    features = np.column_stack([matrix, value])
    # share of the total weight the order's signals carry: more signals, higher
    weight = np.array([weights[s] for s in SIGNALS])
    rule = matrix @ weight / weight.sum()
    if len(signals) >= 20:
        forest = IsolationForest(n_estimators=100, random_state=seed).fit(features)
        raw = -forest.score_samples(features)
        anomaly = raw.argsort().argsort() / max(len(raw) - 1, 1)
    else:  # too few orders to learn what is usual
        anomaly = np.zeros(len(signals))
    score = RULE_SHARE * rule + (1 - RULE_SHARE) * anomaly
    return signals.with_columns(
        score=pl.Series(np.round(score, 4)),
        rule_score=pl.Series(np.round(rule, 4)),
        anomaly=pl.Series(np.round(anomaly, 4)),
    ).sort(["score", "order"], descending=[True, False])


def explain(
    row: Mapping[str, float], weights: Mapping[str, float]
) -> list[dict[str, object]]:
    """The signals present on one scored order, largest contribution first."""
    found = [
        {"signal": s, "value": round(float(row[s]), 3),
         "contribution": round(float(row[s]) * weights[s], 3)}
        for s in SIGNALS
        if row[s] > 0
    ]  # fmt: skip
    return sorted(found, key=lambda f: -float(f["contribution"]))  # type: ignore[arg-type]
