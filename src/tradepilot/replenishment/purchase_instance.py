"""The optimiser's instance: validated inputs, demand buckets and purchase bounds.

Demand buckets
--------------
For SKU ``i`` with daily demand mean ``mu`` and standard deviation ``sd``, its
candidates (supplier x mode) arrive at their mean lead times ``a_c``. Let
``f = min a_c``, ``s = max a_c`` and ``T = s + H`` (``H = horizon_days``):

* early bucket ``[f, s)``, only when ``s > f``: the gap before the slowest arrival,
  served by the existing stock and by the candidates arriving at ``f``;
* late bucket ``[s, T)``, served by the existing stock and every candidate.

Stock left at ``f`` is ``I0 = max(position - mu f, 0)``. Demand in a bucket of
``len`` days is ``D_b ~ Normal(mu len, sigma_b)`` with
``sigma_b^2 = sd^2 len + mu^2 (std_f^2 + std_s^2)`` in the early bucket (its length is
uncertain by both lead-time spreads) and ``sd^2 len`` in the late one, floored at
``sqrt(mu len)`` (Poisson-like) when ``poisson_floor``.

Expected sales ``E[min(D_b, q)]`` is concave in the stock ``q`` placed in the
bucket. Breakpoints ``0 < q_1 < ... < q_K`` (``q_j = mean + sigma z_j``, ``z_j``
evenly spaced from -2 to the ``service_level`` quantile, clipped at 0) cut it into
``K = n_segments`` segments. Segment ``k`` holds ``w_bk`` units (``0 <= w_bk <=
q_{k+1} - q_k``) that sell with probability ``P_bk``, the segment's average of
``Pr(D_b > q)``: the chord of ``E[min(D_b, q)]``, close to ``Pr(D_b >`` midpoint
``)``. The ``P_bk`` fall with ``k``, so the LP fills segments in order without
binaries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import special

from tradepilot.domain.errors import DataValidationError
from tradepilot.replenishment.purchase_params import (
    EPS,
    BoolArray,
    FloatArray,
    IntArray,
    PlanParams,
)

SKU_COLUMNS = (
    "sku",
    "price",
    "position",
    "demand_mean_daily",
    "demand_std_daily",
    "holding_rate",
)
CANDIDATE_COLUMNS = (
    "sku",
    "supplier",
    "mode",
    "unit_cost",
    "freight",
    "lead_days",
    "lead_std_days",
    "moq",
    "case_pack",
)
SUPPLIER_COLUMNS = ("supplier", "min_order_value")
#: Lowest breakpoint of the sales curve, in standard deviations below the mean.
Z_LOW = -2.0


@dataclass(slots=True)
class Instance:
    """Arrays of one instance; per SKU (n_skus,), per candidate (n_cand,)."""

    sku: list[str]
    price: FloatArray
    position: FloatArray
    mu: FloatArray
    hold: FloatArray  # holding cost per unit of cost per day
    u_min: FloatArray
    i0: FloatArray
    t_fast: FloatArray
    t_end: FloatArray
    must: BoolArray
    c_sku: IntArray
    c_sup: IntArray
    supplier: list[str]
    mode: list[str]
    pack: FloatArray
    moq: FloatArray
    cost: FloatArray
    freight: FloatArray
    lead: FloatArray
    fast: BoolArray  # arrives at the SKU's fastest lead while a slower one exists
    max_cases: IntArray
    sup_names: list[str]
    mov: FloatArray
    b_sku: IntArray
    b_early: BoolArray
    b_mid: FloatArray
    b_mean: FloatArray
    b_sd: FloatArray
    b_top: FloatArray
    g_bucket: IntArray  # segment -> bucket
    g_width: FloatArray
    g_prob: FloatArray


def _require(frame: pl.DataFrame, name: str, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataValidationError(
            f"{name} needs columns {', '.join(missing)}; found: {', '.join(frame.columns)}"
        )


def _floats(frame: pl.DataFrame, column: str) -> FloatArray:
    values = frame[column].cast(pl.Float64).fill_null(np.nan).to_numpy()
    return np.asarray(values, dtype=np.float64)


def _nonnegative(frame: pl.DataFrame, name: str, columns: tuple[str, ...]) -> None:
    for column in columns:
        values = _floats(frame, column)
        bad = ~(values >= 0) | ~np.isfinite(values)
        if bad.any():
            raise DataValidationError(
                f"{name}.{column} must be finite and >= 0; received"
                f" {values[bad][:3].tolist()} (row {int(np.argmax(bad))})"
            )


def normal_sales(q: FloatArray, mean: FloatArray, sd: FloatArray) -> FloatArray:
    """Expected sales ``E[min(D, q)]`` for ``D ~ Normal(mean, sd)``, elementwise.

    Parameters
    ----------
    q, mean, sd : FloatArray
        Stock, mean and standard deviation of demand in units (broadcast; sd 0
        is certain demand).

    Returns
    -------
    FloatArray
        Expected units sold.

    Examples
    --------
    >>> q = np.array([100.0, 1e9])
    >>> normal_sales(q, np.array([100.0]), np.array([10.0])).round(4).tolist()
    [96.0106, 100.0]
    >>> normal_sales(q, np.array([100.0]), np.array([0.0])).tolist()
    [100.0, 100.0]
    """
    spread = sd > 0
    z = (q - mean) / np.where(spread, sd, 1.0)
    loss = z * special.ndtr(z) + np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    return np.asarray(
        np.where(spread, q - sd * loss, np.minimum(q, mean)), dtype=np.float64
    )


def _segments(
    mean: FloatArray, sd: FloatArray, params: PlanParams
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Breakpoint segments per bucket: widths, selling probabilities, shape (nb, K)."""
    z_top = float(special.ndtri(params.service_level))
    z = np.linspace(Z_LOW, z_top, params.n_segments)
    top = np.maximum(mean[:, None] + sd[:, None] * z, 0.0)
    low = np.concatenate([np.zeros((mean.size, 1)), top[:, :-1]], axis=1)
    width = top - low
    m, s = mean[:, None], sd[:, None]
    gain = normal_sales(top, m, s) - normal_sales(low, m, s)
    at_low = special.ndtr((m - low) / s)
    prob = np.where(width > EPS, gain / np.maximum(width, EPS), at_low)
    return width, np.clip(prob, 0.0, 1.0), top[:, -1]


