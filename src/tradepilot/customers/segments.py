"""RFM scores and named data-driven segments (pure).

**RFM scores** are quintiles 1-5 of recency (days since the last order, recent =
5), frequency (sale orders) and monetary value (net revenue), ties sharing a score.

**Segments**: a Gaussian mixture on the standardised features ``log(1 + days since
the last order)``, ``log(1 + orders)``, ``log(1 + net revenue)`` and the return
rate, with the number of segments ``k`` (2 to :data:`MAX_SEGMENTS`, at most one per
:data:`CUSTOMERS_PER_SEGMENT` customers) chosen by the lowest BIC. Fewer than
``2 x CUSTOMERS_PER_SEGMENT`` customers are segmented by their RFM scores alone.

Each segment is named from its medians against the whole base (:func:`name_of`):
frequency (one-off / occasional / regular), recency (recent / slipping / lapsed),
basket size (big baskets: median order at least twice the base's median and in its
top quartile) and returns (frequent returners: twice the base's return rate and over
10%). One-off buyers whose only order fell in November or December are "one-off gift
buyers".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

MAX_SEGMENTS = 6  # a seller reads at most six segments
CUSTOMERS_PER_SEGMENT = 25
RANDOM_STATE = 0
TOP = 5  # countries and channels listed per segment


@dataclass(frozen=True)
class Segmentation:
    """Segments of a customer base.

    Attributes
    ----------
    members : polars.DataFrame
        ``profile_id, segment, r_score, f_score, m_score, rfm``.
    segments : list of dict
        ``name, customers, share_customers, share_margin, description``, the
        medians (``recency_days, orders, revenue, average_order_value,
        return_rate``), ``margin`` and the top ``countries`` and ``channels``;
        largest share of margin first.
    method : str
        How ``k`` was chosen, in words.
    """

    members: pl.DataFrame
    segments: list[dict[str, Any]]
    method: str


def rfm_scores(figures: pl.DataFrame) -> pl.DataFrame:
    """``figures`` with ``r_score``, ``f_score``, ``m_score`` (1-5) and ``rfm`` ("545").

    Examples
    --------
    >>> f = pl.DataFrame({"days_since_last": [1, 50, 300, 9, 100],
    ...     "orders": [9, 2, 1, 4, 1], "revenue": [900.0, 50, 10, 300, 20]})
    >>> rfm_scores(f)["rfm"].to_list()
    ['555', '333', '121', '444', '222']
    """
    n = figures.height

    def quintile(expr: pl.Expr) -> pl.Expr:
        return (
            (expr.rank("average") * 5 / max(n, 1) - 1e-9)
            .ceil()
            .clip(1, 5)
            .cast(pl.Int64)
        )

    scored = figures.with_columns(
        quintile(-pl.col("days_since_last")).alias("r_score"),
        quintile(pl.col("orders")).alias("f_score"),
        quintile(pl.col("revenue")).alias("m_score"),
    )
    return scored.with_columns(
        pl.concat_str(pl.col("r_score", "f_score", "m_score").cast(pl.String)).alias(
            "rfm"
        )
    )


def segment_customers(figures: pl.DataFrame) -> Segmentation:
    """Score, cluster and name the customers of ``figures`` (see the module docstring).

    Parameters
    ----------
    figures : polars.DataFrame
        Output of :func:`~tradepilot.customers.profiles.profile_figures`.

    Returns
    -------
    Segmentation
    """
    scored = rfm_scores(figures)
    if scored.height < 2 * CUSTOMERS_PER_SEGMENT:
        labels = _rfm_groups(scored)
        method = (
            f"RFM score groups: {scored.height} customers are too few for a mixture"
            f" model ({2 * CUSTOMERS_PER_SEGMENT} needed)"
        )
    else:
        labels, k, bics = _mixture(scored)
        method = (
            f"Gaussian mixture on scaled log recency, log orders, log revenue and return"
            f" rate; k = {k} of {min(bics)}..{max(bics)} by lowest BIC"
        )
    clustered = scored.with_columns(pl.Series("_cluster", labels))
    names = _names(clustered)
    members = clustered.with_columns(
        pl.col("_cluster")
        .replace_strict(names, return_dtype=pl.String)
        .alias("segment")
    ).select("profile_id", "segment", "r_score", "f_score", "m_score", "rfm")
    report = _report(
        clustered.join(members.select("profile_id", "segment"), on="profile_id")
    )
    return Segmentation(members, report, method)


def _features(scored: pl.DataFrame) -> np.ndarray:
    return np.column_stack(
        [
            np.log1p(scored["days_since_last"].to_numpy().astype(float)),
            np.log1p(scored["orders"].to_numpy().astype(float)),
            np.log1p(np.clip(scored["revenue"].to_numpy().astype(float), 0, None)),
            np.clip(scored["return_rate"].fill_null(0.0).to_numpy(), 0.0, 1.0),
        ]
    )


def _mixture(scored: pl.DataFrame) -> tuple[np.ndarray, int, list[int]]:
    """Labels of the lowest-BIC Gaussian mixture, its k, and the k tried."""
    from sklearn.mixture import GaussianMixture
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    x = StandardScaler().fit_transform(_features(scored))
    tried = list(
        range(2, min(MAX_SEGMENTS, scored.height // CUSTOMERS_PER_SEGMENT) + 1)
    )
    best: tuple[float, Any] | None = None
    # One BLAS thread: on a few thousand rows threads only contend (20x slower on a
    # busy 2-core machine).
    with threadpool_limits(1):
        for k in tried:
            model = GaussianMixture(
                n_components=k, covariance_type="full", reg_covar=1e-3, n_init=2,
                random_state=RANDOM_STATE,
            ).fit(x)  # fmt: skip
            bic = float(model.bic(x))
            if best is None or bic < best[0]:
                best = (bic, model)
    assert best is not None
    labels = best[1].predict(x)
    _, dense = np.unique(labels, return_inverse=True)
    return dense, int(dense.max()) + 1, tried


def _rfm_groups(scored: pl.DataFrame) -> np.ndarray:
    """Small bases: three groups by frequency score, split by recency score."""
    f = scored["f_score"].to_numpy()
    r = scored["r_score"].to_numpy()
    return (np.where(f >= 4, 2, np.where(f >= 2, 1, 0)) * 2 + (r >= 3)).astype(np.int64)


@dataclass(frozen=True)
class _Base:
    """Population medians and quartiles the segment names are relative to."""

    recency_median: float
    recency_q75: float
    orders_q75: float
    aov_median: float
    aov_q75: float
    return_rate: float

    @classmethod
    def of(cls, frame: pl.DataFrame) -> _Base:
        def q(column: str, quantile: float) -> float:
            value = frame[column].drop_nulls().quantile(quantile)
            return float(value) if value is not None else 0.0

        gross = float(frame["gross_sales"].sum())
        return cls(
            q("days_since_last", 0.5),
            q("days_since_last", 0.75),
            q("orders", 0.75),
            q("average_order_value", 0.5),
            q("average_order_value", 0.75),
            float(frame["returns"].sum()) / gross if gross > 0 else 0.0,
        )


def name_of(medians: dict[str, float], base: _Base, gift_share: float) -> str:
    """A plain name for a segment from its medians (see the module docstring)."""
    if medians["return_rate"] >= max(0.10, 2 * base.return_rate):
        return (
            "frequent returners"
            if medians["orders"] > 1
            else "returned their only order"
        )
    big = (
        medians["average_order_value"] >= 2 * base.aov_median
        and medians["average_order_value"] >= base.aov_q75
    )
    recency = medians["recency_days"]
    when = (
        "recent"
        if recency <= base.recency_median
        else "lapsed"
        if recency >= base.recency_q75
        else "slipping"
    )
    if medians["orders"] <= 1:
        if when == "recent":
            return "new big-basket buyers" if big else "new one-off buyers"
        if gift_share >= 0.5:
            return "one-off gift buyers"
        return f"{when} one-off buyers"
    if medians["orders"] >= max(3.0, base.orders_q75):
        kind = "wholesale" if big else "regulars"
        return f"loyal {kind}" if when == "recent" else f"slipping {kind}"
    kind = "big-basket buyers" if big else "occasional buyers"
    return kind if when == "recent" else f"{when} {kind}"


def _medians(group: pl.DataFrame) -> dict[str, float]:
    def median(column: str) -> float:
        value = group[column].drop_nulls().median()
        return float(value) if isinstance(value, int | float) else 0.0

    return {
        "recency_days": median("days_since_last"),
        "orders": median("orders"),
        "revenue": median("revenue"),
        "average_order_value": median("average_order_value"),
        "return_rate": median("return_rate") + 0.0,  # no -0.0
    }


def _names(clustered: pl.DataFrame) -> dict[int, str]:
    """Each cluster's name; clusters that would share one get a qualifier from the
    figure that sets them most apart (:data:`QUALIFIERS`)."""
    base = _Base.of(clustered)
    medians: dict[int, dict[str, float]] = {}
    plain: dict[int, str] = {}
    for cluster in sorted(clustered["_cluster"].unique().to_list()):
        group = clustered.filter(pl.col("_cluster") == cluster)
        once = group.filter(pl.col("orders") == 1)["last_order"].dt.month()
        gift_share = int(once.is_in([11, 12]).sum()) / max(once.len(), 1)
        medians[cluster] = _medians(group)
        plain[cluster] = name_of(medians[cluster], base, gift_share)
    names: dict[int, str] = {}
    for name in set(plain.values()):
        same = [c for c, n in plain.items() if n == name]
        if len(same) == 1:
            names[same[0]] = name
            continue
        names |= _qualified(name, {c: medians[c] for c in same})
    return names


QUALIFIERS = {
    "orders": ("most orders", "fewer orders"),
    "average_order_value": ("big baskets", "small baskets"),
    "recency_days": ("less recent", "most recent"),
    "return_rate": ("more returns", "fewer returns"),
}


def _qualified(name: str, medians: dict[int, dict[str, float]]) -> dict[int, str]:
    """``name (qualifier)`` for each of several clusters given the same name; the
    figure the name already states (returns of returners) is not used."""
    used: set[str] = set()
    names: dict[int, str] = {}
    skip = {"return_rate"} if "return" in name else set()
    for cluster, own in medians.items():
        scores = []
        for feature, (high, low) in QUALIFIERS.items():
            if feature in skip:
                continue
            mean = sum(m[feature] for m in medians.values()) / len(medians)
            gap = math.log((own[feature] + 1e-3) / (mean + 1e-3))
            scores.append((abs(gap), high if gap > 0 else low))
        label = next(
            (q for _, q in sorted(scores, reverse=True) if q not in used),
            f"group {len(used) + 1}",
        )
        used.add(label)
        names[cluster] = f"{name} ({label})"
    return names


def _report(frame: pl.DataFrame) -> list[dict[str, Any]]:
    total = frame.height
    margin = float(frame["margin"].clip(0).sum())
    segments = []
    for name in frame["segment"].unique().to_list():
        group = frame.filter(pl.col("segment") == name)
        medians = _medians(group)
        seg_margin = float(group["margin"].clip(0).sum())
        segments.append(
            {
                "name": name,
                "customers": group.height,
                "share_customers": round(group.height / total, 4),
                "share_margin": round(seg_margin / margin, 4) if margin > 0 else None,
                "description": _describe(medians),
                "margin": round(float(group["margin"].sum()), 2),
                "revenue": round(float(group["revenue"].sum()), 2),
                "median": {k: _round(v) for k, v in medians.items()},
                "countries": _top(group, "countries"),
                "channels": _top(group, "channels"),
            }
        )
    return sorted(segments, key=lambda s: (-(s["share_margin"] or 0), s["name"]))


def _describe(medians: dict[str, float]) -> str:
    orders = medians["orders"]
    return (
        f"typically {orders:.0f} order{'s' if round(orders) != 1 else ''}, the last"
        f" {medians['recency_days']:.0f} days ago, {medians['average_order_value']:,.2f}"
        f" per order, {medians['return_rate']:.0%} returned"
    )


def _top(group: pl.DataFrame, column: str) -> list[dict[str, Any]]:
    """The segment's main countries (or channels): each customer's first."""
    key = column[:-1] if column != "countries" else "country"
    counts = (
        group.select(pl.col(column).list.first().alias(key))
        .group_by(key)
        .len("customers")
        .sort(["customers", key], descending=[True, False])
        .head(TOP)
    )
    return [
        {key: value, "customers": n, "share": round(n / group.height, 4)}
        for value, n in counts.iter_rows()
    ]


def _round(value: float) -> float:
    return round(value, 4) if math.isfinite(value) else 0.0
