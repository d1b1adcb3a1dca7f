"""Stockout-aware demand: undo the censoring of sales by stockouts (pure, no I/O).

A panel ``unique_id, ds, y`` (dense, explicit zeros) may carry ``in_stock_share``
(share of the period in stock) and ``stocked_out`` (out at some point, share
unknown), null meaning unknown; see :func:`availability_from_snapshots`. A period
with a share below 1, or ``stocked_out`` without a share, is censored. Where nothing
is known, a zero run of a steady seller that then sells again is a stockout, and
the period before it, in which the stock ran out, is sold out.

The local rate ``r`` is the mean of up to ``window`` uncensored periods each side
(sales are demand there; a local level follows trend and season). With Poisson
demand at ``r``, a known share ``s`` gives ``y + r (1 - s)`` (demand while out is
independent of sales while in; ``y / s`` fails at 0 and scales noise by ``1 / s``)
and a sell-out gives ``E[D | D >= y]`` (:func:`poisson_tail_mean`, Tobit-style, in
``[max(y, r), y + r]``; ``method="level"``: ``max(y, r)``). Before a series' first
uncensored period, or over ``max_open_run`` periods into a stockout that never ends
(delisted?), there is no rate: ``censored`` with no lost units.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import polars as pl

from tradepilot.domain.errors import DataValidationError, NotFittedError
from tradepilot.forecasting.series import FREQUENCIES

if TYPE_CHECKING:
    from tradepilot.simulate import SimulatedStore

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
Bounds = tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]
KEYS = ["unique_id", "ds"]
AVAILABILITY = {"in_stock_share": pl.Float64, "stocked_out": pl.Boolean}
METHODS = ("poisson", "level")
COUNTS, SHARES = ("window", "max_open_run", "lookback"), ("min_sell_share", "alpha")


def poisson_tail_mean(at_least: npt.ArrayLike, rate: npt.ArrayLike) -> FloatArray:
    """``E[D | D >= y] = r + y / T(y)`` (units) for Poisson ``D`` of rate ``r``.

    ``T(y) = sum_j prod_{i<=j} r / (y + i)`` from ``E[D 1{D >= y}] = r P(D >= y-1)``.

    >>> poisson_tail_mean([0, 3, 30], [10.0, 10.0, 10.0]).round(3)
    array([10.   , 10.023, 30.457])
    """
    y, r = np.broadcast_arrays(np.asarray(at_least, float), np.asarray(rate, float))
    out = np.array(np.maximum(y, r), dtype=np.float64)  # writable, also when 0-d
    # Far below the rate the bound does not matter: y / T(y) < y exp(-32).
    todo = np.flatnonzero((y > 0) & (r > 0) & (r - y <= 8.0 * np.sqrt(r)))
    ys, rs = y.flat[todo], r.flat[todo]
    term, total = np.ones_like(ys), np.ones_like(ys)
    steps = math.ceil(float(np.max(rs - ys + 12 * np.sqrt(rs), initial=0))) + 40
    for i in range(1, steps if todo.size else 0):
        term *= rs / (ys + i)
        total += term
        if np.all(term < 1e-16 * total):
            break
    out.flat[todo] = np.clip(rs + ys / total, np.maximum(ys, rs), ys + rs)
    return out


def availability_from_snapshots(
    snapshots: pl.DataFrame,
    panel: pl.DataFrame,
    *,
    id_column: str = "unique_id",
    freq: str = "W",
) -> pl.DataFrame:
    """Add ``in_stock_share`` and ``stocked_out`` to a panel from end-of-day counts.

    Counts are summed over warehouses; a period's last count is its closing stock,
    the previous period's its opening stock (exact for counts on a period's last
    day, e.g. Sundays for Monday weeks). No count: both null (left to inference).
    Opening and closing 0 and nothing sold: out all period, share 0. Closing 0 (ran
    out) or opening 0 (restocked): ``stocked_out``, share unknown, as counts do not
    say when in the period. Otherwise share 1 (a stockout between counts is unseen).

    Parameters
    ----------
    snapshots : polars.DataFrame
        ``<id_column>, date, on_hand`` (units), one row per count and warehouse.
    panel : polars.DataFrame
        ``unique_id, ds, y``, ``ds`` a period start as ``dt.truncate`` puts it for
        ``freq`` ("D", "W" or "M"); returned sorted, with the two columns added.

    Examples
    --------
    >>> import datetime as dt
    >>> weeks = [dt.date(2024, 1, 1) + dt.timedelta(weeks=w) for w in range(3)]
    >>> panel = pl.DataFrame({"unique_id": "A", "ds": weeks, "y": [5, 2, 0]})
    >>> sundays = [d + dt.timedelta(days=6) for d in weeks]
    >>> counts = pl.DataFrame({"unique_id": "A", "date": sundays, "on_hand": [4, 0, 0]})
    >>> out = availability_from_snapshots(counts, panel)
    >>> out["in_stock_share"].to_list(), out["stocked_out"].to_list()
    ([1.0, None, 0.0], [False, True, True])
    """
    if freq not in FREQUENCIES:
        raise DataValidationError(f"freq must be one of D, W, M; got {freq!r}")
    _require(snapshots, [id_column, "date", "on_hand"], "snapshots")
    panel = _normalise(panel)
    period = pl.col("date").dt.truncate(FREQUENCIES[freq]).cast(panel.schema["ds"])
    closing = (
        snapshots.group_by(id_column, "date")
        .agg(pl.col("on_hand").sum())
        .sort("date")
        .group_by(pl.col(id_column).alias("unique_id"), period.alias("ds"))
        .agg(_closing=pl.col("on_hand").last())
        .cast({"unique_id": panel.schema["unique_id"]})
    )
    out = (
        panel.drop(*AVAILABILITY, strict=False)
        .join(closing, on=KEYS, how="left")
        .sort(KEYS)
        .with_columns(_opening=pl.col("_closing").shift(1).over("unique_id"))
    )
    closed, opened = pl.col("_closing") <= 0, (pl.col("_opening") <= 0).fill_null(False)
    known = pl.col("_closing").is_not_null()
    share = (
        pl.when(~known).then(None)
        .when(closed & opened & (pl.col("y") == 0)).then(0.0)
        .when(closed | opened).then(None)
        .otherwise(1.0)
    )  # fmt: skip
    return out.with_columns(
        in_stock_share=share.cast(pl.Float64),
        stocked_out=pl.when(known).then(closed | opened),
    ).drop("_closing", "_opening")


class CensoredDemandCorrector:
    """Replace stock-censored sales by estimated demand (see the module docstring).

    Parameters
    ----------
    method : {"poisson", "level"}
        Sold-out period of unknown share: ``E[D | D >= y]`` or ``max(y, rate)``.
    window, max_open_run : int
        Uncensored periods each side whose mean sales are the local rate; periods
        into a stockout that never ends that are still corrected.
    infer : bool
        Infer stockouts where no availability is known.
    lookback, min_sell_share, alpha : int, float, float
        A steady seller sold in ``min_sell_share`` of the ``lookback`` periods (half
        seen) before a zero run less likely than ``alpha`` under their demand
        (negative binomial by moments; Poisson if not over-dispersed).

    Attributes
    ----------
    history_ : polars.DataFrame
        The fitted panel, context (neighbours, lookback) for ``transform``.

    Examples
    --------
    >>> panel = pl.DataFrame({"unique_id": "A", "ds": range(6),
    ...                       "y": [10, 10, 3, 0, 10, 10],
    ...                       "in_stock_share": [1.0, 1.0, 0.3, 0.0, 1.0, 1.0]})
    >>> out = CensoredDemandCorrector(window=2).fit(panel).transform(panel)
    >>> out["y"].to_list(), out["lost"].to_list()
    ([10.0, 10.0, 10.0, 10.0, 10.0, 10.0], [0.0, 0.0, 7.0, 10.0, 0.0, 0.0])
    """

    def __init__(
        self,
        method: str = "poisson",
        *,
        window: int = 4,
        max_open_run: int = 8,
        infer: bool = True,
        lookback: int = 8,
        min_sell_share: float = 0.7,
        alpha: float = 0.01,
    ) -> None:
        self.method = method
        self.window = window
        self.max_open_run = max_open_run
        self.infer = infer
        self.lookback = lookback
        self.min_sell_share = min_sell_share
        self.alpha = alpha

    def fit(self, panel: pl.DataFrame) -> CensoredDemandCorrector:
        """Check the parameters and ``panel`` (else DataValidationError); keep it."""
        bad = [n for n in COUNTS if not getattr(self, n) >= 1]
        bad += [n for n in SHARES if not 0 <= getattr(self, n) <= 1]
        if self.method not in METHODS or bad:
            raise DataValidationError(
                f"method must be poisson or level, {', '.join(COUNTS)} >= 1 and "
                f"{', '.join(SHARES)} in [0, 1]; got {self.method!r}, "
                f"{ {n: getattr(self, n) for n in bad} }"
            )
        self.history_ = _normalise(panel).select(*KEYS, "y", *AVAILABILITY)
        return self

    def transform(self, panel: pl.DataFrame) -> pl.DataFrame:
        """Demand where sales are censored, with the fitted periods as context.

        ``panel``: ``unique_id, ds, y`` (units, >= 0), optional availability, other
        columns. Returned sorted, ``y`` the demand (Float64, >= ``y_observed``), with
        ``y_observed``, ``censored``, ``lost`` (units). Raises ``NotFittedError``.
        """
        if not hasattr(self, "history_"):
            raise NotFittedError("CensoredDemandCorrector is not fitted; call fit")
        frame = _normalise(panel)
        context = self.history_.join(frame.select(KEYS), on=KEYS, how="anti")
        combined = pl.concat(
            [frame.with_columns(_target=True), context], how="diagonal_relaxed"
        ).sort(KEYS)
        censored, demand = self._estimate(combined)
        return (
            combined.with_columns(y=demand, y_observed="y", censored=censored)
            .with_columns(lost=pl.col("y") - pl.col("y_observed"))
            .filter(pl.col("_target").fill_null(False))
            .drop("_target")
        )

    def _estimate(self, frame: pl.DataFrame) -> tuple[BoolArray, FloatArray]:
        """Censored flags and demand of a sorted frame, shape (n_rows,)."""
        y = frame["y"].cast(pl.Float64).to_numpy()
        share = frame["in_stock_share"].fill_null(np.nan).to_numpy()
        stocked = frame["stocked_out"]
        bounds = _series_bounds(frame["unique_id"].to_numpy())
        censored = (share < 1) | (np.isnan(share) & stocked.fill_null(False).to_numpy())
        if self.infer:
            known = ~np.isnan(share) | stocked.is_not_null().to_numpy()
            inferred = _infer_stockouts(
                y, bounds, self.lookback, self.min_sell_share, self.alpha
            )
            censored = np.where(known, censored, inferred)
        rate = _local_rate(y, censored, bounds, self.window, self.max_open_run)
        has_rate, rate = ~np.isnan(rate), np.nan_to_num(rate)
        tail = poisson_tail_mean(np.round(y), rate)
        sold_out = tail if self.method == "poisson" else np.maximum(y, rate)
        demand = np.where(np.isnan(share), sold_out, y + rate * (1 - share))
        demand = np.where(censored & has_rate, np.maximum(demand, y), y)
        return censored.astype(np.bool_), demand.astype(np.float64)


def _normalise(panel: pl.DataFrame) -> pl.DataFrame:
    """Validated panel with both availability columns, sorted by series and period."""
    _require(panel, [*KEYS, "y"], "panel")
    frame = panel.with_columns(
        (pl.col(c) if c in panel.columns else pl.lit(None)).cast(dtype).alias(c)
        for c, dtype in AVAILABILITY.items()
    )
    problems = frame.select(
        y_null_or_negative=(pl.col("y").is_null() | (pl.col("y") < 0)).any(),
        share_outside_0_1=(~pl.col("in_stock_share").is_between(0, 1)).any(),
        duplicate_periods=pl.struct(KEYS).is_duplicated().any(),
    ).row(0, named=True)
    if found := [name for name, bad in problems.items() if bad]:
        raise DataValidationError(f"invalid panel: {', '.join(found)}")
    return frame.sort(KEYS)


def _require(frame: pl.DataFrame, columns: list[str], name: str) -> None:
    if missing := [c for c in columns if c not in frame.columns]:
        raise DataValidationError(
            f"{name} lacks column(s) {', '.join(missing)}; found: {', '.join(frame.columns)}"
        )


def _series_bounds(ids: npt.NDArray[np.generic]) -> Bounds:
    """First row and end row (exclusive) of each row's series; ids sorted."""
    change = np.ones(ids.size, dtype=bool)
    change[1:] = ids[1:] != ids[:-1]
    starts = np.flatnonzero(change)
    segment = np.cumsum(change) - 1
    return starts[segment], np.append(starts[1:], ids.size)[segment]


