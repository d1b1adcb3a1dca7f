r"""Cash-limited purchase optimiser: which SKU to buy, from whom, by sea or air (MILP).

Pure core: polars frames in, a :class:`PurchasePlan` out, solved by HiGHS
(``highspy``) in matrix form. All money is in the base currency.

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

Variables and constraints
-------------------------
* ``x_c = pack_c n_c`` units, ``n_c`` integer, ``0 <= x_c <= U_c`` where ``U_c``
  is the sum of ``q_K`` over the buckets ``c`` can serve (or the MOQ if larger),
  rounded up to whole cases and capped by ``budget / (cost_c + freight_c)``; a
  supplier whose ``U_c`` add up to less than its minimum order has them scaled up
  to reach it (buying filler), or is left out when the budget cannot.
* MOQ, when above one case: binary ``y_c``, ``moq_c y_c <= x_c <= U_c y_c``.
* Supplier minimum order value ``MOV_s > 0``: binary ``z_s``,
  ``sum_c cost_c x_c >= MOV_s z_s`` and ``y_c <= z_s`` (or ``x_c <= U_c z_s``).
* Stock placed: ``sum_k w_Ek <= I0 + sum_{c: a_c = f} x_c`` and
  ``sum_bk w_bk <= I0 + sum_c x_c`` (units are placed in buckets that start at or
  after their arrival; with two nested buckets these two rows are exact).
* Budget: ``sum_c (cost_c + freight_c) x_c <= budget``.
* Capacity: ``sum_c x_c + sum_i position_i <= warehouse_capacity``. A
  simplification: every unit is counted as if all arrived at once and nothing sold
  meanwhile, so the bound is conservative.
* ``must_order`` SKUs: ``sum_c n_c >= 1``.
* Tightening (keeps every optimal plan): ``w_k <= own_k + width_k o_i`` with
  ``0 <= o_i <= sum_c y_c + sum_c n_c`` (``y_c`` for candidates with a MOQ
  switch, ``n_c`` for the others), ``own_k`` the units of ``I0`` in segment ``k``
  when nothing is bought. With a fractional ``y`` the LP then earns only the chord
  of the sales curve up to the MOQ instead of its steep start.

Objective (maximise)
--------------------
Buying spends cash (the budget row) but is not a loss: stock left at ``T`` keeps
its value. Left-over stock is valued at the SKU's cheapest candidate cost ``u_i``
(never above what was paid, so buying to store is never rewarded). Hence the
objective counts only margin, freight, holding and the premium paid over ``u_i``::

    sum_bk P_bk w_bk [price_i - u_i + penalty + h_i u_i (T - m_b)]
      - sum_c x_c [freight_c + (cost_c - u_i) + h_i cost_c (T - a_c)]

``h_i = holding_rate / 365``, ``m_b`` the middle of bucket ``b``: every unit bought
is charged holding until ``T`` and a unit expected to sell in ``b`` is credited the
days from ``m_b`` to ``T``. ``penalty`` is the ``stockout_penalty`` per unit of lost
demand. So a covered SKU buys nothing, the slow mode is preferred when there is
time, and the fast mode only fills the early gap where the margin beats its
freight. The objective is offset by its value when nothing is bought (``I0``
alone), so :attr:`PurchasePlan.objective` and the gap measure what the purchases
add.

Solving
-------
With at least :data:`WARM_START_CANDIDATES` candidates a rounded LP plan comes
first: solve the LP relaxation (an upper bound), fix the MOQ and supplier switches
where the LP buys at least a share of the MOQ (:data:`MOQ_OPEN_SHARES`, best kept),
re-solve, round cases down, top up to supplier minimums and spend what is left on
the most fractional lines; then toggle single MOQs where that raises the SKU's
value at the LP's shadow prices of budget and capacity, and re-solve and round
once more. If the plan is within ``mip_gap`` of the LP bound it is returned; otherwise it seeds HiGHS's branch and bound (presolve off, which cost
more than it saved at 5,000 SKUs) for the rest of ``time_limit``. Smaller models
go straight to HiGHS.

Examples
--------
>>> skus = pl.DataFrame({"sku": ["A"], "price": [10.0], "position": [0.0],
...     "demand_mean_daily": [2.0], "demand_std_daily": [0.0], "holding_rate": [0.2]})
>>> cands = pl.DataFrame({"sku": ["A"], "supplier": ["S1"], "mode": ["sea"],
...     "unit_cost": [4.0], "freight": [0.5], "lead_days": [30.0],
...     "lead_std_days": [0.0], "moq": [0], "case_pack": [12]})
>>> sups = pl.DataFrame({"supplier": ["S1"], "min_order_value": [0.0]})
>>> plan = solve_purchase_plan(skus, cands, sups,
...     PlanParams(horizon_days=50, poisson_floor=False))
>>> plan.status, plan.lines["qty"].to_list(), plan.spent
('optimal', [108], 486.0)
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Literal

import highspy
import numpy as np
import numpy.typing as npt
import polars as pl
from scipy import special

from tradepilot.domain.errors import DataValidationError
from tradepilot.replenishment.highs import silent_highs

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
PlanStatus = Literal["optimal", "feasible", "infeasible"]

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
LINE_SCHEMA: dict[str, type[pl.DataType]] = {
    "sku": pl.String,
    "supplier": pl.String,
    "mode": pl.String,
    "qty": pl.Int64,
    "unit_cost": pl.Float64,
    "freight": pl.Float64,
    "cost_base": pl.Float64,
    "lead_days": pl.Float64,
    "expected_sales_units": pl.Float64,
    "expected_margin": pl.Float64,
    "covers_days": pl.Float64,
    "reason_code": pl.String,
}
#: Candidates from which a rounded LP plan is tried before the MIP search.
WARM_START_CANDIDATES = 1_000
#: The warm start tries opening MOQs where the LP buys at least these shares of them.
MOQ_OPEN_SHARES = (0.75, 0.6, 0.5)
#: Lowest breakpoint of the sales curve, in standard deviations below the mean.
Z_LOW = -2.0
_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class PlanParams:
    """Settings of one purchase plan.

    Parameters
    ----------
    horizon_days : float
        Days of demand each purchase must cover after the slowest arrival (> 0).
    budget : float or None
        Cash for the purchase incl. freight, base currency; None = unlimited.
    warehouse_capacity : float or None
        Units the warehouse holds (position plus purchases); None = unlimited.
    stockout_penalty : float
        Extra cost per unit of lost demand on top of the lost margin (>= 0).
    service_level : float
        Quantile the sales curve's segments reach (0.5 < level < 1).
    n_segments : int
        Segments of each bucket's sales curve (>= 2).
    mip_gap : float
        Relative MIP gap at which HiGHS stops.
    time_limit : float
        Seconds HiGHS may run.
    threads : int
        HiGHS threads.
    poisson_floor : bool
        Floor each bucket's demand standard deviation at ``sqrt(mean)``.
    currency : str
        Code printed before amounts in explanations ("EUR"); empty prints none.
    """

    horizon_days: float
    budget: float | None = None
    warehouse_capacity: float | None = None
    stockout_penalty: float = 0.0
    service_level: float = 0.995
    n_segments: int = 6
    mip_gap: float = 0.01
    time_limit: float = 60.0
    threads: int = 2
    poisson_floor: bool = True
    currency: str = ""

    def __post_init__(self) -> None:
        checks = {
            "horizon_days > 0": self.horizon_days > 0,
            "budget >= 0 or None": self.budget is None or self.budget >= 0,
            "warehouse_capacity >= 0 or None": self.warehouse_capacity is None
            or self.warehouse_capacity >= 0,
            "stockout_penalty >= 0": self.stockout_penalty >= 0,
            "0.5 < service_level < 1": 0.5 < self.service_level < 1,
            "n_segments >= 2": self.n_segments >= 2,
            "mip_gap >= 0": self.mip_gap >= 0,
            "time_limit > 0": self.time_limit > 0,
            "threads >= 1": self.threads >= 1,
        }
        broken = [rule for rule, ok in checks.items() if not ok]
        if broken:
            raise DataValidationError(
                f"PlanParams needs {', '.join(broken)}; received {self!r}"
            )

    def money(self, amount: float) -> str:
        """Format ``amount`` with the currency code, e.g. ``"EUR 1,234.50"``."""
        return f"{self.currency} {amount:,.2f}".strip()


@dataclass(frozen=True, slots=True)
class PurchasePlan:
    """A solved purchase plan.

    Attributes
    ----------
    status : {"optimal", "feasible", "infeasible"}
        "feasible": stopped at the time limit with a plan whose gap exceeds the
        target.
    explanation : str
        Plain-words summary, or why there is no plan.
    lines : polars.DataFrame
        One row per purchase, columns :data:`LINE_SCHEMA`.
    objective : float
        Model objective (expected margin minus freight, holding and cost premium).
    gap : float
        Relative MIP gap reached (0 when proven optimal).
    seconds : float
        Wall time of the solve.
    spent : float
        Cash of the plan, ``sum(cost_base)``.
    """

    status: PlanStatus
    explanation: str
    lines: pl.DataFrame
    objective: float
    gap: float
    seconds: float
    spent: float


# --- inputs and demand buckets --------------------------------------------------------


@dataclass(slots=True)
class _Instance:
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
    prob = np.where(width > _EPS, gain / np.maximum(width, _EPS), at_low)
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
    std = np.maximum(np.sqrt(var), _EPS * np.maximum(mean, 1.0))
    return sku, is_early, (start + end) / 2, mean, std


def _build_instance(
    skus: pl.DataFrame,
    candidates: pl.DataFrame,
    suppliers: pl.DataFrame,
    params: PlanParams,
) -> _Instance:
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
    keep = width > _EPS
    u_min = np.full(n, np.inf)
    np.minimum.at(u_min, c_sku, c["unit_cost"])
    inst = _Instance(
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


# --- purchase bounds and checks before solving ----------------------------------------


def _per_sku_top(inst: _Instance, early: bool) -> FloatArray:
    top = np.zeros(len(inst.sku))
    pick = inst.b_early == early
    top[inst.b_sku[pick]] = inst.b_top[pick]
    return top


def _min_cases(inst: _Instance) -> FloatArray:
    """Cases of the smallest order per candidate: the MOQ rounded up, at least 1."""
    return np.maximum(np.ceil(inst.moq / inst.pack - _EPS), 1.0)


def _min_units(inst: _Instance) -> FloatArray:
    """Units of the smallest order per candidate."""
    return inst.pack * _min_cases(inst)


def _max_cases(inst: _Instance, budget: float | None) -> IntArray:
    """``U_c`` in cases: useful units (or the MOQ), capped by what the budget buys."""
    useful = _per_sku_top(inst, early=False)[inst.c_sku] + np.where(
        inst.fast, _per_sku_top(inst, early=True)[inst.c_sku], 0.0
    )
    cases = np.ceil(np.maximum(useful, _min_units(inst)) / inst.pack - _EPS)
    cases = np.minimum(cases, _affordable(inst, budget))
    cases[cases * inst.pack < _min_units(inst) - _EPS] = 0
    return cases.astype(np.int64)


def _affordable(inst: _Instance, budget: float | None) -> FloatArray:
    """Whole cases of each candidate the budget pays for (inf without a budget)."""
    if budget is None:
        return np.full(inst.pack.size, np.inf)
    with np.errstate(divide="ignore"):
        cases = np.floor(budget / (inst.pack * (inst.cost + inst.freight)) + _EPS)
    return np.asarray(cases, dtype=np.float64)


def _supplier_reach(inst: _Instance) -> FloatArray:
    """Order value per supplier if every candidate bought ``U_c``."""
    value = inst.cost * inst.pack * inst.max_cases
    return np.bincount(inst.c_sup, weights=value, minlength=inst.mov.size).astype(
        np.float64
    )


def _reach_or_drop(inst: _Instance, params: PlanParams) -> list[str]:
    """Let each supplier's candidates reach its minimum order (topping ``U_c`` up
    in proportion) or leave the supplier out when the budget cannot; in place."""
    notes, budget = [], params.budget
    reach = _supplier_reach(inst)
    for s in np.flatnonzero((inst.mov > 0) & (reach > 0) & (reach < inst.mov)):
        mine = inst.c_sup == s
        scaled = np.ceil(inst.max_cases[mine] * inst.mov[s] / reach[s])
        inst.max_cases[mine] = np.minimum(scaled, _affordable(inst, budget)[mine])
    reach = _supplier_reach(inst)
    for s in np.flatnonzero((inst.mov > 0) & (reach < inst.mov)):
        if (inst.c_sup == s).any():
            notes.append(
                f"supplier {inst.sup_names[s]}'s minimum order"
                f" {params.money(inst.mov[s])} is out of reach: the budget"
                f" {params.money(budget or 0.0)} buys at most"
                f" {params.money(reach[s])} of its goods; its candidates are left out"
            )
        inst.max_cases[inst.c_sup == s] = 0
    return notes


def _cheapest_order(inst: _Instance, rows: IntArray, params: PlanParams) -> str:
    """Words for the cheapest smallest order among candidate ``rows``."""
    units = _min_units(inst)[rows]
    cash = units * (inst.cost + inst.freight)[rows]
    best = rows[int(np.argmin(cash))]
    unit = inst.cost[best] + inst.freight[best]
    return (
        f"SKU {inst.sku[inst.c_sku[best]]} needs at least {units.min():.0f} units"
        f" x {unit:,.2f} = {params.money(float(cash.min()))}"
    )


def _must_order_problem(inst: _Instance, params: PlanParams) -> str | None:
    """Why the must-order SKUs cannot all be bought, or None."""
    open_ = inst.max_cases > 0
    for i in np.flatnonzero(inst.must):
        if not open_[inst.c_sku == i].any():
            rows = np.flatnonzero(inst.c_sku == i)
            if rows.size == 0:
                return f"SKU {inst.sku[i]} must be ordered but has no supplier or mode"
            budget = "unlimited"
            if params.budget is not None:
                budget = params.money(params.budget)
            return (
                f"SKU {inst.sku[i]} must be ordered but no order fits: "
                f"{_cheapest_order(inst, rows, params)}, budget {budget}, or its"
                " supplier's minimum order is out of reach; raise the budget or"
                " lower the MOQ"
            )
    return None


def _screen(inst: _Instance, params: PlanParams) -> tuple[list[str], str | None]:
    """Checks before solving: notes for the explanation and a fatal reason or None."""
    held = float(inst.position.sum())
    cap = params.warehouse_capacity
    if cap is not None and held > cap + _EPS:
        return [], (
            f"warehouse capacity {cap:,.0f} units is already exceeded: stock on hand"
            f" and on order is {held:,.0f} units; nothing can be bought; raise"
            " warehouse_capacity or sell down first"
        )
    notes = _reach_or_drop(inst, params)
    return notes + _priced_out(inst, params), _must_order_problem(inst, params)


def _needy(inst: _Instance) -> BoolArray:
    """SKUs whose stock at the first arrival is below mean demand to the end."""
    return np.asarray(inst.i0 < inst.mu * (inst.t_end - inst.t_fast))


def _priced_out(inst: _Instance, params: PlanParams) -> list[str]:
    """A note on SKUs that need stock but whose every order is out of reach."""
    has_open = np.bincount(inst.c_sku, inst.max_cases > 0, len(inst.sku)) > 0
    has_any = np.bincount(inst.c_sku, minlength=len(inst.sku)) > 0
    out = _needy(inst) & has_any & ~has_open
    if params.budget is None or not out.any() or not has_open.any():
        return []
    rows = np.flatnonzero(out[inst.c_sku])
    return [
        f"{int(out.sum())} SKUs that need stock have no order within reach, e.g."
        f" {_cheapest_order(inst, rows, params)}"
    ]


def _nothing_reason(inst: _Instance, params: PlanParams, notes: list[str]) -> str:
    """Why no candidate can be bought at all (called when every ``U_c`` is 0)."""
    if inst.c_sku.size == 0:
        return "no SKU has a supplier or mode to buy from: nothing bought"
    if params.budget == 0:
        return "budget 0: nothing bought"
    cash = _min_units(inst) * (inst.cost + inst.freight)
    if params.budget is None or (cash <= params.budget).any():
        return "nothing can be bought: " + "; ".join(notes)
    needy = np.flatnonzero(_needy(inst)[inst.c_sku])
    rows = needy if needy.size else np.arange(inst.c_sku.size)
    return (
        f"budget {params.money(params.budget)} is below the cheapest minimum"
        f" order: {_cheapest_order(inst, rows, params)}; raise the budget or lower"
        " the MOQ"
    )


# --- the MILP in column-wise arrays ---------------------------------------------------


@dataclass(slots=True)
class _Model:
    """A MILP in HiGHS's column-wise arrays (maximise ``cost @ x``)."""

    cost: FloatArray
    lower: FloatArray
    upper: FloatArray
    integer: npt.NDArray[np.int32]
    row_lower: FloatArray
    row_upper: FloatArray
    start: npt.NDArray[np.int32]
    index: npt.NDArray[np.int32]
    value: FloatArray
    offset: float  # minus the objective of buying nothing
    y_cand: IntArray  # candidates with an MOQ switch y, in column order
    z_sup: IntArray  # suppliers with a minimum-order switch z, in column order
    coupling: tuple[int, int]  # budget and capacity rows, -1 when absent

    @property
    def w0(self) -> int:
        """First segment column (every column before it is integer)."""
        return int(self.integer.sum())


