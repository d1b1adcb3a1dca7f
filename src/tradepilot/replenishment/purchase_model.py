"""The purchase MILP in HiGHS's column-wise arrays: columns, rows and objective.

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
alone), so :attr:`~tradepilot.replenishment.optimizer.PurchasePlan.objective` and
the gap measure what the purchases add.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tradepilot.replenishment.purchase_instance import Instance
from tradepilot.replenishment.purchase_params import (
    EPS,
    FloatArray,
    IntArray,
    PlanParams,
)


@dataclass(slots=True)
class Model:
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


def _objective(inst: Instance, penalty: float) -> tuple[FloatArray, FloatArray]:
    """Objective per case of each candidate and per unit of each segment."""
    i = inst.c_sku
    held = inst.hold[i] * inst.cost * (inst.t_end[i] - inst.lead)
    per_case = -inst.pack * (inst.freight + inst.cost - inst.u_min[i] + held)
    b = inst.g_bucket
    j = inst.b_sku[b]
    credit = inst.hold[j] * inst.u_min[j] * (inst.t_end[j] - inst.b_mid[b])
    per_unit = inst.g_prob * (inst.price[j] - inst.u_min[j] + penalty + credit)
    return per_case, per_unit


def _own_fill(inst: Instance, per_unit: FloatArray) -> FloatArray:
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
    rows: _Rows, inst: Instance, own: FloatArray, ycol_of: IntArray, w0: int
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


def _stock_rows(rows: _Rows, inst: Instance, w0: int) -> None:
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


def _moq_rows(rows: _Rows, inst: Instance, y_cand: IntArray, y0: int) -> None:
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
    rows: _Rows, inst: Instance, z_sup: IntArray, z0: int, ycol_of: IntArray
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


def _global_rows(rows: _Rows, inst: Instance, params: PlanParams) -> tuple[int, int]:
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


def build_model(inst: Instance, params: PlanParams) -> Model:
    """Columns ``[n_c | y_c | z_s | w_bk | o_i]`` and every constraint block."""
    n_cand, n_skus = inst.c_sku.size, len(inst.sku)
    y_cand = np.flatnonzero((inst.moq > inst.pack + EPS) & (inst.max_cases > 0))
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
    return Model(
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