def _read_skus(
    skus: pl.DataFrame,
) -> tuple[list[str], dict[str, FloatArray], BoolArray]:
    _require(skus, "skus", SKU_COLUMNS)
    _nonnegative(skus, "skus", SKU_COLUMNS[1:])
    names = skus["sku"].cast(pl.String).to_list()
    if len(set(names)) != len(names):
        raise DataValidationError("skus.sku must be unique; received duplicates")
    arrays = {c: _floats(skus, c) for c in SKU_COLUMNS[1:]}
    must = np.zeros(len(names), dtype=np.bool_)
    if "must_order" in skus.columns:
        must = skus["must_order"].fill_null(value=False).to_numpy().astype(np.bool_)
    return names, arrays, must


def _index(values: pl.Series, known: list[str], what: str) -> IntArray:
    lookup = {name: i for i, name in enumerate(known)}
    unknown = sorted(set(values.to_list()) - lookup.keys())
    if unknown:
        raise DataValidationError(
            f"candidates name {what} not in the {what} table: {', '.join(unknown[:5])}"
        )
    return np.array([lookup[v] for v in values.to_list()], dtype=np.int64)


def _read_candidates(
    candidates: pl.DataFrame, suppliers: pl.DataFrame, sku_names: list[str]
) -> tuple[IntArray, IntArray, dict[str, FloatArray]]:
    """Validated candidates: SKU and supplier index and the numeric columns."""
    _require(candidates, "candidates", CANDIDATE_COLUMNS)
    _nonnegative(candidates, "candidates", CANDIDATE_COLUMNS[3:])
    _require(suppliers, "suppliers", SUPPLIER_COLUMNS)
    _nonnegative(suppliers, "suppliers", SUPPLIER_COLUMNS[1:])
    sup_names = suppliers["supplier"].cast(pl.String).to_list()
    c_sku = _index(candidates["sku"].cast(pl.String), sku_names, "sku")
    c_sup = _index(candidates["supplier"].cast(pl.String), sup_names, "supplier")
    numbers = {col: _floats(candidates, col) for col in CANDIDATE_COLUMNS[3:]}
    if (numbers["case_pack"] < 1).any():
        raise DataValidationError("candidates.case_pack must be >= 1 unit; found 0")
    return c_sku, c_sup, numbers