class _Rows:
    """Constraint-matrix triplets, added one block of rows at a time."""

    def __init__(self) -> None:
        self.parts: list[tuple[IntArray, IntArray, FloatArray]] = []
        self.lower: list[FloatArray] = []
        self.upper: list[FloatArray] = []
        self.count = 0

    def add(
        self,
        rows: IntArray,
        cols: IntArray,
        vals: FloatArray,
        bounds: tuple[FloatArray | float, FloatArray | float],
        n_rows: int,
    ) -> None:
        """Rows ``0..n_rows-1`` of the block with entries ``(rows, cols, vals)``."""
        self.parts.append((rows + self.count, cols, vals))
        self.lower.append(np.broadcast_to(np.asarray(bounds[0], float), n_rows))
        self.upper.append(np.broadcast_to(np.asarray(bounds[1], float), n_rows))
        self.count += n_rows

    def csc(
        self, n_cols: int
    ) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], FloatArray]:
        """Column starts and row indices, and the values (as float)."""
        rows = np.concatenate([p[0] for p in self.parts])
        cols = np.concatenate([p[1] for p in self.parts])
        vals = np.concatenate([p[2] for p in self.parts])
        order = np.lexsort((rows, cols))
        start = np.zeros(n_cols + 1, dtype=np.int32)
        start[1:] = np.cumsum(np.bincount(cols, minlength=n_cols))
        return start, rows[order].astype(np.int32), vals[order]