def _infer_stockouts(
    y: FloatArray, bounds: Bounds, lookback: int, min_sell_share: float, alpha: float
) -> BoolArray:
    """Zero runs of steady sellers that sell again, and the periods they ran out in."""
    (first, end), index, zero = bounds, np.arange(y.size), y == 0
    continues = np.zeros(y.size, dtype=bool)
    continues[1:] = zero[:-1] & (index[1:] != first[1:])
    starts = np.flatnonzero(zero & ~continues)
    label = np.cumsum(zero & ~continues) - 1
    stops = starts.copy()
    np.maximum.at(stops, label[zero], index[zero] + 1)
    lo = np.maximum(first[starts], starts - lookback)
    seen = (starts - lo).astype(np.float64)
    sums = (np.concatenate(([0.0], np.cumsum(v))) for v in (y, y * y, y > 0))
    mean, square, sold = ((c[starts] - c[lo]) / np.maximum(seen, 1) for c in sums)
    with np.errstate(divide="ignore", invalid="ignore"):
        var = (square - mean * mean) * seen / np.maximum(seen - 1, 1)
        k = mean * mean / (var - mean)  # negative binomial shape by moments
        p_zero = np.where(var > mean, np.exp(-k * np.log1p(mean / k)), np.exp(-mean))
    steady = (seen >= math.ceil(lookback / 2)) & (sold >= min_sell_share)
    flagged = steady & (p_zero ** (stops - starts) < alpha) & (stops < end[starts])
    censored = np.zeros(y.size, dtype=bool)
    censored[zero] = flagged[label[zero]]
    censored[starts[flagged] - 1] = True  # the period the stock ran out in
    return censored


