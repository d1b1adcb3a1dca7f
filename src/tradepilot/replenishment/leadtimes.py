"""Lead times: the distribution of days from ordering to receipt (pure, no I/O).

A lead time is modelled as lognormal, parameterised by its mean and standard
deviation in days, which is what a seller reads and what the estimators report.

It is learned from purchase-order history: :func:`po_lead_times` turns receipt rows
into one observation per PO (days from production start, after supplier closures,
to the first receipt; open POs are right-censored), :func:`fit_lognormal` is the
censored maximum-likelihood fit and :func:`estimate_lead_times` picks, per supplier
and mode, the history fit or a configured fallback.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy import optimize, stats

from tradepilot.domain.errors import DataValidationError
from tradepilot.domain.purchasing import ShippingMode
from tradepilot.replenishment.calendar import Closure, production_starts

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class LeadTime:
    """A lognormal lead time in days, given by its mean and standard deviation.

    A standard deviation of 0 is a fixed lead time.

    Parameters
    ----------
    mean_days : float
        Mean lead time in days (> 0).
    std_days : float
        Standard deviation in days (>= 0).

    Examples
    --------
    >>> lt = LeadTime(40.0, 8.0)
    >>> round(lt.sigma, 4), round(lt.quantile(0.5), 2), round(lt.quantile(0.9), 2)
    (0.198, 39.22, 50.56)
    >>> LeadTime(20.0, 0.0).quantile(0.9)
    20.0
    """

    mean_days: float
    std_days: float

    def __post_init__(self) -> None:
        if not (self.mean_days > 0 and self.std_days >= 0):
            raise DataValidationError(
                "a lead time needs mean_days > 0 and std_days >= 0; received"
                f" mean_days={self.mean_days}, std_days={self.std_days}"
            )

    @property
    def sigma(self) -> float:
        """Standard deviation of the log lead time."""
        return math.sqrt(math.log1p((self.std_days / self.mean_days) ** 2))

    @property
    def mu(self) -> float:
        """Mean of the log lead time."""
        return math.log(self.mean_days) - self.sigma**2 / 2

    def quantile(self, q: float) -> float:
        """The ``q`` quantile in days (``0 < q < 1``)."""
        if self.sigma == 0:
            return self.mean_days
        return float(math.exp(self.mu + self.sigma * stats.norm.ppf(q)))

    def sample(
        self, rng: np.random.Generator, size: int | tuple[int, ...]
    ) -> FloatArray:
        """Draw lead times in days (unrounded)."""
        if self.sigma == 0:
            return np.full(size, self.mean_days, dtype=np.float64)
        return rng.lognormal(self.mu, self.sigma, size)


RECEIPT_COLUMNS: tuple[str, ...] = (
    "po_number",
    "supplier",
    "mode",
    "ordered_date",
    "sku",
    "quantity_ordered",
    "received_date",
    "quantity_received",
)
"""Columns :func:`po_lead_times` needs: one row per PO line per receipt."""

MIN_DAYS = 0.5
"""Smallest lead time the fit takes the log of (a same-day receipt counts as this)."""

SOURCES = ("history", "supplier setting", "global setting")
"""Where an estimate comes from, in order of preference."""

_KEY_COLUMNS = ("supplier", "mode", "ordered_date")


def po_lead_times(
    receipts: pl.DataFrame, closures: Sequence[Closure] = (), *, as_of: dt.date
) -> pl.DataFrame:
    """Turn receipt rows into one lead-time observation per purchase order.

    All lines of a PO share one lead time, counted from its production start
    (the order day, or the day after a closure it waits for) to its first receipt,
    so partial receipts count. A PO with no receipt by ``as_of`` is right-censored:
    its lead time is known only to exceed ``observed_days``.

    Parameters
    ----------
    receipts : polars.DataFrame
        One row per PO line per receipt with :data:`RECEIPT_COLUMNS` (more are
        ignored); ``ordered_date`` and ``received_date`` are ``pl.Date``,
        ``received_date`` and ``quantity_received`` null while nothing arrived.
        A line is identified by ``(po_number, sku)``.
    closures : sequence of Closure
        Supplier closures that delay production starts.
    as_of : datetime.date
        Day the history was taken; no order or receipt may be later.

    Returns
    -------
    polars.DataFrame
        One row per PO, sorted by ``ordered_date, po_number``: ``po_number,
        supplier, mode, ordered_date, start_date, first_received`` (null if open),
        ``lead_days`` (float days, null if open), ``censored``, ``observed_days``
        (float days from start to ``as_of``, at least 0, null unless censored),
        ``partial`` (received in more than one receipt day or short; false when
        open), ``units_ordered, units_received``.

    Raises
    ------
    DataValidationError
        A column is missing or mistyped, a key is null, a mode unknown, a PO has
        two suppliers, modes or order days, or a date lies after ``as_of``.

    Examples
    --------
    >>> rows = pl.DataFrame({
    ...     "po_number": ["PO-1", "PO-1", "PO-2"], "supplier": ["Acme"] * 3,
    ...     "mode": ["sea"] * 3, "ordered_date": [dt.date(2024, 3, 1)] * 3,
    ...     "sku": ["A", "A", "B"], "quantity_ordered": [10, 10, 5],
    ...     "received_date": [dt.date(2024, 4, 10), dt.date(2024, 4, 20), None],
    ...     "quantity_received": [6, 4, None]})
    >>> pos = po_lead_times(rows, as_of=dt.date(2024, 5, 1))
    >>> pos.select("po_number", "lead_days", "censored", "observed_days",
    ...            "partial").rows()
    [('PO-1', 40.0, False, None, True), ('PO-2', None, True, 61.0, False)]
    """
    _check_receipts(receipts, as_of)
    pos = _po_rows(receipts)
    start = production_starts(pos, closures)
    censored = pl.col("first_received").is_null()
    return (
        pos.with_columns(start_date=start)
        .with_columns(
            lead_days=_days_between("start_date", pl.col("first_received")),
            censored=censored,
            observed_days=pl.when(censored).then(
                _days_between("start_date", pl.lit(as_of)).clip(lower_bound=0.0)
            ),
            partial=~censored
            & (
                (pl.col("receipt_days") > 1)
                | (pl.col("units_received") < pl.col("units_ordered"))
            ),
        )
        .sort("ordered_date", "po_number")
        .select(
            "po_number",
            "supplier",
            "mode",
            "ordered_date",
            "start_date",
            "first_received",
            "lead_days",
            "censored",
            "observed_days",
            "partial",
            "units_ordered",
            "units_received",
        )  # fmt: skip
    )


def _days_between(start: str, end: pl.Expr) -> pl.Expr:
    return (end - pl.col(start)).dt.total_days().cast(pl.Float64)


def _po_rows(receipts: pl.DataFrame) -> pl.DataFrame:
    """One row per PO: keys, first receipt, receipt days and unit totals."""
    ordered = (
        receipts.unique(["po_number", "sku"], keep="first", maintain_order=True)
        .group_by("po_number")
        .agg(units_ordered=pl.col("quantity_ordered").sum())
    )
    received = receipts.group_by("po_number").agg(
        *(pl.col(c).first() for c in _KEY_COLUMNS),
        first_received=pl.col("received_date").min(),
        receipt_days=pl.col("received_date").drop_nulls().n_unique(),
        units_received=pl.col("quantity_received").fill_null(0).sum(),
    )
    return received.join(ordered, on="po_number")


def _check_receipts(receipts: pl.DataFrame, as_of: dt.date) -> None:
    if missing := [c for c in RECEIPT_COLUMNS if c not in receipts.columns]:
        raise DataValidationError(
            f"receipts lack column(s) {', '.join(missing)}; expected:"
            f" {', '.join(RECEIPT_COLUMNS)}; found: {', '.join(receipts.columns)}"
        )
    for column in ("ordered_date", "received_date"):
        if receipts.schema[column] != pl.Date:
            raise DataValidationError(
                f"receipts column {column!r} must be pl.Date;"
                f" received {receipts.schema[column]}"
            )
    keys = ("po_number", "sku", "quantity_ordered", *_KEY_COLUMNS)
    if nulls := [c for c in keys if receipts[c].null_count()]:
        raise DataValidationError(
            f"receipts column(s) {', '.join(nulls)} may not be null"
        )
    _check_modes(receipts["mode"])
    _check_one_po_one_key(receipts)
    _check_not_after(receipts, as_of)


def _check_modes(modes: pl.Series) -> None:
    allowed = [m.value for m in ShippingMode]
    if unknown := sorted(set(modes.unique().to_list()) - set(allowed)):
        raise DataValidationError(
            f"unknown transport mode(s) {', '.join(map(str, unknown[:5]))};"
            f" allowed: {', '.join(allowed)}"
        )


def _check_one_po_one_key(receipts: pl.DataFrame) -> None:
    counts = receipts.group_by("po_number").agg(pl.col(_KEY_COLUMNS).n_unique())
    bad = counts.filter(pl.any_horizontal(pl.col(_KEY_COLUMNS) > 1))
    if bad.height:
        raise DataValidationError(
            f"each PO needs one supplier, mode and ordered_date; PO(s)"
            f" {', '.join(bad['po_number'].sort().head(5))} have several"
        )


def _check_not_after(receipts: pl.DataFrame, as_of: dt.date) -> None:
    for column in ("ordered_date", "received_date"):
        latest = receipts[column].max()
        if isinstance(latest, dt.date) and latest > as_of:
            raise DataValidationError(
                f"as_of {as_of} is before the latest {column} {latest};"
                " filter the history to as_of first"
            )


def fit_lognormal(days: FloatArray, censored: BoolArray | None = None) -> LeadTime:
    """Fit a lognormal lead time by maximum likelihood with right-censoring.

    Parameters
    ----------
    days : numpy.ndarray
        Lead times in days, shape (n,); for a censored entry the days observed so
        far (the lead time is longer). Values below :data:`MIN_DAYS` count as it.
    censored : numpy.ndarray of bool, optional
        Which entries are censored, shape (n,); none when omitted.

    Returns
    -------
    LeadTime
        Mean and standard deviation in days of the fitted lognormal.

    Raises
    ------
    DataValidationError
        Shapes differ, a value is not finite, fewer than 2 entries are observed,
        or the optimiser fails.

    Examples
    --------
    >>> fit = fit_lognormal(np.array([30.0, 40.0, 50.0]))
    >>> round(fit.mean_days, 2), round(fit.std_days, 2)
    (40.01, 8.46)
    >>> fit = fit_lognormal(np.array([30.0, 40.0, 50.0, 45.0]),
    ...                     np.array([False, False, False, True]))
    >>> round(fit.mean_days, 2), round(fit.std_days, 2)
    (43.4, 10.25)
    """
    log_days, is_censored = _check_sample(days, censored)
    observed = log_days[~is_censored]
    start = np.array([observed.mean(), math.log(max(float(observed.std()), 0.01))])
    result = optimize.minimize(
        _negative_log_likelihood,
        start,
        args=(log_days, is_censored),
        jac=True,
        method="L-BFGS-B",
        bounds=[(-5.0, 12.0), (math.log(1e-4), math.log(5.0))],
    )
    if not result.success:
        raise DataValidationError(f"lognormal fit did not converge: {result.message}")
    mu, sigma = float(result.x[0]), math.exp(float(result.x[1]))
    mean = math.exp(mu + sigma**2 / 2)
    return LeadTime(mean, mean * math.sqrt(math.expm1(sigma**2)))


def _check_sample(
    days: FloatArray, censored: BoolArray | None
) -> tuple[FloatArray, BoolArray]:
    """Validate a sample and return (log of clamped days, censoring mask)."""
    x = np.asarray(days, dtype=np.float64)
    mask = np.zeros(x.shape, bool) if censored is None else np.asarray(censored, bool)
    if x.ndim != 1 or mask.shape != x.shape:
        raise DataValidationError(
            f"days and censored must be 1-D of one length; received shapes"
            f" {x.shape} and {mask.shape}"
        )
    if not np.isfinite(x).all():
        raise DataValidationError("lead times must be finite; received NaN or inf")
    if int((~mask).sum()) < 2:
        raise DataValidationError(
            f"a lead-time fit needs at least 2 observed lead times;"
            f" received {int((~mask).sum())} (and {int(mask.sum())} censored)"
        )
    return np.log(np.maximum(x, MIN_DAYS)), mask


def _negative_log_likelihood(
    theta: FloatArray, log_days: FloatArray, censored: BoolArray
) -> tuple[float, FloatArray]:
    """Censored lognormal NLL in (mu, log sigma) and its gradient (log-day units).

    Observed: -log pdf of the log lead time (constants dropped); censored:
    -log P(log lead time > log days). The gradient uses the inverse Mills ratio.
    """
    mu, log_sigma = float(theta[0]), float(theta[1])
    sigma = math.exp(log_sigma)
    z = (log_days - mu) / sigma
    z_obs, z_cens = z[~censored], z[censored]
    hazard = np.exp(stats.norm.logpdf(z_cens) - stats.norm.logsf(z_cens))
    value = z_obs.size * log_sigma + 0.5 * float(z_obs @ z_obs)
    value -= float(stats.norm.logsf(z_cens).sum())
    grad_mu = -(z_obs.sum() + hazard.sum()) / sigma
    grad_log_sigma = z_obs.size - float(z_obs @ z_obs) - float(hazard @ z_cens)
    return value, np.array([grad_mu, grad_log_sigma])


def estimate_lead_times(
    po_times: pl.DataFrame,
    *,
    defaults: Mapping[tuple[str, str], LeadTime] | None = None,
    global_default: LeadTime,
    min_pos: int = 3,
) -> pl.DataFrame:
    """Estimate each supplier and mode's lead time, falling back when history is thin.

    Parameters
    ----------
    po_times : polars.DataFrame
        Output of :func:`po_lead_times` (``supplier, mode, lead_days, censored,
        observed_days`` are used).
    defaults : mapping, optional
        Supplier settings: ``(supplier, mode) -> LeadTime``.
    global_default : LeadTime
        Used where neither history nor a supplier setting exists.
    min_pos : int
        Received POs needed to trust the history (at least 2).

    Returns
    -------
    polars.DataFrame
        One row per (supplier, mode) in the history or ``defaults``, sorted so:
        ``supplier, mode, n_pos`` (received POs), ``n_open`` (censored POs),
        ``mean_days, std_days, p50_days, p90_days`` (days, 2 decimals), ``source``
        (one of :data:`SOURCES`).

    Raises
    ------
    DataValidationError
        A column is missing, ``min_pos < 2``, or a fit fails.

    Examples
    --------
    >>> po_times = pl.DataFrame({"supplier": ["Acme"] * 4, "mode": ["sea"] * 4,
    ...     "lead_days": [30.0, 40.0, 50.0, None],
    ...     "censored": [False, False, False, True],
    ...     "observed_days": [None, None, None, 45.0]})
    >>> table = estimate_lead_times(po_times, global_default=LeadTime(30.0, 10.0),
    ...     defaults={("Acme", "air"): LeadTime(8.0, 2.0)})
    >>> table.select("mode", "n_pos", "n_open", "mean_days", "source").rows()
    [('air', 0, 0, 8.0, 'supplier setting'), ('sea', 3, 1, 43.4, 'history')]
    """
    if min_pos < 2:
        raise DataValidationError(f"min_pos must be >= 2; received {min_pos}")
    history = _history_samples(po_times)
    settings = dict(defaults or {})
    rows = []
    for key in sorted(set(history) | set(settings)):
        days, censored = history.get(key, (np.zeros(0), np.zeros(0, bool)))
        n_pos = int((~censored).sum())
        if n_pos >= min_pos:
            lead, source = fit_lognormal(days, censored), SOURCES[0]
        elif key in settings:
            lead, source = settings[key], SOURCES[1]
        else:
            lead, source = global_default, SOURCES[2]
        rows.append((*key, n_pos, int(censored.sum()), *_summary(lead), source))
    return pl.DataFrame(rows, schema=_ESTIMATE_SCHEMA, orient="row")


_ESTIMATE_SCHEMA: dict[str, type[pl.DataType]] = {
    "supplier": pl.String,
    "mode": pl.String,
    "n_pos": pl.Int64,
    "n_open": pl.Int64,
    "mean_days": pl.Float64,
    "std_days": pl.Float64,
    "p50_days": pl.Float64,
    "p90_days": pl.Float64,
    "source": pl.String,
}


def _summary(lead: LeadTime) -> tuple[float, float, float, float]:
    return (
        round(lead.mean_days, 2),
        round(lead.std_days, 2),
        round(lead.quantile(0.5), 2),
        round(lead.quantile(0.9), 2),
    )


def _history_samples(
    po_times: pl.DataFrame,
) -> dict[tuple[str, str], tuple[FloatArray, BoolArray]]:
    """Per (supplier, mode): days (lead or observed so far) and censoring mask."""
    needed = ("supplier", "mode", "lead_days", "censored", "observed_days")
    if missing := [c for c in needed if c not in po_times.columns]:
        raise DataValidationError(
            f"po_times lack column(s) {', '.join(missing)}; expected:"
            f" {', '.join(needed)}; found: {', '.join(po_times.columns)}"
        )
    days = pl.when("censored").then("observed_days").otherwise("lead_days")
    groups = po_times.group_by("supplier", "mode").agg(
        days=days.cast(pl.Float64), censored=pl.col("censored")
    )
    return {
        (supplier, mode): (np.array(d, dtype=np.float64), np.array(c, dtype=bool))
        for supplier, mode, d, c in groups.iter_rows()
    }


def lead_time_of(
    estimates: pl.DataFrame, supplier: str, mode: str, *, global_default: LeadTime
) -> LeadTime:
    """Return the estimated lead time of a supplier and mode.

    Parameters
    ----------
    estimates : polars.DataFrame
        Output of :func:`estimate_lead_times`.
    supplier, mode : str
        The pair to look up.
    global_default : LeadTime
        Returned when the pair has no row (another mode's estimate is not used).

    Returns
    -------
    LeadTime
        From the row's ``mean_days`` and ``std_days``.

    Examples
    --------
    >>> table = pl.DataFrame({"supplier": ["Acme"], "mode": ["sea"],
    ...                       "mean_days": [40.0], "std_days": [8.0]})
    >>> lead_time_of(table, "Acme", "sea", global_default=LeadTime(30.0, 10.0))
    LeadTime(mean_days=40.0, std_days=8.0)
    >>> lead_time_of(table, "Acme", "air", global_default=LeadTime(30.0, 10.0))
    LeadTime(mean_days=30.0, std_days=10.0)
    """
    rows = estimates.filter((pl.col("supplier") == supplier) & (pl.col("mode") == mode))
    if rows.height == 0:
        return global_default
    if rows.height > 1:
        raise DataValidationError(
            f"estimates hold {rows.height} rows for ({supplier!r}, {mode!r});"
            " expected at most one"
        )
    return LeadTime(float(rows["mean_days"][0]), float(rows["std_days"][0]))


def estimation_error(
    estimates: pl.DataFrame, truth: Mapping[str, object]
) -> pl.DataFrame:
    """Compare estimated mean lead times with the simulator's true ones.

    Parameters
    ----------
    estimates : polars.DataFrame
        Output of :func:`estimate_lead_times`.
    truth : mapping
        The simulator's ``lead_times.json`` structure: ``truth["distributions"]``
        is a list of records with ``supplier, mode, mean`` (days).

    Returns
    -------
    polars.DataFrame
        Pairs present in both, sorted by ``supplier, mode``: ``supplier, mode,
        n_pos, mean_days, true_mean_days, rel_error``
        (``|mean_days - true_mean_days| / true_mean_days``, 4 decimals).

    Raises
    ------
    DataValidationError
        ``truth`` has no list of distribution records with those keys.

    Examples
    --------
    >>> table = pl.DataFrame({"supplier": ["Acme"], "mode": ["sea"],
    ...                       "n_pos": [12], "mean_days": [42.0]})
    >>> truth = {"distributions": [{"supplier": "Acme", "mode": "sea",
    ...                             "mean": 40.0, "std": 8.0}]}
    >>> estimation_error(table, truth)["rel_error"].to_list()
    [0.05]
    """
    true_means = _true_means(truth)
    return (
        estimates.join(true_means, on=["supplier", "mode"], how="inner")
        .with_columns(
            rel_error=(
                (pl.col("mean_days") - pl.col("true_mean_days")).abs()
                / pl.col("true_mean_days")
            ).round(4)
        )
        .sort("supplier", "mode")
        .select("supplier", "mode", "n_pos", "mean_days", "true_mean_days", "rel_error")
    )


def _true_means(truth: Mapping[str, object]) -> pl.DataFrame:
    records = truth.get("distributions")
    needed = {"supplier", "mode", "mean"}
    if not isinstance(records, list) or not all(
        isinstance(r, Mapping) and needed <= r.keys() for r in records
    ):
        raise DataValidationError(
            "truth needs 'distributions': a list of records with supplier, mode and"
            f" mean; received keys {sorted(truth)}"
        )
    return pl.DataFrame(
        {
            "supplier": [str(r["supplier"]) for r in records],
            "mode": [str(r["mode"]) for r in records],
            "true_mean_days": [float(r["mean"]) for r in records],
        }
    )