def _objective(inst: _Instance, penalty: float) -> tuple[FloatArray, FloatArray]:
    """Objective per case of each candidate and per unit of each segment."""
    i = inst.c_sku
    held = inst.hold[i] * inst.cost * (inst.t_end[i] - inst.lead)
    per_case = -inst.pack * (inst.freight + inst.cost - inst.u_min[i] + held)
    b = inst.g_bucket
    j = inst.b_sku[b]
    credit = inst.hold[j] * inst.u_min[j] * (inst.t_end[j] - inst.b_mid[b])
    per_unit = inst.g_prob * (inst.price[j] - inst.u_min[j] + penalty + credit)
    return per_case, per_unit


def _own_fill(inst: _Instance, per_unit: FloatArray) -> FloatArray:
    """Units of ``I0`` in each segment when nothing is bought: best segments first."""
    sku = inst.b_sku[inst.g_bucket]
    order = np.lexsort((-per_unit, sku))
    sku, width = sku[order], inst.g_width[order]
    before = np.cumsum(width) - width
    first = np.r_[0, np.flatnonzero(np.diff(sku)) + 1]
    before -= np.repeat(before[first], np.diff(np.r_[first, sku.size]))
    fill = np.empty_like(width)
    fill[order] = np.clip(inst.i0[sku] - before, 0.0, width)
    return np.where(per_unit > 0, fill, 0.0)


