"""Periodic-review (R, s, S) reorder policies per SKU at one location (pure, no I/O).

Every ``R`` days the inventory position is reviewed; at or below the reorder point
``s`` an order brings it up to ``S = s + Q``. The order must cover demand over the
protection period, a lognormal lead time ``L`` (:class:`LeadTime`) plus ``R``, with
daily demand of mean ``mu`` and standard deviation ``sd``:

    mean = mu (E[L] + R),    variance = (E[L] + R) sd^2 + mu^2 Var(L)

(law of total variance). The safety stock is ``k`` standard deviations of it. For a
cycle service level ``alpha`` (chance of no stockout in a cycle) ``k =
Phi^-1(alpha)``; for a fill rate ``beta`` (share of demand served from stock) ``k``
solves ``sigma G(k) = (1 - beta) Q``, ``G`` the standard normal loss function
(:func:`normal_loss`), ``k`` in ``[-1, 4]``.

Where the normal approximation fails, intermittent (lumpy) SKUs or under
:data:`MIN_NORMAL_UNITS` units per protection period, ``s`` is read off simulated
demand: lead times drawn from the :class:`LeadTime` and gamma-Poisson (negative
binomial) demand over ``L + R`` days, Poisson when ``sd^2 <= mu``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import optimize, special, stats

from tradepilot.domain.errors import DataValidationError
from tradepilot.replenishment.leadtimes import LeadTime

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

TARGETS = ("cycle", "fill")
K_BOUNDS = (-1.0, 4.0)
#: Below this mean demand over the protection period (units) the normal fails.
MIN_NORMAL_UNITS = 10.0
# Simulated draws held at once (per chunk of SKUs): ~16 MB per float array.
_CHUNK_DRAWS = 2_000_000
# Float noise tolerated when rounding up to whole units (S - position = 12.0000001).
_UNIT_EPS = 1e-9
#: Service levels a seller may ask for, as fractions (50 % to 99.99 %).
SERVICE_LEVEL_RANGE = (0.5, 0.9999)


def service_level_fraction(value: float) -> float:
    """A service level given as a fraction (0.95) or a percent (95), as a fraction.

    Values above 1 and up to 100 are read as percent; the result must lie within
    :data:`SERVICE_LEVEL_RANGE` (50 % to 99.99 %). The CLI, the API and the
    Restock page all accept both forms through this rule.

    Parameters
    ----------
    value : float
        The service level as typed.

    Returns
    -------
    float
        The cycle service level or fill rate as a fraction.

    Raises
    ------
    DataValidationError
        Outside 50 % to 99.99 % (or not a finite number).

    Examples
    --------
    >>> service_level_fraction(95), service_level_fraction(0.95)
    (0.95, 0.95)
    >>> service_level_fraction(150)
    Traceback (most recent call last):
    ...
    tradepilot.domain.errors.DataValidationError: service level must be 50 to 99.99 % (a percent such as 95, or a fraction such as 0.95); received 150
    """
    level = value / 100 if 1 < value <= 100 else value
    low, high = SERVICE_LEVEL_RANGE
    if not (math.isfinite(level) and low <= level <= high):
        raise DataValidationError(
            "service level must be 50 to 99.99 % (a percent such as 95, or a"
            f" fraction such as 0.95); received {value:g}"
        )
    return level


@dataclass(frozen=True, slots=True)
class PolicyLevels:
    """Reorder levels per SKU, every array of shape (n_skus,), in units.

    Attributes
    ----------
    safety_stock : FloatArray
        ``reorder_point - protection_mean``.
    reorder_point : FloatArray
        ``s``: order at a review when the inventory position is at or below it.
    order_up_to : FloatArray
        ``S = s + cycle_qty``, capped at ``mean_daily * shelf_life_days``.
    cycle_qty : FloatArray
        ``Q`` as given.
    protection_mean, protection_std : FloatArray
        Mean and standard deviation of demand over lead time plus review period,
        from the analytic formulas (also for simulated SKUs).
    method : numpy.ndarray of str
        ``"normal"`` or ``"simulation"``: how ``s`` was set.
    shelf_life_capped : BoolArray
        True where the shelf-life cap lowered ``S``.
    """

    safety_stock: FloatArray
    reorder_point: FloatArray
    order_up_to: FloatArray
    cycle_qty: FloatArray
    protection_mean: FloatArray
    protection_std: FloatArray
    method: npt.NDArray[np.str_]
    shelf_life_capped: BoolArray


def normal_loss(k: npt.ArrayLike) -> FloatArray:
    """Standard normal loss ``G(k) = phi(k) - k (1 - Phi(k)) = E[(Z - k)^+]``.

    Parameters
    ----------
    k : array_like
        Safety factors (standard deviations), any shape.

    Returns
    -------
    FloatArray
        ``G(k)``, the shape of ``k``.

    Examples
    --------
    >>> normal_loss([-1.0, 0.0, 1.0, 2.0]).round(6)
    array([1.083315, 0.398942, 0.083315, 0.008491])
    """
    z = np.asarray(k, dtype=np.float64)
    out: FloatArray = stats.norm.pdf(z) - z * special.ndtr(-z)
    return out


def reorder_levels(
    mean_daily: npt.ArrayLike,
    std_daily: npt.ArrayLike,
    *,
    lead_mean_days: npt.ArrayLike,
    lead_std_days: npt.ArrayLike,
    review_days: float,
    service_level: float,
    target: str = "cycle",
    cycle_qty: npt.ArrayLike,
    intermittent: npt.ArrayLike | None = None,
    shelf_life_days: npt.ArrayLike | None = None,
    n_draws: int = 4000,
    seed: int = 0,
) -> PolicyLevels:
    """Safety stock, reorder point ``s`` and order-up-to level ``S`` per SKU.

    Parameters
    ----------
    mean_daily, std_daily : array_like
        Mean and standard deviation of daily demand (units/day, >= 0), shape
        (n_skus,) or scalar; every array argument broadcasts to one shape.
    lead_mean_days, lead_std_days : array_like
        Mean (> 0) and standard deviation (>= 0) of the lognormal lead time, days.
    review_days : float
        Review period ``R`` in days (>= 0).
    service_level : float
        Target in (0, 1): cycle service level or fill rate, per ``target``.
    target : {"cycle", "fill"}
        ``"cycle"``: P(no stockout in a cycle); ``"fill"``: share of demand served.
    cycle_qty : array_like
        ``Q`` in units (>= 0), e.g. an EOQ or weeks of cover.
    intermittent : array_like of bool, optional
        True forces the simulation method; it is also used wherever the mean
        demand over ``L + R`` is below :data:`MIN_NORMAL_UNITS`.
    shelf_life_days : array_like, optional
        Days (> 0) before a unit expires, NaN for none; caps ``S`` at
        ``mean_daily * shelf_life_days``. If the cap falls below ``s``, orders
        only resume once the position is under ``S``.
    n_draws : int
        Simulated protection periods per simulated SKU.
    seed : int
        Seed of the simulation's ``numpy.random.Generator``.

    Returns
    -------
    PolicyLevels
        Arrays of shape (n_skus,); a scalar call gives n_skus = 1.

    Raises
    ------
    DataValidationError
        An argument is out of range or the arrays do not broadcast.

    Examples
    --------
    10 units/day (sd 3), fixed 20-day lead time, weekly review, 95% cycle service:

    >>> lv = reorder_levels(10.0, 3.0, lead_mean_days=20.0, lead_std_days=0.0,
    ...                     review_days=7, service_level=0.95, cycle_qty=70.0)
    >>> lv.protection_std.round(4), lv.reorder_point.round(4), lv.order_up_to.round(4)
    (array([15.5885]), array([295.6407]), array([365.6407]))
    >>> str(lv.method[0]), bool(lv.shelf_life_capped[0])
    ('normal', False)
    """
    _check_scalars(review_days, service_level, target, n_draws)
    a = _sku_arrays(
        mean_daily=mean_daily,
        std_daily=std_daily,
        lead_mean_days=lead_mean_days,
        lead_std_days=lead_std_days,
        cycle_qty=cycle_qty,
        intermittent=False if intermittent is None else intermittent,
        shelf_life_days=np.nan if shelf_life_days is None else shelf_life_days,
    )
    mu, q = a["mean_daily"], a["cycle_qty"]
    period = a["lead_mean_days"] + review_days
    p_mean = mu * period
    p_std = np.sqrt(period * a["std_daily"] ** 2 + mu**2 * a["lead_std_days"] ** 2)
    simulate = a["intermittent"].astype(bool) | (p_mean < MIN_NORMAL_UNITS)
    shortfall = (1.0 - service_level) * q  # allowed expected units short per cycle
    if target == "cycle":
        k = np.full_like(p_mean, stats.norm.ppf(service_level))
    else:
        k = _fill_rate_k(shortfall, p_std)
    s = p_mean + k * p_std
    if simulate.any():
        s[simulate] = _simulated_reorder_points(
            rng=np.random.default_rng(seed),
            rows=np.flatnonzero(simulate),
            arrays=a,
            review_days=review_days,
            level=service_level if target == "cycle" else None,
            shortfall=shortfall,
            n_draws=n_draws,
        )
    cap = mu * a["shelf_life_days"]
    capped = ~np.isnan(cap) & (cap < s + q)
    return PolicyLevels(
        safety_stock=s - p_mean,
        reorder_point=s,
        order_up_to=np.where(capped, cap, s + q),
        cycle_qty=q,
        protection_mean=p_mean,
        protection_std=p_std,
        method=np.where(simulate, "simulation", "normal"),
        shelf_life_capped=capped,
    )


_Rule = Callable[[FloatArray], BoolArray]


def _non_negative(x: FloatArray) -> BoolArray:
    ok: BoolArray = np.isfinite(x) & (x >= 0)
    return ok


def _positive(x: FloatArray) -> BoolArray:
    ok: BoolArray = np.isfinite(x) & (x > 0)
    return ok


def _whole_positive(x: FloatArray) -> BoolArray:
    ok: BoolArray = np.isfinite(x) & (x >= 1) & (x == np.floor(x))
    return ok


def _flag(x: FloatArray) -> BoolArray:
    ok: BoolArray = (x == 0) | (x == 1)
    return ok


def _positive_or_nan(x: FloatArray) -> BoolArray:
    ok: BoolArray = np.isnan(x) | (x > 0)
    return ok


_ALLOWED: dict[str, tuple[str, _Rule]] = {
    "mean_daily": ("finite and >= 0", _non_negative),
    "std_daily": ("finite and >= 0", _non_negative),
    "lead_mean_days": ("finite and > 0", _positive),
    "lead_std_days": ("finite and >= 0", _non_negative),
    "cycle_qty": ("finite and >= 0", _non_negative),
    "intermittent": ("True or False", _flag),
    "shelf_life_days": ("> 0 or NaN (none)", _positive_or_nan),
}


def _check_scalars(review_days: float, level: float, target: str, n_draws: int) -> None:
    if target not in TARGETS:
        raise DataValidationError(
            f"target must be 'cycle' or 'fill'; received {target!r}"
        )
    if not 0.0 < level < 1.0:
        raise DataValidationError(
            f"service_level must be in (0, 1) (exclusive); received {level!r}"
        )
    if not (math.isfinite(review_days) and review_days >= 0):
        raise DataValidationError(
            f"review_days must be finite and >= 0; received {review_days!r}"
        )
    if isinstance(n_draws, bool) or not isinstance(n_draws, int) or n_draws < 1:
        raise DataValidationError(
            f"n_draws must be an integer >= 1; received {n_draws!r}"
        )


def _broadcast(**arrays: npt.ArrayLike) -> dict[str, FloatArray]:
    """The arguments as float arrays of one broadcast shape, or a named error."""
    raw = {name: np.asarray(value, dtype=np.float64) for name, value in arrays.items()}
    try:
        shaped = np.broadcast_arrays(*raw.values())
    except ValueError:
        shapes = ", ".join(f"{n} {v.shape}" for n, v in raw.items())
        raise DataValidationError(
            f"arguments must broadcast to one shape (n_skus,); received {shapes}"
        ) from None
    return dict(zip(raw, shaped, strict=True))


def _sku_arrays(**arrays: npt.ArrayLike) -> dict[str, FloatArray]:
    """Broadcast the per-SKU arguments to one 1-D float shape and check their ranges."""
    shaped = _broadcast(**arrays)
    shape = shaped["mean_daily"].shape
    if len(shape) > 1:
        raise DataValidationError(
            f"per-SKU arguments must be scalars or 1-D; received shape {shape}"
        )
    out = {n: np.atleast_1d(v).astype(np.float64) for n, v in shaped.items()}
    for name, values in out.items():
        _require(name, values, *_ALLOWED[name])
    return out


def _require(name: str, values: FloatArray, allowed: str, rule: _Rule) -> None:
    """Raise naming ``name``, the rule and the first value (and index) breaking it."""
    ok = np.asarray(rule(values))
    if not np.all(ok):
        i = int(np.flatnonzero(~ok)[0])
        where = f" at index {i}" if values.ndim else ""
        raise DataValidationError(
            f"{name} must be {allowed}; received {float(values.flat[i])}{where}"
        )


def _loss(k: float) -> float:
    """Scalar ``G(k)`` with ``math`` (brentq calls it ~15 times per SKU)."""
    return math.exp(-0.5 * k * k) / math.sqrt(2 * math.pi) - k * 0.5 * math.erfc(
        k / math.sqrt(2)
    )


def _k_for_loss(ratio: float) -> float:
    """``k`` in ``K_BOUNDS`` with ``G(k) = ratio`` (``G`` falls from 1.083 to 7e-6)."""
    low, high = K_BOUNDS
    if _loss(low) <= ratio:
        return low
    if _loss(high) >= ratio:
        return high
    return float(optimize.brentq(lambda k: _loss(k) - ratio, low, high, xtol=1e-12))


def _fill_rate_k(shortfall: FloatArray, p_std: FloatArray) -> FloatArray:
    """Solve ``p_std G(k) = shortfall`` per SKU; ``k = 0`` where ``p_std`` is 0."""
    positive = p_std > 0
    ratio = np.divide(shortfall, p_std, out=np.zeros_like(p_std), where=positive)
    unique, inverse = np.unique(ratio[positive], return_inverse=True)
    k = np.zeros_like(p_std)
    k[positive] = np.array([_k_for_loss(float(r)) for r in unique])[inverse]
    return k


def _simulated_reorder_points(
    *,
    rng: np.random.Generator,
    rows: npt.NDArray[np.intp],
    arrays: dict[str, FloatArray],
    review_days: float,
    level: float | None,
    shortfall: FloatArray,
    n_draws: int,
) -> FloatArray:
    """``s`` from simulated protection-period demand for SKUs ``rows``, in chunks.

    ``level`` set: the empirical ``level`` quantile (cycle service); ``None``: the
    smallest ``s`` with expected shortage at most ``shortfall`` (fill rate).
    """
    out = np.empty(rows.size)
    step = max(1, _CHUNK_DRAWS // n_draws)
    for start in range(0, rows.size, step):
        chunk = rows[start : start + step]
        demand = _draw_demand(rng, chunk, arrays, review_days, n_draws)
        if level is not None:
            points = np.quantile(demand, level, axis=1, method="inverted_cdf")
        else:
            points = _fill_rate_points(demand, shortfall[chunk])
        out[start : start + chunk.size] = points
    return out


def _draw_demand(
    rng: np.random.Generator,
    rows: npt.NDArray[np.intp],
    arrays: dict[str, FloatArray],
    review_days: float,
    n_draws: int,
) -> npt.NDArray[np.int64]:
    """Gamma-Poisson demand over ``L + R`` days, shape (rows.size, n_draws), units."""
    means, stds = arrays["lead_mean_days"][rows], arrays["lead_std_days"][rows]
    days = np.stack(
        [
            LeadTime(float(m), float(s)).sample(rng, n_draws)
            for m, s in zip(means, stds, strict=True)
        ]
    )
    days += review_days
    mu = arrays["mean_daily"][rows, None]
    excess = arrays["std_daily"][rows, None] ** 2 - mu  # variance beyond Poisson, /day
    rate = mu * days
    mixed = (excess[:, 0] > 0) & (mu[:, 0] > 0)
    if mixed.any():
        # Gamma rate over t days: mean mu t, variance t excess; scale is t-free.
        shape = days[mixed] * mu[mixed] ** 2 / excess[mixed]
        rate[mixed] = rng.gamma(shape, excess[mixed] / mu[mixed])
    return rng.poisson(rate)


def _fill_rate_points(
    demand: npt.NDArray[np.int64], shortfall: FloatArray
) -> FloatArray:
    """Smallest integer ``s >= 0`` with ``mean((D - s)^+) <= shortfall`` per row.

    On sorted draws ``d``, ``n E[(D - d_j)^+] = sum_{i>j} d_i - (n-1-j) d_j`` falls
    with ``j``. With ``j*`` the first index where it is within ``n shortfall``, the
    shortage is linear on ``(d_{j*-1}, d_{j*}]`` with slope ``-(n - j*) / n``, so
    ``s = ceil((sum_{i>=j*} d_i - n shortfall) / (n - j*))``; at ``j* = 0`` this is
    ``ceil(mean - shortfall)``, the shortage left of every draw.
    """
    d = np.sort(demand, axis=1).astype(np.float64)
    n = d.shape[1]
    tail = np.cumsum(d[:, ::-1], axis=1)[:, ::-1]  # tail[:, j] = sum_{i>=j} d_i
    above = np.concatenate([tail[:, 1:], np.zeros((d.shape[0], 1))], axis=1)
    short_n = above - (n - 1 - np.arange(n)) * d
    allowed_n = n * shortfall[:, None]
    first = np.argmax(short_n <= allowed_n + _UNIT_EPS, axis=1)
    tail_first = np.take_along_axis(tail, first[:, None], axis=1)[:, 0]
    points = np.ceil((tail_first - allowed_n[:, 0]) / (n - first) - _UNIT_EPS)
    out: FloatArray = np.maximum(points, 0.0)
    return out


def order_quantity(
    position: npt.ArrayLike,
    levels: PolicyLevels,
    *,
    moq: npt.ArrayLike,
    case_pack: npt.ArrayLike,
) -> IntArray:
    """Units to order at a review: ``S - position`` rounded, where ``position <= s``.

    Parameters
    ----------
    position : array_like
        Inventory position (on hand + on order - backorders), units, shape (n_skus,).
    levels : PolicyLevels
        From :func:`reorder_levels`.
    moq, case_pack : array_like
        Minimum order quantity (>= 0) and case pack (integer >= 1), units.

    Returns
    -------
    numpy.ndarray of int64
        Units to order, shape (n_skus,); 0 above the reorder point.

    Raises
    ------
    DataValidationError
        A position is not finite, or ``moq`` / ``case_pack`` are out of range.

    Examples
    --------
    >>> lv = reorder_levels(10.0, 3.0, lead_mean_days=20.0, lead_std_days=0.0,
    ...                     review_days=7, service_level=0.95, cycle_qty=70.0)
    >>> order_quantity([296.0, 295.0, 100.0], lv, moq=0, case_pack=12)
    array([  0,  72, 276])
    """
    a = _broadcast(
        position=position,
        reorder_point=levels.reorder_point,
        order_up_to=levels.order_up_to,
    )
    pos = a["position"]
    _require("position", pos, "finite units", np.isfinite)
    need = np.where(pos <= a["reorder_point"], a["order_up_to"] - pos, 0.0)
    return _round_array(need, moq, case_pack)


def round_order(
    qty: npt.ArrayLike, *, moq: npt.ArrayLike, case_pack: npt.ArrayLike
) -> IntArray | int:
    """Round order quantities to whole case packs, at least the MOQ.

    ``qty <= 0`` gives 0; otherwise ``qty`` is rounded up to a multiple of
    ``case_pack`` and raised to at least ``moq`` rounded up to a multiple of it.

    Parameters
    ----------
    qty : array_like
        Wanted units, any shape; float noise under 1e-9 units is ignored.
    moq : array_like
        Minimum order quantity in units (>= 0).
    case_pack : array_like
        Units per case (integer >= 1).

    Returns
    -------
    numpy.ndarray of int64 or int
        Units to order, the broadcast shape; an ``int`` for scalar arguments.

    Raises
    ------
    DataValidationError
        ``qty`` not finite, ``moq < 0`` or ``case_pack`` not an integer >= 1.

    Examples
    --------
    >>> round_order([0, -3, 5, 25, 24], moq=30, case_pack=12)
    array([ 0,  0, 36, 36, 36])
    >>> round_order(24, moq=0, case_pack=12)
    24
    """
    out = _round_array(np.asarray(qty, dtype=np.float64), moq, case_pack)
    return int(out) if out.ndim == 0 else out


def _round_array(
    qty: FloatArray, moq: npt.ArrayLike, case_pack: npt.ArrayLike
) -> IntArray:
    a = _broadcast(qty=qty, moq=moq, case_pack=case_pack)
    qty, floor, pack = a["qty"], a["moq"], a["case_pack"]
    _require("qty", qty, "finite units", np.isfinite)
    _require("moq", floor, "finite and >= 0 units", _non_negative)
    _require("case_pack", pack, "an integer >= 1", _whole_positive)
    packs = np.maximum(np.ceil(qty / pack - _UNIT_EPS), np.ceil(floor / pack))
    return np.where(qty > 0, packs * pack, 0.0).astype(np.int64)


def economic_order_quantity(
    annual_demand: npt.ArrayLike,
    *,
    order_cost: npt.ArrayLike,
    holding_cost_per_unit_year: npt.ArrayLike,
) -> FloatArray:
    """Economic order quantity ``sqrt(2 K D / h)`` (units), 0 where ``D == 0``.

    Parameters
    ----------
    annual_demand : array_like
        ``D``, units per year (>= 0), shape (n_skus,) or scalar.
    order_cost : array_like
        ``K``, fixed cost per order (>= 0), in one currency with ``h``.
    holding_cost_per_unit_year : array_like
        ``h``, cost of holding one unit for a year (> 0).

    Returns
    -------
    FloatArray
        Units per order, the broadcast shape.

    Raises
    ------
    DataValidationError
        A negative or non-finite ``D`` or ``K``, or ``h <= 0``.

    Examples
    --------
    >>> economic_order_quantity([1200.0, 0.0], order_cost=50.0,
    ...                         holding_cost_per_unit_year=3.0)
    array([200.,   0.])
    """
    a = _broadcast(
        annual_demand=annual_demand,
        order_cost=order_cost,
        holding_cost_per_unit_year=holding_cost_per_unit_year,
    )
    _require("annual_demand", a["annual_demand"], "finite and >= 0", _non_negative)
    _require("order_cost", a["order_cost"], "finite and >= 0", _non_negative)
    holding = a["holding_cost_per_unit_year"]
    _require("holding_cost_per_unit_year", holding, "finite and > 0", _positive)
    # D = 0 gives sqrt(0) = 0 as h > 0: no special case needed.
    out: FloatArray = np.sqrt(2.0 * a["order_cost"] * a["annual_demand"] / holding)
    return out