def _lead_extremes(
    c_sku: IntArray, lead: FloatArray, lead_std: FloatArray, n_skus: int
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Fastest and slowest lead per SKU and their spreads (nan without candidates)."""
    t_fast = np.full(n_skus, np.inf)
    t_slow = np.full(n_skus, -np.inf)
    np.minimum.at(t_fast, c_sku, lead)
    np.maximum.at(t_slow, c_sku, lead)
    std_fast = np.zeros(n_skus)
    std_slow = np.zeros(n_skus)
    at_fast = lead == t_fast[c_sku]
    at_slow = lead == t_slow[c_sku]
    np.maximum.at(std_fast, c_sku[at_fast], lead_std[at_fast])
    np.maximum.at(std_slow, c_sku[at_slow], lead_std[at_slow])
    none = ~np.isfinite(t_fast)
    t_fast[none], t_slow[none] = 0.0, 0.0
    return t_fast, t_slow, std_fast, std_slow


def _buckets(
    mu: FloatArray,
    sd: FloatArray,
    t_fast: FloatArray,
    t_slow: FloatArray,
    spread: FloatArray,
    params: PlanParams,
) -> tuple[IntArray, BoolArray, FloatArray, FloatArray, FloatArray]:
    """Early then late buckets: SKU, is-early, middle day, demand mean and std.

    ``spread`` is ``std_f^2 + std_s^2`` per SKU (lead-time variances, days^2).
    """
    early = np.flatnonzero(t_slow > t_fast)
    sku = np.concatenate([early, np.arange(mu.size)]).astype(np.int64)
    is_early = np.arange(sku.size) < early.size
    start = np.where(is_early, t_fast[sku], t_slow[sku])
    end = np.where(is_early, t_slow[sku], t_slow[sku] + params.horizon_days)
    length = end - start
    mean = mu[sku] * length
    var = sd[sku] ** 2 * length + np.where(is_early, mu[sku] ** 2 * spread[sku], 0.0)
    if params.poisson_floor:
        var = np.maximum(var, mean)
    std = np.maximum(np.sqrt(var), EPS * np.maximum(mean, 1.0))
    return sku, is_early, (start + end) / 2, mean, std


def build_instance(
    skus: pl.DataFrame,
    candidates: pl.DataFrame,
    suppliers: pl.DataFrame,
    params: PlanParams,
) -> Instance:
    """Validate the frames and build the arrays, buckets and bounds of one plan.

    Raises
    ------
    DataValidationError
        A column is missing, a value is negative, a candidate names an unknown SKU
        or supplier, or a case pack is below one unit.
    """
    names, s, must = _read_skus(skus)
    sup_names = suppliers["supplier"].cast(pl.String).to_list()
    c_sku, c_sup, c = _read_candidates(candidates, suppliers, names)
    mu, n = s["demand_mean_daily"], len(names)
    t_fast, t_slow, std_f, std_s = _lead_extremes(
        c_sku, c["lead_days"], c["lead_std_days"], n
    )
    b_sku, b_early, b_mid, mean, sd = _buckets(
        mu, s["demand_std_daily"], t_fast, t_slow, std_f**2 + std_s**2, params
    )
    width, prob, top = _segments(mean, sd, params)
    keep = width > EPS
    u_min = np.full(n, np.inf)
    np.minimum.at(u_min, c_sku, c["unit_cost"])
    inst = Instance(
        sku=names,
        price=s["price"],
        position=s["position"],
        mu=mu,
        hold=s["holding_rate"] / 365.0,
        u_min=np.where(np.isfinite(u_min), u_min, 0.0),
        i0=np.maximum(s["position"] - mu * t_fast, 0.0),
        t_fast=t_fast,
        t_end=t_slow + params.horizon_days,
        must=must,
        c_sku=c_sku,
        c_sup=c_sup,
        supplier=candidates["supplier"].cast(pl.String).to_list(),
        mode=candidates["mode"].cast(pl.String).to_list(),
        pack=np.round(c["case_pack"]),
        moq=c["moq"],
        cost=c["unit_cost"],
        freight=c["freight"],
        lead=c["lead_days"],
        fast=(c["lead_days"] == t_fast[c_sku]) & (t_slow[c_sku] > t_fast[c_sku]),
        max_cases=np.zeros(c_sku.size, dtype=np.int64),
        sup_names=sup_names,
        mov=_floats(suppliers, "min_order_value"),
        b_sku=b_sku,
        b_early=b_early,
        b_mid=b_mid,
        b_mean=mean,
        b_sd=sd,
        b_top=top,
        g_bucket=np.nonzero(keep)[0].astype(np.int64),
        g_width=width[keep],
        g_prob=prob[keep],
    )
    inst.max_cases = _max_cases(inst, params.budget)
    return inst


# --- purchase bounds ------------------------------------------------------------------


def _per_sku_top(inst: Instance, early: bool) -> FloatArray:
    top = np.zeros(len(inst.sku))
    pick = inst.b_early == early
    top[inst.b_sku[pick]] = inst.b_top[pick]
    return top


def min_cases(inst: Instance) -> FloatArray:
    """Cases of the smallest order per candidate: the MOQ rounded up, at least 1."""
    return np.maximum(np.ceil(inst.moq / inst.pack - EPS), 1.0)


def min_units(inst: Instance) -> FloatArray:
    """Units of the smallest order per candidate."""
    return inst.pack * min_cases(inst)


def _max_cases(inst: Instance, budget: float | None) -> IntArray:
    """``U_c`` in cases: useful units (or the MOQ), capped by what the budget buys."""
    useful = _per_sku_top(inst, early=False)[inst.c_sku] + np.where(
        inst.fast, _per_sku_top(inst, early=True)[inst.c_sku], 0.0
    )
    cases = np.ceil(np.maximum(useful, min_units(inst)) / inst.pack - EPS)
    cases = np.minimum(cases, affordable(inst, budget))
    cases[cases * inst.pack < min_units(inst) - EPS] = 0
    return cases.astype(np.int64)


def affordable(inst: Instance, budget: float | None) -> FloatArray:
    """Whole cases of each candidate the budget pays for (inf without a budget)."""
    if budget is None:
        return np.full(inst.pack.size, np.inf)
    with np.errstate(divide="ignore"):
        cases = np.floor(budget / (inst.pack * (inst.cost + inst.freight)) + EPS)
    return np.asarray(cases, dtype=np.float64)