def _open_rows(
    rows: _Rows, inst: _Instance, own: FloatArray, ycol_of: IntArray, w0: int
) -> None:
    """Tighten the LP: ``w_k <= own_k + width_k o_i`` with ``o_i <= sum_c y_c +
    sum_c n_c`` (``y_c`` where the candidate has a MOQ switch), ``o_i`` in [0, 1].

    Without a purchase the stock ``I0`` fills the best segments (``own``), so this
    keeps every optimal plan, yet a fractional ``y`` now earns only the chord of
    the sales curve up to the MOQ (the perspective of ``x >= moq y``).
    """
    o0, n_skus = w0 + own.size, len(inst.sku)
    cand = np.flatnonzero(inst.max_cases > 0)
    col = np.where(ycol_of[cand] >= 0, ycol_of[cand], cand)
    rows.add(
        np.concatenate([np.arange(n_skus), inst.c_sku[cand]]),
        np.concatenate([o0 + np.arange(n_skus), col]),
        np.concatenate([np.ones(n_skus), -np.ones(cand.size)]),
        (-np.inf, 0.0),
        n_skus,
    )
    seg = np.flatnonzero(own < inst.g_width - 1e-6)
    k = np.arange(seg.size)
    rows.add(
        np.concatenate([k, k]),
        np.concatenate([w0 + seg, o0 + inst.b_sku[inst.g_bucket[seg]]]),
        np.concatenate([np.ones(seg.size), -inst.g_width[seg]]),
        (-np.inf, own[seg]),
        seg.size,
    )


def _stock_rows(rows: _Rows, inst: _Instance, w0: int) -> None:
    """Stock placed in a SKU's buckets <= I0 + units that arrive in time."""
    n_skus, n_cand = len(inst.sku), inst.c_sku.size
    cand = np.arange(n_cand)
    seg = np.arange(inst.g_bucket.size)
    seg_sku = inst.b_sku[inst.g_bucket]
    rows.add(
        np.concatenate([seg_sku, inst.c_sku]),
        np.concatenate([seg + w0, cand]),
        np.concatenate([np.ones(seg.size), -inst.pack]),
        (-np.inf, inst.i0),
        n_skus,
    )
    early_sku = inst.b_sku[inst.b_early]
    row_of = np.full(n_skus, -1)
    row_of[early_sku] = np.arange(early_sku.size)
    in_early = inst.b_early[inst.g_bucket]
    rows.add(
        np.concatenate([row_of[seg_sku[in_early]], row_of[inst.c_sku[inst.fast]]]),
        np.concatenate([seg[in_early] + w0, cand[inst.fast]]),
        np.concatenate([np.ones(int(in_early.sum())), -inst.pack[inst.fast]]),
        (-np.inf, inst.i0[early_sku]),
        early_sku.size,
    )


def _moq_rows(rows: _Rows, inst: _Instance, y_cand: IntArray, y0: int) -> None:
    """``moq y <= pack n`` and ``n <= U y`` for candidates whose MOQ exceeds a case."""
    k = np.arange(y_cand.size)
    ycol = y0 + k
    rows.add(
        np.concatenate([k, k]),
        np.concatenate([y_cand, ycol]),
        np.concatenate([inst.pack[y_cand], -inst.moq[y_cand]]),
        (0.0, np.inf),
        k.size,
    )
    rows.add(
        np.concatenate([k, k]),
        np.concatenate([y_cand, ycol]),
        np.concatenate([np.ones(k.size), -inst.max_cases[y_cand].astype(float)]),
        (-np.inf, 0.0),
        k.size,
    )


def _mov_rows(
    rows: _Rows, inst: _Instance, z_sup: IntArray, z0: int, ycol_of: IntArray
) -> None:
    """``sum cost x >= MOV z`` per supplier and its candidates open only when z = 1."""
    zcol_of = np.full(len(inst.sup_names), -1)
    zcol_of[z_sup] = z0 + np.arange(z_sup.size)
    link = np.flatnonzero((zcol_of[inst.c_sup] >= 0) & (inst.max_cases > 0))
    has_y = ycol_of[link] >= 0
    k = np.arange(link.size)
    rows.add(
        np.concatenate([k, k]),
        np.concatenate(
            [np.where(has_y, ycol_of[link], link), zcol_of[inst.c_sup[link]]]
        ),
        np.concatenate(
            [np.ones(link.size), -np.where(has_y, 1.0, inst.max_cases[link])]
        ),
        (-np.inf, 0.0),
        link.size,
    )
    row_of = np.full(len(inst.sup_names), -1)
    row_of[z_sup] = np.arange(z_sup.size)
    rows.add(
        np.concatenate([row_of[inst.c_sup[link]], np.arange(z_sup.size)]),
        np.concatenate([link, z0 + np.arange(z_sup.size)]),
        np.concatenate([(inst.cost * inst.pack)[link], -inst.mov[z_sup]]),
        (0.0, np.inf),
        z_sup.size,
    )


