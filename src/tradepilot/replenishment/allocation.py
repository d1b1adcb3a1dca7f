r"""Where the next amount of cash earns most: a greedy ranking of SKU x market cells.

Each cell ``j`` has demand ``D_j ~ Normal(mean_j, std_j)`` over the horizon and
``s_j`` units of the current position earmarked for it. Its ``k``-th extra unit
returns ``(price_j - unit_cost_j - freight_j) Pr(D_j > s_j + k) - holding_j`` and
costs ``unit_cost_j + freight_j`` of cash. Units are bought in blocks of the case
pack (or of ``step_units`` rounded up to whole cases); a block of ``b`` units after
``a`` already bought returns::

    margin_j (E[min(D_j, s_j + a + b)] - E[min(D_j, s_j + a)]) - b holding_j

the exact sum of its units' ``Pr(D_j > s_j + k)`` in the continuous limit. Returns
fall with ``k``, so each cell's blocks have falling return per cash and a single sort
of all blocks by that ratio is the exact greedy. Blocks are taken best first while
cash lasts; one that no longer fits is skipped (a cell's later blocks cost the same,
so they are skipped too) and cheaper ones further down may still fit. Blocks that
return (almost) nothing are never bought; a cell gets at most :data:`MAX_BLOCKS` blocks (its
step grows by whole cases beyond that).

Examples
--------
>>> cells = pl.DataFrame({"sku": ["A", "B"], "market": ["DE", "FR"],
...     "price": [10.0, 10.0], "unit_cost": [4.0, 6.0], "freight": [1.0, 1.0],
...     "demand_mean": [50.0, 50.0], "demand_std": [0.0, 0.0],
...     "position_share": [40.0, 0.0]})
>>> rank_allocations(cells, cash=100.0).select("sku", "qty", "cash_base").rows()
[('A', 10, 50.0), ('B', 7, 49.0)]
"""

from __future__ import annotations

from typing import TypedDict

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy import special

from tradepilot.domain.errors import DataValidationError
from tradepilot.replenishment.purchase_instance import normal_sales

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

CELL_COLUMNS = (
    "sku",
    "market",
    "price",
    "unit_cost",
    "freight",
    "demand_mean",
    "demand_std",
    "position_share",
)
RANKING_SCHEMA = pl.Schema(
    {
        "sku": pl.String,
        "market": pl.String,
        "qty": pl.Int64,
        "cash_base": pl.Float64,
        "expected_return_base": pl.Float64,
        "return_per_cash": pl.Float64,
    }
)
#: Most blocks one cell is split into.
MAX_BLOCKS = 512
#: Blocks returning less than this per unit of cash are not bought.
MIN_RETURN = 1e-6
#: Units beyond the demand quantile ``1 - TAIL`` are not considered.
TAIL = 1e-4
_EPS = 1e-9


class Allocation(TypedDict):
    """One cell's share of the cash."""

    sku: str
    market: str
    qty: int
    cash_base: float
    expected_return_base: float


class AllocationSummary(TypedDict):
    """The cash, what was allocated and the allocations, best first."""

    cash: float
    allocated_base: float
    allocations: list[Allocation]


def _column(cells: pl.DataFrame, name: str, default: float) -> FloatArray:
    if name not in cells.columns:
        return np.full(cells.height, default)
    values = cells[name].cast(pl.Float64).fill_null(default).to_numpy()
    return np.asarray(values, dtype=np.float64)


def _validate(cells: pl.DataFrame, cash: float, step_units: int | None) -> None:
    missing = [c for c in CELL_COLUMNS if c not in cells.columns]
    if missing:
        raise DataValidationError(
            f"cells need columns {', '.join(missing)}; found: {', '.join(cells.columns)}"
        )
    if not cash >= 0 or (step_units is not None and step_units < 1):
        raise DataValidationError(
            f"need cash >= 0 and step_units >= 1 or None; received cash={cash},"
            f" step_units={step_units}"
        )
    numbers = [*CELL_COLUMNS[2:], "case_pack", "holding"]
    for name in (n for n in numbers if n in cells.columns):
        values = _column(cells, name, 0.0)
        if not (np.isfinite(values) & (values >= 0)).all():
            raise DataValidationError(f"cells.{name} must be finite and >= 0")
    cash_per_unit = _column(cells, "unit_cost", 0.0) + _column(cells, "freight", 0.0)
    if (cash_per_unit <= 0).any():
        raise DataValidationError("cells need unit_cost + freight > 0 in every row")


def _steps(
    cells: pl.DataFrame, step_units: int | None, useful: FloatArray
) -> FloatArray:
    """Units per block: whole cases, at least ``step_units``, at most MAX_BLOCKS."""
    pack = np.maximum(np.round(_column(cells, "case_pack", 1.0)), 1.0)
    step = pack * (np.ceil(step_units / pack) if step_units else 1.0)
    return step * np.maximum(np.ceil(useful / (step * MAX_BLOCKS)), 1.0)


