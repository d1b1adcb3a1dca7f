"""Who buys in the next 90 days: gradient boosting on held-out time (pure).

Features of every customer who has bought by a cutoff day ``c``, from purchase days
up to ``c`` only: days since the last and the first purchase, purchase days (all,
and in the last 30, 90 and 180 days), spend (total and per purchase day), mean gap
between purchase days and how overdue the customer is against it, the return rate,
the calendar month of ``c`` (sine and cosine) and the share of the customer's
purchase days that fell in the coming 90 days' calendar months a year earlier. The
label is whether the customer buys on any day in ``(c, c + 90]``.

:func:`evaluate_propensity` trains a scikit-learn ``HistGradientBoostingClassifier``
on cutoffs every :data:`STEP_DAYS` days whose labels end before the evaluation
cutoff (no look-ahead), scores the customers at the evaluation cutoff, and reports
its ROC AUC beside the AUC of the RFM score (the sum of the three quintile scores)
on the same customers.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from tradepilot.customers.segments import rfm_scores
from tradepilot.domain.errors import DataValidationError

WINDOW_DAYS = 90
STEP_DAYS = 30
MIN_TRAIN_CUTOFFS = 1
MIN_HISTORY_DAYS = 60
FEATURES = (
    "recency", "tenure", "frequency", "recent_30", "recent_90", "recent_180",
    "monetary", "spend_per_day", "mean_gap", "overdue", "return_rate",
    "month_sin", "month_cos", "last_year_share",
)  # fmt: skip


@dataclass(frozen=True)
class PropensityReport:
    """Scores at the evaluation cutoff and the AUCs."""

    cutoff: dt.date
    train_until: dt.date
    scores: pl.DataFrame  # customer, probability, rfm_score, label
    auc: float
    rfm_auc: float
    train_rows: int

    def as_dict(self) -> dict[str, Any]:
        """JSON form (without the per-customer scores)."""
        return {
            "cutoff": self.cutoff.isoformat(),
            "train_until": self.train_until.isoformat(),
            "window_days": WINDOW_DAYS,
            "customers": self.scores.height,
            "buyers": int(self.scores["label"].sum()),
            "auc": round(self.auc, 4),
            "rfm_auc": round(self.rfm_auc, 4),
            "train_rows": self.train_rows,
            "model": "HistGradientBoostingClassifier",
        }


def features_at(days: pl.DataFrame, cutoff: dt.date) -> pl.DataFrame:
    """Features of every customer with a purchase day on or before ``cutoff``.

    Parameters
    ----------
    days : polars.DataFrame
        ``customer, day, amount, returns`` one row per purchase day (``returns``:
        the day's returned amount, positive).
    """
    seen = days.filter(pl.col("day") <= cutoff)
    c = pl.lit(cutoff)
    since = (c - pl.col("day")).dt.total_days()
    month = cutoff.month
    coming = {((month - 1 + k) % 12) + 1 for k in range(1, 4)}
    year_ago = (pl.col("day") > pl.lit(cutoff - dt.timedelta(days=365))) & (
        pl.col("day") <= pl.lit(cutoff - dt.timedelta(days=365 - WINDOW_DAYS))
    )
    frame = seen.group_by("customer").agg(
        since.min().alias("recency"),
        since.max().alias("tenure"),
        pl.len().alias("frequency"),
        *[(since < d).sum().alias(f"recent_{d}") for d in (30, 90, 180)],
        pl.col("amount").sum().alias("monetary"),
        pl.col("returns").sum().alias("_returns"),
        (year_ago & pl.col("day").dt.month().is_in(list(coming)))
        .sum()
        .alias("_last_year"),
    )
    gap = pl.col("tenure") / (pl.col("frequency") - 1)
    return (
        frame.with_columns(
            (pl.col("monetary") / pl.col("frequency")).alias("spend_per_day"),
            pl.when(pl.col("frequency") > 1).then(gap).alias("mean_gap"),
            pl.when(pl.col("frequency") > 1)
            .then(pl.col("recency") / gap)
            .alias("overdue"),
            pl.when(pl.col("monetary") > 0)
            .then(pl.col("_returns") / pl.col("monetary"))
            .otherwise(0.0)
            .alias("return_rate"),
            pl.lit(math.sin(2 * math.pi * month / 12)).alias("month_sin"),
            pl.lit(math.cos(2 * math.pi * month / 12)).alias("month_cos"),
            (pl.col("_last_year") / pl.col("frequency")).alias("last_year_share"),
        )
        .drop("_returns", "_last_year")
        .sort("customer")
    )


def labels_at(days: pl.DataFrame, cutoff: dt.date) -> pl.DataFrame:
    """``customer, label``: 1 for customers buying in ``(cutoff, cutoff + 90]``."""
    end = cutoff + dt.timedelta(days=WINDOW_DAYS)
    buyers = days.filter((pl.col("day") > cutoff) & (pl.col("day") <= end))
    return buyers.select("customer").unique().with_columns(pl.lit(1).alias("label"))


def labelled(days: pl.DataFrame, cutoff: dt.date) -> pl.DataFrame:
    """Features at ``cutoff`` with the next-90-days label (0 where none)."""
    return (
        features_at(days, cutoff)
        .join(labels_at(days, cutoff), on="customer", how="left")
        .with_columns(pl.col("label").fill_null(0))
    )


def evaluate_propensity(
    days: pl.DataFrame,
    *,
    cutoff: dt.date,
    data_end: dt.date | None = None,
    random_state: int = 0,
) -> PropensityReport:
    """Train on earlier cutoffs, score and compare with RFM at ``cutoff``.

    ``data_end`` is the last day of data (default: the last purchase day).

    Raises
    ------
    DataValidationError
        If there is not a full 90 days of data after ``cutoff``, or too little
        history before it to train on, or the held-out labels are all alike.
    """
    first, last = _span(days)
    last = data_end or last
    if cutoff + dt.timedelta(days=WINDOW_DAYS) > last:
        raise DataValidationError(
            f"the propensity check needs {WINDOW_DAYS} days of data after the cutoff"
            f" {cutoff.isoformat()}; the data end on {last.isoformat()}"
        )
    train_cutoffs = _train_cutoffs(first, cutoff)
    if len(train_cutoffs) < MIN_TRAIN_CUTOFFS:
        raise DataValidationError(
            f"too little history before {cutoff.isoformat()} to train on: purchases"
            f" start on {first.isoformat()}, and a training window needs"
            f" {MIN_HISTORY_DAYS} days of history and {WINDOW_DAYS} days of outcome"
        )
    train = pl.concat([labelled(days, c) for c in train_cutoffs])
    test = labelled(days, cutoff)
    if test["label"].n_unique() < 2:
        raise DataValidationError("every customer bought, or none: AUC is undefined")
    model = _fit(train, random_state)
    probability = model.predict_proba(_matrix(test))[:, 1]
    scored = rfm_scores(
        test.rename({"recency": "days_since_last", "frequency": "orders"}).with_columns(
            pl.col("monetary").alias("revenue")
        )
    )
    rfm = (scored["r_score"] + scored["f_score"] + scored["m_score"]).to_numpy()
    labels = test["label"].to_numpy()
    return PropensityReport(
        cutoff=cutoff,
        train_until=train_cutoffs[-1] + dt.timedelta(days=WINDOW_DAYS),
        scores=test.select("customer", "label").with_columns(
            pl.Series("probability", probability), pl.Series("rfm_score", rfm)
        ),
        auc=_auc(labels, probability),
        rfm_auc=_auc(labels, rfm.astype(float)),
        train_rows=train.height,
    )


def predict_propensity(
    days: pl.DataFrame, *, at: dt.date, random_state: int = 0
) -> pl.DataFrame:
    """``customer, probability`` of buying in ``(at, at + 90]``, from a model trained
    on every cutoff whose 90-day outcome is in the data.

    Raises
    ------
    DataValidationError
        If no training window fits in the data.
    """
    first, last = _span(days)
    cutoffs = _train_cutoffs(first, min(at, last))
    if not cutoffs:
        raise DataValidationError(
            f"too little history to train the propensity model: purchases run from"
            f" {first.isoformat()} to {last.isoformat()}"
        )
    train = pl.concat([labelled(days, c) for c in cutoffs])
    if train["label"].n_unique() < 2:
        raise DataValidationError("every customer bought, or none: nothing to learn")
    model = _fit(train, random_state)
    now = features_at(days, at)
    probability = model.predict_proba(_matrix(now))[:, 1]
    return now.select("customer").with_columns(pl.Series("probability", probability))


def _span(days: pl.DataFrame) -> tuple[dt.date, dt.date]:
    first, last = days["day"].min(), days["day"].max()
    if not isinstance(first, dt.date) or not isinstance(last, dt.date):
        raise DataValidationError("no purchases to learn from")
    return first, last


def _train_cutoffs(first: dt.date, cutoff: dt.date) -> list[dt.date]:
    """Cutoffs every STEP_DAYS whose 90-day outcome ends by ``cutoff``."""
    latest = cutoff - dt.timedelta(days=WINDOW_DAYS)
    earliest = first + dt.timedelta(days=MIN_HISTORY_DAYS)
    cutoffs = []
    day = latest
    while day >= earliest:
        cutoffs.append(day)
        day -= dt.timedelta(days=STEP_DAYS)
    return sorted(cutoffs)


def _matrix(frame: pl.DataFrame) -> np.ndarray:
    return frame.select(pl.col(list(FEATURES)).cast(pl.Float64)).to_numpy()


def _fit(train: pl.DataFrame, random_state: int) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits

    # Small trees, few of them: the training windows are few and early in the
    # history; larger models fit them better and the held-out window worse.
    model = HistGradientBoostingClassifier(
        max_iter=100, learning_rate=0.05, max_leaf_nodes=7, min_samples_leaf=100,
        random_state=random_state,
    )  # fmt: skip
    with threadpool_limits(1):
        return model.fit(_matrix(train), train["label"].to_numpy())


def _auc(labels: np.ndarray, scores: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores))