def _global_rows(rows: _Rows, inst: _Instance, params: PlanParams) -> tuple[int, int]:
    """Must-order SKUs, the budget and the warehouse capacity (their rows or -1)."""
    must = np.flatnonzero(inst.must[inst.c_sku])
    row_of = np.cumsum(inst.must) - 1
    rows.add(
        row_of[inst.c_sku[must]],
        must,
        np.ones(must.size),
        (1.0, np.inf),
        int(inst.must.sum()),
    )
    cand = np.arange(inst.c_sku.size)
    zero = np.zeros(cand.size, dtype=np.int64)
    budget_row = capacity_row = -1
    if params.budget is not None:
        budget_row = rows.count
        cash = inst.pack * (inst.cost + inst.freight)
        rows.add(zero, cand, cash, (-np.inf, params.budget), 1)
    if params.warehouse_capacity is not None:
        capacity_row = rows.count
        room = params.warehouse_capacity - float(inst.position.sum())
        rows.add(zero, cand, inst.pack.copy(), (-np.inf, room), 1)
    return budget_row, capacity_row


def _build_model(inst: _Instance, params: PlanParams) -> _Model:
    """Columns ``[n_c | y_c | z_s | w_bk | o_i]`` and every constraint block."""
    n_cand, n_skus = inst.c_sku.size, len(inst.sku)
    y_cand = np.flatnonzero((inst.moq > inst.pack + _EPS) & (inst.max_cases > 0))
    used = np.zeros(len(inst.sup_names), dtype=np.bool_)
    used[inst.c_sup[inst.max_cases > 0]] = True
    z_sup = np.flatnonzero((inst.mov > 0) & used)
    y0, z0 = n_cand, n_cand + y_cand.size
    w0 = z0 + z_sup.size
    ycol_of = np.full(n_cand, -1)
    ycol_of[y_cand] = y0 + np.arange(y_cand.size)
    per_case, per_unit = _objective(inst, params.stockout_penalty)
    own = _own_fill(inst, per_unit)
    rows = _Rows()
    _stock_rows(rows, inst, w0)
    _open_rows(rows, inst, own, ycol_of, w0)
    _moq_rows(rows, inst, y_cand, y0)
    _mov_rows(rows, inst, z_sup, z0, ycol_of)
    coupling = _global_rows(rows, inst, params)
    n_bin, n_cont = y_cand.size + z_sup.size, per_unit.size + n_skus
    start, index, value = rows.csc(w0 + n_cont)
    return _Model(
        cost=np.concatenate([per_case, np.zeros(n_bin), per_unit, np.zeros(n_skus)]),
        lower=np.zeros(w0 + n_cont),
        upper=np.concatenate(
            [inst.max_cases, np.ones(n_bin), inst.g_width, np.ones(n_skus)]
        ),
        integer=np.repeat(np.array([1, 0], dtype=np.int32), [w0, n_cont]),
        row_lower=np.concatenate(rows.lower),
        row_upper=np.concatenate(rows.upper),
        start=start,
        index=index,
        value=value,
        offset=-float(own @ per_unit),
        y_cand=y_cand,
        z_sup=z_sup,
        coupling=coupling,
    )


# --- solving: HiGHS and the rounded-LP warm start -------------------------------------


@dataclass(frozen=True, slots=True)
class _Outcome:
    status: PlanStatus
    values: FloatArray
    objective: float
    gap: float
    timed_out: bool


def _highs(model: _Model, params: PlanParams, *, relax: bool) -> highspy.Highs:
    """A silent HiGHS instance holding ``model`` (its LP relaxation if ``relax``)."""
    h = silent_highs()
    h.setOptionValue("mip_rel_gap", params.mip_gap)
    h.setOptionValue("time_limit", float(params.time_limit))
    h.setOptionValue("threads", params.threads)
    h.passModel(
        model.cost.size, model.row_lower.size, model.value.size,
        int(highspy.MatrixFormat.kColwise), int(highspy.ObjSense.kMaximize),
        model.offset, model.cost, model.lower, model.upper, model.row_lower,
        model.row_upper, model.start, model.index, model.value,
        model.integer * (not relax),
    )  # fmt: skip
    return h


def _fix(
    h: highspy.Highs, cols: IntArray, lower: FloatArray, upper: FloatArray
) -> bool:
    """Change column bounds, re-solve the LP (warm) and tell whether it is optimal."""
    h.changeColsBounds(cols.size, cols.astype(np.int32), lower, upper)
    h.run()
    return bool(h.getModelStatus() == highspy.HighsModelStatus.kOptimal)


def _values(h: highspy.Highs) -> FloatArray:
    return np.asarray(h.getSolution().col_value, dtype=np.float64)


def _fix_switches(
    h: highspy.Highs,
    model: _Model,
    inst: _Instance,
    cases: FloatArray,
    y_open: BoolArray,
) -> bool:
    """Fix the MOQ switches to ``y_open`` and each supplier switch ``z`` open where
    the open ``cases`` reach its minimum order, then re-solve the LP."""
    y = model.y_cand
    is_open = np.ones(cases.size, dtype=np.bool_)
    is_open[y] = y_open
    cash = inst.cost * inst.pack * cases * is_open
    total = np.bincount(inst.c_sup, weights=cash, minlength=inst.mov.size)
    z_open = total[model.z_sup] >= inst.mov[model.z_sup] * (1 - 1e-9)
    switch = np.concatenate([y_open, z_open]).astype(np.float64)
    return _fix(
        h,
        np.concatenate([y, cases.size + np.arange(switch.size)]),
        np.concatenate([_min_cases(inst)[y] * y_open, switch]),
        np.concatenate([inst.max_cases[y] * y_open, switch]),
    )