def _local_rate(
    y: FloatArray, censored: BoolArray, bounds: Bounds, window: int, max_open_run: int
) -> FloatArray:
    """Local rate of censored rows (NaN: none before, or too far into a stockout)."""
    rate = np.full(y.size, np.nan)
    clean, rows = np.flatnonzero(~censored), np.flatnonzero(censored)
    if clean.size == 0 or rows.size == 0:
        return rate
    cum = np.concatenate(([0.0], np.cumsum(y[clean])))
    pos = np.searchsorted(clean, rows)
    lo_series = np.searchsorted(clean, bounds[0][rows])
    hi_series = np.searchsorted(clean, bounds[1][rows])
    lo, hi = np.maximum(lo_series, pos - window), np.minimum(hi_series, pos + window)
    gap = rows - clean[np.maximum(pos - 1, 0)]
    ok = (pos > lo_series) & ((hi_series > pos) | (gap <= max_open_run))
    rate[rows[ok]] = (cum[hi] - cum[lo])[ok] / (hi - lo)[ok]
    return rate


def recovery_error(
    true_demand: npt.ArrayLike,
    observed: npt.ArrayLike,
    corrected: npt.ArrayLike,
    flagged: npt.ArrayLike | None = None,
) -> dict[str, dict[str, float]]:
    """Errors of observed and corrected demand against the truth.

    Parameters
    ----------
    true_demand, observed, corrected, flagged : array_like
        Units per period and (optional) periods judged censored, shape (n_periods,).

    Returns
    -------
    dict
        ``censored`` (periods with ``true_demand > observed``) and ``all``, each:
        ``periods``, ``mae_observed``, ``mae_corrected``, ``wape_*`` (sum |error| /
        sum truth), ``reduction`` (1 - corrected / observed error), ``bias_corrected``
        (sum error / sum truth); ``flags`` (``flagged``, ``recall``, ``precision``).

    Examples
    --------
    >>> recovery_error([10, 10, 4], [3, 10, 4], [9, 10, 4])["censored"]["reduction"]
    0.8571428571428572
    """
    arrays = (true_demand, observed, corrected)
    truth, obs, corr = (np.asarray(a, dtype=np.float64) for a in arrays)
    lost, result = truth > obs, {}
    for name, mask in (("censored", lost), ("all", np.ones(truth.size, bool))):
        n, total = max(int(mask.sum()), 1), max(float(truth[mask].sum()), 1e-12)
        err_o = float(np.abs(obs - truth)[mask].sum())
        err_c = float(np.abs(corr - truth)[mask].sum())
        result[name] = {
            "periods": float(mask.sum()),
            "mae_observed": err_o / n,
            "mae_corrected": err_c / n,
            "wape_observed": err_o / total,
            "wape_corrected": err_c / total,
            "reduction": 1 - err_c / err_o if err_o else 0.0,
            "bias_corrected": float((corr - truth)[mask].sum()) / total,
        }
    if flagged is not None:
        flags = np.asarray(flagged, bool)
        hits, n_flags = float(np.sum(flags & lost)), float(flags.sum())
        recall, precision = hits / max(lost.sum(), 1), hits / max(n_flags, 1)
        result["flags"] = {"flagged": n_flags, "recall": recall, "precision": precision}
    return result


def evaluate_on_simulation(
    store: SimulatedStore, corrector: CensoredDemandCorrector | None = None
) -> dict[str, dict[str, dict[str, float]]]:
    """:func:`recovery_error` with flags per availability source of a simulated store.

    Panel: ``sold`` (``y``) and ``true_demand`` per SKU and Monday week, complete weeks.
    ``snapshots`` gets availability from Sunday counts, ``inference`` none;
    ``corrector`` (default if omitted) is refitted for each.
    """
    week = pl.col("date").dt.truncate("1w")
    panel = (
        store.demand_truth.group_by(unique_id="sku", ds=week)
        .agg(
            y=pl.col("sold").sum(),
            true_demand=pl.col("true_demand").sum(),
            days=pl.col("date").n_unique(),
        )
        .filter(pl.col("days") == 7)
        .drop("days")
    )
    snapshots = availability_from_snapshots(store.inventory, panel, id_column="sku")
    result = {}
    for name, frame in {"snapshots": snapshots, "inference": panel}.items():
        out = (corrector or CensoredDemandCorrector()).fit(frame).transform(frame)
        columns = ("true_demand", "y_observed", "y", "censored")
        result[name] = recovery_error(*(out[c].to_numpy() for c in columns))
    return result