def _blocks(
    cells: pl.DataFrame, cash: float, step_units: int | None
) -> tuple[IntArray, FloatArray, FloatArray, FloatArray]:
    """Every candidate block: its cell, units, return and cash, shape (n_blocks,)."""
    unit_cash = _column(cells, "unit_cost", 0.0) + _column(cells, "freight", 0.0)
    margin = _column(cells, "price", 0.0) - unit_cash
    holding = _column(cells, "holding", 0.0)
    mean, share = (
        _column(cells, "demand_mean", 0.0),
        _column(cells, "position_share", 0.0),
    )
    std = _column(cells, "demand_std", 0.0)
    tail = np.divide(holding, margin, out=np.ones_like(margin), where=margin > 0)
    top = mean + std * special.ndtri(1.0 - np.clip(tail, TAIL, 1.0 - TAIL))
    useful = np.where(margin > 0, np.maximum(top - share, 0.0), 0.0)
    step = _steps(cells, step_units, useful)
    count = np.minimum(
        np.ceil(useful / step - _EPS), np.floor(cash / (step * unit_cash))
    )
    cell = np.repeat(np.arange(cells.height), np.maximum(count, 0).astype(np.int64))
    first = np.cumsum(np.maximum(count, 0)) - np.maximum(count, 0)
    before = (np.arange(cell.size) - first[cell]) * step[cell]
    low, high = share[cell] + before, share[cell] + before + step[cell]
    m, s = mean[cell], std[cell]
    gain = normal_sales(high, m, s) - normal_sales(low, m, s)
    returns = margin[cell] * gain - step[cell] * holding[cell]
    return cell, step[cell], returns, step[cell] * unit_cash[cell]


def _take(returns: FloatArray, costs: FloatArray, cash: float) -> IntArray:
    """Indices of the blocks bought: best return per cash first while cash lasts."""
    rest = np.flatnonzero(returns > MIN_RETURN * costs)
    rest = rest[np.argsort(-returns[rest] / costs[rest], kind="stable")]
    taken, left = [], cash
    while rest.size:
        rest = rest[costs[rest] <= left + _EPS]
        spent = np.cumsum(costs[rest])
        fit = int(np.searchsorted(spent, left + _EPS, side="right"))
        if fit == 0:
            break
        taken.append(rest[:fit])
        left -= float(spent[fit - 1])
        rest = rest[fit:]
    return np.concatenate(taken) if taken else np.zeros(0, dtype=np.int64)


def rank_allocations(
    cells: pl.DataFrame, *, cash: float, step_units: int | None = None
) -> pl.DataFrame:
    """Spread ``cash`` over SKU x market cells, best expected return per cash first.

    Parameters
    ----------
    cells : polars.DataFrame
        One row per SKU x market: ``sku, market, price`` (net, base currency per
        unit), ``unit_cost, freight`` (base per unit), ``demand_mean, demand_std``
        (units over the horizon), ``position_share`` (units of the current position
        earmarked for the market); optional ``case_pack`` (units, default 1) and
        ``holding`` (base per unit bought, default 0).
    cash : float
        Cash to allocate, base currency (>= 0).
    step_units : int, optional
        Smallest block in units (rounded up to whole cases); default one case.

    Returns
    -------
    polars.DataFrame
        Cells that get cash, best ``return_per_cash`` first: ``sku, market, qty,
        cash_base, expected_return_base, return_per_cash``; never more than
        ``cash`` in total.

    Raises
    ------
    DataValidationError
        A column is missing, a number is negative or unit_cost + freight is 0.
    """
    _validate(cells, cash, step_units)
    cell, units, returns, costs = _blocks(cells, cash, step_units)
    taken = _take(returns, costs, cash)
    chosen = pl.DataFrame(
        {
            "cell": cell[taken],
            "qty": units[taken].astype(np.int64),
            "cash_base": costs[taken],
            "expected_return_base": returns[taken],
        },
        schema={
            "cell": pl.Int64,
            "qty": pl.Int64,
            "cash_base": pl.Float64,
            "expected_return_base": pl.Float64,
        },
    )
    keys = cells.select(
        pl.col("sku").cast(pl.String), pl.col("market").cast(pl.String)
    ).with_row_index("cell")
    return (
        chosen.group_by("cell")
        .agg(pl.col("qty", "cash_base", "expected_return_base").sum())
        .join(keys.with_columns(pl.col("cell").cast(pl.Int64)), on="cell")
        .with_columns(
            return_per_cash=pl.col("expected_return_base") / pl.col("cash_base")
        )
        .sort(["return_per_cash", "sku", "market"], descending=[True, False, False])
        .select(RANKING_SCHEMA.names())
        .cast(RANKING_SCHEMA)
    )


def allocation_summary(ranking: pl.DataFrame, *, cash: float) -> AllocationSummary:
    """The ranking of :func:`rank_allocations` as plain data for an API or a CLI.

    Parameters
    ----------
    ranking : polars.DataFrame
        Output of :func:`rank_allocations`.
    cash : float
        The cash that was allocated, base currency.

    Returns
    -------
    AllocationSummary
        ``cash, allocated_base`` and ``allocations`` (``sku, market, qty,
        cash_base, expected_return_base`` per cell, best first).

    Examples
    --------
    >>> ranking = pl.DataFrame({"sku": ["A"], "market": ["DE"], "qty": [10],
    ...     "cash_base": [50.0], "expected_return_base": [50.0],
    ...     "return_per_cash": [1.0]})
    >>> allocation_summary(ranking, cash=100.0)["allocated_base"]
    50.0
    """
    rows = ranking.select(
        "sku", "market", "qty", "cash_base", "expected_return_base"
    ).to_dicts()
    allocations = [
        Allocation(
            sku=str(r["sku"]),
            market=str(r["market"]),
            qty=int(r["qty"]),
            cash_base=float(r["cash_base"]),
            expected_return_base=float(r["expected_return_base"]),
        )
        for r in rows
    ]
    return AllocationSummary(
        cash=float(cash),
        allocated_base=float(ranking["cash_base"].sum()),
        allocations=allocations,
    )