def _reach_minimums(
    cases: FloatArray, frac: FloatArray, inst: _Instance, z_open: IntArray
) -> bool:
    """Add a case to the most fractional lines of each open supplier below its
    minimum order until it is reached (in place); False when it cannot be."""
    value = inst.cost * inst.pack
    for s in z_open:
        mine = inst.c_sup == s
        deficit = inst.mov[s] - float((value * cases)[mine].sum())
        if deficit <= 1e-9:
            continue
        pick = np.flatnonzero(mine & (frac > 1e-6))
        pick = pick[np.argsort(-frac[pick], kind="stable")]
        need = int(np.searchsorted(np.cumsum(value[pick]), deficit - 1e-9))
        if need >= pick.size:
            return False
        cases[pick[: need + 1]] += 1
        frac[pick[: need + 1]] = 0.0
    return True


def _round_cases(
    lp_cases: FloatArray, z_open: IntArray, inst: _Instance, params: PlanParams
) -> FloatArray | None:
    """Whole cases from the LP: round down, reach supplier minimums, then spend
    what is left on the most fractional lines. None when a hard row breaks."""
    cases = np.floor(lp_cases + 1e-6)
    frac = np.where(inst.max_cases > cases, lp_cases - cases, 0.0)
    if not _reach_minimums(cases, frac, inst, z_open):
        return None
    cash = inst.pack * (inst.cost + inst.freight)
    left, room = math.inf, math.inf
    if params.budget is not None:
        left = params.budget - float(cash @ cases)
    if params.warehouse_capacity is not None:
        held = float(inst.position.sum() + inst.pack @ cases)
        room = params.warehouse_capacity - held
    pick = np.flatnonzero(frac > 1e-6)
    pick = pick[np.argsort(-frac[pick], kind="stable")]
    fits = (np.cumsum(cash[pick]) <= left + 1e-9) & (
        np.cumsum(inst.pack[pick]) <= room + 1e-9
    )
    cases[pick[: pick.size if fits.all() else int(np.argmin(fits))]] += 1
    per_sku = np.bincount(inst.c_sku, weights=cases, minlength=len(inst.sku))
    if min(left, room) < -1e-6 or (per_sku[inst.must] < 1).any():
        return None
    return cases


def _group_rank(keys: IntArray) -> IntArray:
    """Position of each element within its run of equal (sorted) keys.

    >>> _group_rank(np.array([3, 3, 5, 7, 7, 7])).tolist()
    [0, 1, 0, 0, 1, 2]
    """
    first = np.r_[0, np.flatnonzero(np.diff(keys)) + 1].astype(np.int64)
    starts: IntArray = np.repeat(first, np.diff(np.r_[first, keys.size]))
    return np.arange(keys.size, dtype=np.int64) - starts


def _place(inst: _Instance, value: FloatArray, cases: FloatArray) -> FloatArray:
    """Best stock per segment for fixed purchases, shape (n_segments,).

    Greedy by segment value, one rank per pass across all SKUs: exact, as the two
    nested capacities (early, total) form a laminar matroid.
    """
    x = inst.pack * cases
    n = len(inst.sku)
    total = inst.i0 + np.bincount(inst.c_sku, weights=x, minlength=n)
    early = inst.i0 + np.bincount(
        inst.c_sku[inst.fast], weights=x[inst.fast], minlength=n
    )
    sku = inst.b_sku[inst.g_bucket]
    in_early = inst.b_early[inst.g_bucket]
    order = np.lexsort((-value, sku))
    rank = _group_rank(sku[order])
    w = np.zeros(value.size)
    for r in range(int(rank.max(initial=-1)) + 1):
        k = order[rank == r]
        s, e = sku[k], in_early[k]
        room = np.where(e, np.minimum(total[s], early[s]), total[s])
        take = np.clip(np.minimum(inst.g_width[k], room), 0.0, None) * (value[k] > 0)
        w[k] = take
        total[s] -= take
        early[s] -= np.where(e, take, 0.0)
    return w


def _complete(model: _Model, inst: _Instance, cases: FloatArray) -> FloatArray:
    """Every column's value for fixed whole cases: switches, segments, ``o``."""
    n_seg, n_skus = inst.g_width.size, len(inst.sku)
    w0 = model.w0
    w = _place(inst, model.cost[w0 : w0 + n_seg], cases)
    bought = np.bincount(inst.c_sup, weights=cases, minlength=inst.mov.size)
    per_sku = np.bincount(inst.c_sku, weights=cases, minlength=n_skus)
    return np.concatenate(
        [
            cases,
            (cases[model.y_cand] > 0).astype(np.float64),
            (bought[model.z_sup] > 0).astype(np.float64),
            w,
            np.minimum(per_sku, 1.0),
        ]
    )


def _case_price(h: highspy.Highs, model: _Model, inst: _Instance) -> FloatArray:
    """Shadow price of one case of each candidate in the budget and capacity rows."""
    dual = np.abs(np.asarray(h.getSolution().row_dual, dtype=np.float64))
    budget_row, capacity_row = model.coupling
    price = np.zeros(inst.c_sku.size)
    if budget_row >= 0:
        price += dual[budget_row] * inst.pack * (inst.cost + inst.freight)
    if capacity_row >= 0:
        price += dual[capacity_row] * inst.pack
    return price


def _sku_values(
    model: _Model, inst: _Instance, cases: FloatArray, price: FloatArray
) -> FloatArray:
    """Each SKU's objective less the shadow price of its cases, shape (n_skus,)."""
    n_skus, w0 = len(inst.sku), model.w0
    value = model.cost[w0 : w0 + inst.g_width.size]
    placed = value * _place(inst, value, cases)
    own = np.bincount(inst.b_sku[inst.g_bucket], weights=placed, minlength=n_skus)
    net = (model.cost[: cases.size] - price) * cases
    total = own + np.bincount(inst.c_sku, weights=net, minlength=n_skus)
    return total.astype(np.float64)


def _toggle_moqs(
    model: _Model, inst: _Instance, lp_cases: FloatArray, best: _Start
) -> FloatArray:
    """Open (at the MOQ or the LP's cases) or close each MOQ the LP touched where
    that raises its SKU's value at the LP's shadow prices; one per SKU at a time."""
    touched = model.y_cand[lp_cases[model.y_cand] > 1e-6]
    touched = touched[np.argsort(inst.c_sku[touched], kind="stable")]
    rank = _group_rank(inst.c_sku[touched])
    cases = best.cases.copy()
    current = _sku_values(model, inst, cases, best.price)
    opened = np.maximum(_min_cases(inst), np.round(lp_cases))
    for _sweep in range(2):
        for r in range(int(rank.max(initial=-1)) + 1):
            c = touched[rank == r]
            trial = cases.copy()
            trial[c] = np.where(cases[c] > 0, 0.0, opened[c])
            value = _sku_values(model, inst, trial, best.price)
            sku = inst.c_sku[c]
            better = value[sku] > current[sku] + 1e-9
            cases[c[better]] = trial[c[better]]
            current[sku[better]] = value[sku[better]]
    return cases


@dataclass(frozen=True, slots=True)
class _Start:
    """A whole-case plan: every column's value, its objective, cases and the
    shadow price per case of the LP it was rounded from."""

    plan: FloatArray
    objective: float
    cases: FloatArray
    price: FloatArray


def _try_switches(
    h: highspy.Highs,
    model: _Model,
    inst: _Instance,
    params: PlanParams,
    opening: tuple[FloatArray, BoolArray],
) -> _Start | None:
    """Fix the switches (``cases``, ``y_open``), re-solve, round; None if it fails."""
    if not _fix_switches(h, model, inst, *opening):
        return None
    n_cand, values = inst.c_sku.size, _values(h)
    z_open = model.z_sup[values[n_cand + model.y_cand.size : model.w0] > 0.5]
    cases = _round_cases(values[:n_cand], z_open, inst, params)
    if cases is None:
        return None
    plan = _complete(model, inst, cases)
    objective = float(model.cost @ plan) + model.offset
    return _Start(plan, objective, cases, _case_price(h, model, inst))


def _warm_start(
    model: _Model, inst: _Instance, params: PlanParams
) -> tuple[_Start, float] | None:
    """The best rounded plan and the LP bound; None when no rounding holds.

    Relax every integer; for each share in :data:`MOQ_OPEN_SHARES` open the MOQs
    the LP buys that share of, fix the supplier switches, re-solve (warm), round
    and place the stock; then toggle MOQs by the shadow prices and repeat once.
    """
    h = _highs(model, params, relax=True)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    bound = float(h.getInfo().objective_function_value)
    lp_cases = _values(h)[: inst.c_sku.size]
    low = _min_cases(inst)[model.y_cand]
    starts = [
        _try_switches(
            h,
            model,
            inst,
            params,
            (lp_cases, lp_cases[model.y_cand] >= share * low - 1e-6),
        )
        for share in MOQ_OPEN_SHARES
    ]
    found = [start for start in starts if start is not None]
    if not found:
        return None
    best = max(found, key=lambda start: start.objective)
    cases = _toggle_moqs(model, inst, lp_cases, best)
    better = _try_switches(h, model, inst, params, (cases, cases[model.y_cand] > 0))
    if better is not None and better.objective > best.objective:
        best = better
    return best, bound


def _solve(model: _Model, inst: _Instance, params: PlanParams) -> _Outcome:
    """Warm start on large models (returned when within the gap), then HiGHS MIP.

    Status "feasible" when stopped early with a plan.
    """
    started = time.perf_counter()
    start = None
    if inst.c_sku.size >= WARM_START_CANDIDATES:
        start = _warm_start(model, inst, params)
    if start is not None:
        best, bound = start
        gap = (bound - best.objective) / max(abs(best.objective), _EPS)
        if gap <= params.mip_gap:
            return _Outcome("optimal", best.plan, best.objective, max(gap, 0.0), False)
    h = _highs(model, params, relax=False)
    left = params.time_limit - (time.perf_counter() - started)
    h.setOptionValue("time_limit", max(left, 1.0))
    if start is not None:
        # On 5,000 SKUs presolve took 14 s and removed little; the start matters more.
        h.setOptionValue("presolve", "off")
        index = np.arange(start[0].plan.size, dtype=np.int32)
        h.setSolution(index.size, index, start[0].plan)
    h.run()
    return _outcome(h)


def _outcome(h: highspy.Highs) -> _Outcome:
    info, status = h.getInfo(), h.getModelStatus()
    timed_out = status == highspy.HighsModelStatus.kTimeLimit
    feasible = int(highspy.SolutionStatus.kSolutionStatusFeasible)
    if info.primal_solution_status != feasible:
        return _Outcome("infeasible", np.zeros(0), 0.0, math.inf, timed_out)
    optimal = status == highspy.HighsModelStatus.kOptimal
    return _Outcome(
        "optimal" if optimal else "feasible",
        _values(h),
        float(info.objective_function_value),
        max(float(info.mip_gap), 0.0),
        timed_out,
    )


# --- plan lines and explanations ------------------------------------------------------


def _bucket_of(inst: _Instance, early: bool) -> IntArray:
    """Index of each SKU's early (or late) bucket, -1 where it has none."""
    index = np.full(len(inst.sku), -1, dtype=np.int64)
    pick = np.flatnonzero(inst.b_early == early)
    index[inst.b_sku[pick]] = pick
    return index


def _line_sales(
    inst: _Instance, qty: FloatArray, w: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Expected units sold of each purchase and its sold unit-days held.

    Existing stock ``I0`` sells first (early bucket, then late); purchases share
    the rest of a bucket's stock in proportion to the units they have left, fast
    ones in the early bucket first. Sales are exact normal expectations of the
    stock the solution placed, not the piecewise-linear values.
    """
    placed = np.bincount(inst.g_bucket, weights=w, minlength=inst.b_sku.size)
    i0_left, used = inst.i0.copy(), np.zeros(qty.size)
    sold, sold_days = np.zeros(qty.size), np.zeros(qty.size)
    for early in (True, False):
        b = _bucket_of(inst, early)
        has, bb = b >= 0, np.maximum(b, 0)
        stock = np.where(has, placed[bb], 0.0)
        own = np.minimum(i0_left, stock)
        i0_left -= own
        mean, sd = inst.b_mean[bb], inst.b_sd[bb]
        gain = normal_sales(stock, mean, sd) - normal_sales(own, mean, sd)
        bought = stock - own
        avail = np.where(inst.fast if early else True, qty - used, 0.0)
        total = np.bincount(inst.c_sku, weights=avail, minlength=len(inst.sku))
        share = np.divide(bought, total, out=np.zeros_like(total), where=total > _EPS)
        units = avail * np.minimum(share, 1.0)[inst.c_sku]
        rate = np.divide(gain, bought, out=np.zeros_like(gain), where=bought > _EPS)
        used += units
        line_sold = units * np.where(has, rate, 0.0)[inst.c_sku]
        sold += line_sold
        sold_days += line_sold * (inst.b_mid[bb][inst.c_sku] - inst.lead)
    return sold, sold_days


def _reasons(inst: _Instance, qty: FloatArray) -> list[str]:
    """``must_order``, ``early_gap``, ``moq`` or ``demand`` per candidate."""
    smallest = np.abs(qty - _min_units(inst)) < 0.5
    codes = np.where(
        inst.must[inst.c_sku] & smallest,
        "must_order",
        np.where(
            inst.fast,
            "early_gap",
            np.where(smallest & (inst.moq > inst.pack), "moq", "demand"),
        ),
    )
    return [str(code) for code in codes]


def _plan_lines(inst: _Instance, cases: FloatArray, w: FloatArray) -> pl.DataFrame:
    """One row per candidate bought, columns :data:`LINE_SCHEMA`."""
    qty = inst.pack * np.round(cases)
    sold, sold_days = _line_sales(inst, qty, w)
    i = inst.c_sku
    unsold_days = (qty - sold) * (inst.t_end[i] - inst.lead)
    holding = inst.hold[i] * inst.cost * (sold_days + unsold_days)
    margin = sold * (inst.price[i] - inst.cost) - qty * inst.freight - holding
    mu = inst.mu[i]
    frame = pl.DataFrame(
        {
            "sku": [inst.sku[k] for k in i],
            "supplier": inst.supplier,
            "mode": inst.mode,
            "qty": qty.astype(np.int64),
            "unit_cost": inst.cost,
            "freight": inst.freight,
            "cost_base": qty * (inst.cost + inst.freight),
            "lead_days": inst.lead,
            "expected_sales_units": sold,
            "expected_margin": margin,
            "covers_days": np.divide(
                qty, mu, out=np.full_like(mu, np.nan), where=mu > 0
            ),
            "reason_code": _reasons(inst, qty),
        },
        schema=LINE_SCHEMA,
    )
    return (
        frame.filter(pl.col("qty") > 0)
        .with_columns(pl.col("covers_days").fill_nan(None))
        .sort("sku", "supplier", "mode")
    )


def _empty_plan(status: PlanStatus, explanation: str, started: float) -> PurchasePlan:
    return PurchasePlan(
        status=status,
        explanation=explanation,
        lines=pl.DataFrame(schema=LINE_SCHEMA),
        objective=0.0,
        gap=0.0,
        seconds=time.perf_counter() - started,
        spent=0.0,
    )


def _summary(
    outcome: _Outcome, lines: pl.DataFrame, params: PlanParams, notes: list[str]
) -> str:
    """Plain-words summary of a solved plan."""
    target = f"{params.mip_gap:.0%}"
    if outcome.status == "optimal":
        head = f"optimal within {target} gap"
    else:
        head = (
            f"time limit {params.time_limit:.0f} s reached at gap {outcome.gap:.1%}"
            f" (target {target}); raise time_limit for a better plan"
        )
    spent = float(lines["cost_base"].sum())
    if params.budget:
        money = f"budget {spent / params.budget:.0%} used ({params.money(spent)})"
    else:
        money = f"{params.money(spent)} spent, no budget limit"
    if lines.height == 0:
        body = (
            "nothing bought: stock on hand and on order covers expected demand,"
            " or no purchase earns more than its freight and holding"
        )
    else:
        body = f"{lines.height} lines, {money}"
    return "; ".join([head, body, *notes])


def _infeasible_reason(outcome: _Outcome, inst: _Instance, params: PlanParams) -> str:
    if outcome.timed_out:
        return (
            f"no plan found within the time limit of {params.time_limit:.0f} s;"
            " raise time_limit"
        )
    must = [inst.sku[i] for i in np.flatnonzero(inst.must)]
    return (
        "no plan meets every hard constraint together: the must-order SKUs"
        f" ({', '.join(must[:5]) or 'none'}) with their MOQs and supplier minimum"
        f" orders need more than the budget {params.money(params.budget or 0.0)} or"
        " the warehouse capacity allows; raise the budget or capacity, or lower MOQs"
    )


def solve_purchase_plan(
    skus: pl.DataFrame,
    candidates: pl.DataFrame,
    suppliers: pl.DataFrame,
    params: PlanParams,
) -> PurchasePlan:
    """Choose what to buy, from which supplier and by which mode, within the cash.

    Parameters
    ----------
    skus : polars.DataFrame
        One row per SKU: ``sku, price`` (net per unit), ``position`` (on hand plus
        on order, units), ``demand_mean_daily, demand_std_daily`` (units/day),
        ``holding_rate`` (per year, share of unit cost); optional ``must_order``.
    candidates : polars.DataFrame
        One row per way to buy a SKU: ``sku, supplier, mode, unit_cost, freight``
        (per unit), ``lead_days, lead_std_days, moq, case_pack`` (units).
    suppliers : polars.DataFrame
        ``supplier, min_order_value`` (0 = none).
    params : PlanParams
        Horizon, budget, capacity and solver settings.

    Returns
    -------
    PurchasePlan
        Status, explanation and the lines (see the module docstring for the model).

    Raises
    ------
    DataValidationError
        A column is missing, a value is negative, a candidate names an unknown SKU
        or supplier, or a case pack is below one unit.
    """
    started = time.perf_counter()
    inst = _build_instance(skus, candidates, suppliers, params)
    notes, fatal = _screen(inst, params)
    if fatal is not None:
        return _empty_plan("infeasible", fatal, started)
    if not (inst.max_cases > 0).any():
        return _empty_plan("optimal", _nothing_reason(inst, params, notes), started)
    model = _build_model(inst, params)
    outcome = _solve(model, inst, params)
    if outcome.status == "infeasible":
        explanation = _infeasible_reason(outcome, inst, params)
        return _empty_plan("infeasible", explanation, started)
    n_cand = inst.c_sku.size
    w = outcome.values[model.w0 : model.w0 + inst.g_width.size]
    lines = _plan_lines(inst, outcome.values[:n_cand], w)
    return PurchasePlan(
        status=outcome.status,
        explanation=_summary(outcome, lines, params, notes),
        lines=lines,
        objective=outcome.objective,
        gap=outcome.gap,
        seconds=time.perf_counter() - started,
        spent=float(lines["cost_base"].sum()),
    )
