"""Policy simulation: replay a demand history day by day under replenishment policies.

Every policy faces the same world: the same true daily demand, the same lead time
for every (supplier, mode, order day), pre-drawn once from the true lead times with
the input's seed (common random numbers, one draw per PO as in reality, rounded to
whole days, at least 1), and the same costs. Each day, in this order:

1. receive what arrives today (order day + drawn lead time);
2. on a review day (``review_weekday``) the policy, which sees on-hand stock, its
   pipeline and the history of its own SALES and in-stock flags up to yesterday
   (never true demand, except the oracle), returns units per mode and SKU;
3. sell ``min(demand, on_hand)``; the rest is lost (no backorders);
4. hold the end-of-day stock at ``unit_cost * holding_rate / 365`` per unit-day.

Every policy starts on day ``start`` with its own order-up-to level and an empty
pipeline; the oracle starts with exactly the demand until its first sea arrival.

The cost of a policy over the simulated span, in base currency::

    total_cost = (purchase_cost - cost of units sold)
                 + holding_cost + freight_cost + ordering_cost + stockout_cost

``purchase_cost - cost of units sold`` equals ``stock_change_value +
in_transit_value`` (end minus start stock at cost, plus units still on the water):
money left in stock at the end counts, while the cost of the goods sold, which
every policy pays per unit sold, does not. ``stockout_cost`` is the lost margin,
``lost units * (price - unit_cost)``. A policy that starts above the stock it
keeps on average gets that difference back as a negative stock change.

With ``score_from`` (a warm-up, see :mod:`~tradepilot.replenishment.sim_protocol`)
the days before it are simulated but not counted: every figure above covers the
days from ``score_from`` on, and the opening stock and pipeline are those of that
morning. The per-SKU totals (``sold_by_sku``, ``ordered_by_sku``, ...) and the
stock still due at the end (``end_on_order``) let a caller score SKUs apart.

:func:`inputs_from_simulator` builds the inputs from the demo store; its
assumptions (FX, VAT, freight per kg) are module constants below.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from tradepilot.domain.errors import DataValidationError
from tradepilot.replenishment.leadtimes import LeadTime
from tradepilot.replenishment.sim_policies import default_policies
from tradepilot.replenishment.sim_types import IntArray

# Re-exported: the simulation's API (simulate_service, the tests and the bench).
from tradepilot.replenishment.sim_types import Order as Order
from tradepilot.replenishment.sim_types import Policy as Policy
from tradepilot.replenishment.sim_types import SimState as SimState
from tradepilot.replenishment.sim_types import SimulationInput as SimulationInput

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from tradepilot.simulate import SimulatedStore

SEA_FREIGHT_EUR_PER_KG = 0.9
"""Assumed sea freight, EUR per kg shipped (consolidated LCL, landed)."""
AIR_FREIGHT_EUR_PER_KG = 5.0
"""Assumed air freight, EUR per kg shipped."""
USD_TO_EUR = 0.92
"""Fixed EUR per USD used to value USD supplier costs in the simulation."""
VAT_FACTOR = 1.2
"""Demo list prices include VAT; the net selling price is ``list_price / 1.2``."""
MIN_PO_OBSERVATIONS = 3
"""POs needed to learn a (supplier, mode) lead time; fewer: the quoted one."""
QUOTED_LEAD_CV = 0.25
"""Coefficient of variation assumed around a supplier's quoted lead time."""


@dataclass(frozen=True, eq=False)
class PolicyResult:
    """Service and cost of one policy over the simulated span (base currency).

    ``total_cost = purchase_cost - cogs + holding_cost + freight_cost +
    ordering_cost + stockout_cost`` (see the module docstring); ``purchase_cost -
    cogs == stock_change_value + in_transit_value``; ``operating_cost`` leaves the
    stock change out (``total_cost`` minus it); ``opening_value`` is the starting
    stock at cost. ``stock`` is the end-of-day
    on-hand, shape (n_scored_days, n_skus), left out of :meth:`as_dict` with the
    per-SKU arrays: units sold and demanded, units ordered per mode (n_modes,
    n_skus), order lines, and units still due at the end, all over the scored days.
    """

    fill_rate: float
    stockout_days: int
    lost_units: int
    avg_inventory_value: float
    purchase_cost: float
    holding_cost: float
    freight_cost: float
    ordering_cost: float
    stockout_cost: float
    stock_change_value: float
    in_transit_value: float
    opening_value: float
    cogs: float
    total_cost: float
    operating_cost: float
    units_sold: int
    demand_units: int
    orders: int
    air_share: float
    stock: IntArray = field(repr=False)
    sold_by_sku: IntArray = field(repr=False)
    demand_by_sku: IntArray = field(repr=False)
    ordered_by_sku: IntArray = field(repr=False)
    lines_by_sku: IntArray = field(repr=False)
    end_on_order: IntArray = field(repr=False)

    def as_dict(self) -> dict[str, float | int]:
        """The scalar results as JSON-ready numbers."""
        return {
            name: value
            for name, value in asdict(self).items()
            if not isinstance(value, np.ndarray)
        }


@dataclass
class _Ledger:
    """Running totals of one simulation (numbers per SKU where needed)."""

    n_skus: int
    n_modes: int
    demand: IntArray = field(init=False)
    sold: IntArray = field(init=False)
    stockout_days: int = 0
    inventory_value: float = 0.0
    purchase: float = 0.0
    freight: float = 0.0
    pos: int = 0
    units_by_mode: IntArray = field(init=False)
    ordered: IntArray = field(init=False)
    lines: IntArray = field(init=False)
    opening_transit: IntArray = field(init=False)

    def __post_init__(self) -> None:
        self.demand = np.zeros(self.n_skus, dtype=np.int64)
        self.sold = np.zeros(self.n_skus, dtype=np.int64)
        self.units_by_mode = np.zeros(self.n_modes, dtype=np.int64)
        self.ordered = np.zeros((self.n_modes, self.n_skus), dtype=np.int64)
        self.lines = np.zeros(self.n_skus, dtype=np.int64)
        self.opening_transit = np.zeros(self.n_skus, dtype=np.int64)


def draw_lead_days(inputs: SimulationInput) -> IntArray:
    """Pre-draw the true lead time of every (supplier, mode, order day), in days.

    Parameters
    ----------
    inputs : SimulationInput
        Supplies ``true_lead`` and ``seed``.

    Returns
    -------
    numpy.ndarray of int64
        Whole days (>= 1), shape (n_suppliers, n_modes, n_days).

    Examples
    --------
    >>> from tradepilot.replenishment.leadtimes import LeadTime
    >>> inputs = constant_demand_input()
    >>> draw_lead_days(inputs)[0, 0, :3].tolist()
    [7, 7, 7]
    """
    rng = np.random.default_rng(inputs.seed)
    table = inputs.true_lead
    out = np.empty((len(table), len(inputs.modes), inputs.n_days), dtype=np.int64)
    for s, row in enumerate(table):
        for m, lead in enumerate(row):
            out[s, m] = np.maximum(np.rint(lead.sample(rng, inputs.n_days)), 1)
    return out


def constant_demand_input(
    *, days: int = 35, start: int = 14, rate: int = 10, lead: float = 7.0
) -> SimulationInput:
    """A one-SKU input with constant demand and a fixed lead time (for examples).

    Starts on Monday 2024-01-01; cost 2, price 5, case pack 1, no MOQ; sea
    freight 0.1 and air (fixed 3 days) 1.0 per unit.
    """
    fixed = [[LeadTime(lead, 0.0), LeadTime(3.0, 0.0)]]
    return SimulationInput(
        demand=np.full((days, 1), rate, dtype=np.int64),
        dates=np.datetime64("2024-01-01") + np.arange(days),
        start=start,
        sku=["A"],
        unit_cost=np.array([2.0]),
        price=np.array([5.0]),
        case_pack=np.array([1]),
        moq=np.array([0]),
        supplier=np.array([0]),
        freight=np.array([[0.1, 1.0]]),
        modes=("sea", "air"),
        true_lead=fixed,
        believed_lead=fixed,
    )


def simulate_policy(
    inputs: SimulationInput,
    policy: Policy,
    *,
    lead_days: IntArray | None = None,
    opening: IntArray | None = None,
    score_from: int | None = None,
) -> PolicyResult:
    """Replay the span from ``inputs.start`` under one policy.

    Parameters
    ----------
    inputs : SimulationInput
        Demand, costs and lead times.
    policy : Policy
        Decides the initial stock and the orders at each review.
    lead_days : numpy.ndarray of int64, optional
        Pre-drawn lead times (:func:`draw_lead_days`); drawn from the seed if None.
    opening : numpy.ndarray of int, optional
        Common starting stock, units (n_skus,), instead of the policy's own level
        (a check that a policy does not win by starting with more free stock).
    score_from : int, optional
        First day counted (default ``inputs.start``): the days before it are a
        warm-up, simulated but left out of every figure of the result.

    Returns
    -------
    PolicyResult
        Service and costs over the span.

    Examples
    --------
    >>> from tradepilot.replenishment.sim_policies import OraclePolicy
    >>> result = simulate_policy(constant_demand_input(), OraclePolicy())
    >>> result.fill_rate, result.lost_units, result.avg_inventory_value
    (1.0, 0, 60.0)
    """
    leads = draw_lead_days(inputs) if lead_days is None else lead_days
    first = inputs.start if score_from is None else score_from
    if not inputs.start <= first < inputs.n_days:
        raise DataValidationError(
            f"score_from must be a day in [{inputs.start}, {inputs.n_days});"
            f" received {first}"
        )
    state = _initial_state(inputs, leads)
    own = policy.initial_stock(state)  # always called: policies reset here
    start_stock = own if opening is None else opening
    state.on_hand = np.maximum(start_stock, 0).astype(np.int64)
    ledger = _Ledger(inputs.n_skus, len(inputs.modes))
    warm = _Ledger(inputs.n_skus, len(inputs.modes))  # the warm-up's, discarded
    opening_value = 0.0
    incoming = np.zeros((inputs.n_days, inputs.n_skus), dtype=np.int64)
    stock = np.zeros((inputs.n_days - inputs.start, inputs.n_skus), dtype=np.int64)
    weekday = inputs.weekday
    for t in range(inputs.start, inputs.n_days):
        state.t = t
        state.on_hand = state.on_hand + incoming[t]
        if t == first:  # the scored books open with this morning's stock
            opening_value = float(state.on_hand @ inputs.unit_cost)
            ledger.opening_transit = state.on_order()
        state.pipeline = [o for o in state.pipeline if np.any(o.arrival[o.qty > 0] > t)]
        books = ledger if t >= first else warm
        if weekday[t] == inputs.review_weekday:
            _place(state, _checked(policy.orders(state, t), inputs), incoming, books)
        _sell(state, books)
        stock[t - inputs.start] = state.on_hand
    return _result(inputs, state, ledger, stock[first - inputs.start :], opening_value)


def _initial_state(inputs: SimulationInput, leads: IntArray) -> SimState:
    sales = np.zeros((inputs.n_days, inputs.n_skus), dtype=np.int64)
    in_stock = np.ones((inputs.n_days, inputs.n_skus), dtype=bool)
    history = inputs.history_sales
    sales[: inputs.start] = (
        inputs.demand[: inputs.start] if history is None else history
    )
    if inputs.history_in_stock is not None:
        in_stock[: inputs.start] = inputs.history_in_stock
    on_hand = np.zeros(inputs.n_skus, dtype=np.int64)
    return SimState(inputs, leads, inputs.start, on_hand, sales, in_stock)


def _checked(qty: IntArray, inputs: SimulationInput) -> IntArray:
    shape = (len(inputs.modes), inputs.n_skus)
    out = np.asarray(qty)
    if out.shape != shape or not np.all(out >= 0):
        raise DataValidationError(
            f"a policy must order non-negative units of shape {shape}; received"
            f" shape {out.shape}, min {out.min(initial=0)}"
        )
    return out.astype(np.int64)


def _place(state: SimState, qty: IntArray, incoming: IntArray, ledger: _Ledger) -> None:
    """Book today's orders: one PO per (supplier, mode) with at least one line."""
    inputs, t = state.inputs, state.t
    for m in range(qty.shape[0]):
        q = qty[m]
        if not q.any():
            continue
        arrival = t + state.lead_days[inputs.supplier, m, t]
        expected = t + np.rint(inputs.believed(m)[0]).astype(np.int64)
        state.pipeline.append(Order(t, m, q, arrival, expected))
        inside = (q > 0) & (arrival < inputs.n_days)
        np.add.at(incoming, (arrival[inside], np.flatnonzero(inside)), q[inside])
        ledger.purchase += float(q @ inputs.unit_cost)
        ledger.freight += float(q @ inputs.freight[:, m])
        ledger.pos += int(np.unique(inputs.supplier[q > 0]).size)
        ledger.units_by_mode[m] += int(q.sum())
        ledger.ordered[m] += q
        ledger.lines += q > 0


def _sell(state: SimState, ledger: _Ledger) -> None:
    """Serve today's demand from stock (lost sales) and book the day."""
    inputs, t = state.inputs, state.t
    demand = inputs.demand[t].astype(np.int64)
    sold = np.minimum(demand, state.on_hand)
    state.in_stock[t] = state.on_hand > 0
    state.sales[t] = sold
    state.on_hand = state.on_hand - sold
    ledger.demand += demand
    ledger.sold += sold
    ledger.stockout_days += int(np.count_nonzero(sold < demand))
    ledger.inventory_value += float(state.on_hand @ inputs.unit_cost)


def _result(
    inputs: SimulationInput,
    state: SimState,
    ledger: _Ledger,
    stock: IntArray,
    opening: float,
) -> PolicyResult:
    cost, days = inputs.unit_cost, stock.shape[0]
    lost = ledger.demand - ledger.sold
    cogs = float(ledger.sold @ cost)
    holding = float(stock.sum(axis=0) @ cost) * inputs.holding_rate / 365.0
    stockout = float(lost @ np.maximum(inputs.price - cost, 0.0))
    ordering = ledger.pos * inputs.order_cost
    total = ledger.purchase - cogs + holding + ledger.freight + ordering + stockout
    units = int(ledger.units_by_mode.sum())
    air = ledger.units_by_mode[1:].sum() / units if units else 0.0
    demand = int(ledger.demand.sum())
    on_order = state.on_order()
    transit = (on_order - ledger.opening_transit) @ cost
    return PolicyResult(
        fill_rate=float(ledger.sold.sum() / demand) if demand else 1.0,
        stockout_days=ledger.stockout_days,
        lost_units=int(lost.sum()),
        avg_inventory_value=ledger.inventory_value / days,
        purchase_cost=ledger.purchase,
        holding_cost=holding,
        freight_cost=ledger.freight,
        ordering_cost=ordering,
        stockout_cost=stockout,
        stock_change_value=float(state.on_hand @ cost) - opening,
        in_transit_value=float(transit),
        opening_value=opening,
        cogs=cogs,
        total_cost=total,
        operating_cost=holding + ledger.freight + ordering + stockout,
        units_sold=int(ledger.sold.sum()),
        demand_units=demand,
        orders=ledger.pos,
        air_share=float(air),
        stock=stock,
        sold_by_sku=ledger.sold,
        demand_by_sku=ledger.demand,
        ordered_by_sku=ledger.ordered,
        lines_by_sku=ledger.lines,
        end_on_order=on_order,
    )


def simulate_policies(
    inputs: SimulationInput,
    policies: Sequence[Policy] | None = None,
    *,
    opening: IntArray | None = None,
) -> dict[str, PolicyResult]:
    """Run every policy on the same demand and the same lead-time draws.

    Parameters
    ----------
    inputs : SimulationInput
        The world to replay.
    policies : sequence of Policy, optional
        Default: TradePilot, min/max, days of cover and the oracle
        (:func:`~tradepilot.replenishment.sim_policies.default_policies`).
    opening : numpy.ndarray of int, optional
        Common starting stock for every policy (see :func:`simulate_policy`).

    Returns
    -------
    dict of str to PolicyResult
        Keyed by policy name, in the given order.

    Examples
    --------
    >>> results = simulate_policies(constant_demand_input())
    >>> list(results)
    ['tradepilot', 'min_max', 'days_of_cover', 'oracle']
    """
    leads = draw_lead_days(inputs)
    chosen = default_policies() if policies is None else policies
    return {
        p.name: simulate_policy(inputs, p, lead_days=leads, opening=opening)
        for p in chosen
    }


def simulation_report(
    results: Mapping[str, PolicyResult], days: int
) -> dict[str, object]:
    """JSON-ready report: ``{"days": n, "policies": {name: {metric: value}}}``.

    Each policy carries ``fill_rate, stockout_days, lost_units,
    avg_inventory_value, total_cost`` first, then the cost components.

    Examples
    --------
    >>> report = simulation_report(simulate_policies(constant_demand_input()), days=21)
    >>> report["days"], sorted(report["policies"]["oracle"])[:3]
    (21, ['air_share', 'avg_inventory_value', 'cogs'])
    """
    return {
        "days": int(days),
        "policies": {name: r.as_dict() for name, r in results.items()},
    }


def inputs_from_simulator(
    store: SimulatedStore,
    *,
    history_days: int = 365,
    believed_lead: Sequence[Sequence[LeadTime]] | None = None,
) -> SimulationInput:
    """Build a simulation input from the demo store (EUR base currency).

    True demand is summed over countries; the history's observed sales and
    in-stock flags are the store's own (censored by its stockouts). Assumptions:
    USD costs at a fixed :data:`USD_TO_EUR`; net price = VAT-inclusive EUR list
    price / :data:`VAT_FACTOR`; freight = weight x :data:`SEA_FREIGHT_EUR_PER_KG` /
    :data:`AIR_FREIGHT_EUR_PER_KG`; the true lead times are the suppliers'
    lognormals (factory shutdowns are not replayed).

    Parameters
    ----------
    store : SimulatedStore
        From :func:`tradepilot.simulate.simulate_store`.
    history_days : int
        Days of history before the simulated span (``start``).
    believed_lead : [supplier][mode] of LeadTime, optional
        Default: learned from the store's POs received before ``start``
        (:func:`believed_lead_times`).

    Returns
    -------
    SimulationInput
        With the store's seed, the SKUs in catalogue order.
    """
    from tradepilot.simulate.suppliers import MODES, SUPPLIERS, supplier_index

    n_days = store.config.n_days
    if not 0 < history_days < n_days:
        raise DataValidationError(
            f"history_days must be in (0, {n_days}); received {history_days}"
        )
    truth, products = store.demand_truth, store.products
    shape = (n_days, products.height, -1)  # demand_truth is sorted day x SKU x country
    demand = truth["true_demand"].to_numpy().reshape(shape).sum(axis=2)
    sold = truth["sold"].to_numpy().reshape(shape).sum(axis=2)
    in_stock = truth["in_stock"].to_numpy().reshape(shape)[:, :, 0]
    usd = (products["cost_currency"] == "USD").to_numpy()
    cost = products["unit_cost"].to_numpy() * np.where(usd, USD_TO_EUR, 1.0)
    weight = products["weight_kg"].to_numpy()
    categories = sorted(set(products["category"].to_list()))
    true = [[LeadTime(s.sea.mean_days, s.sea.std_days),
             LeadTime(s.air.mean_days, s.air.std_days)] for s in SUPPLIERS]  # fmt: skip
    return SimulationInput(
        demand=demand.astype(np.int64),
        dates=np.datetime64(store.config.start, "D") + np.arange(n_days),
        start=history_days,
        sku=products["sku"].to_list(),
        unit_cost=cost,
        price=products["list_price"].to_numpy() / VAT_FACTOR,
        case_pack=products["case_pack"].to_numpy().astype(np.int64),
        moq=products["moq"].to_numpy().astype(np.int64),
        supplier=np.array([supplier_index(s) for s in products["supplier"]]),
        freight=np.outer(weight, [SEA_FREIGHT_EUR_PER_KG, AIR_FREIGHT_EUR_PER_KG]),
        modes=MODES,
        true_lead=true,
        believed_lead=believed_lead or believed_lead_times(store, history_days),
        seed=store.config.seed,
        category=np.array([categories.index(c) for c in products["category"]]),
        history_sales=sold[:history_days].astype(np.int64),
        history_in_stock=in_stock[:history_days].astype(bool),
    )


def believed_lead_times(
    store: SimulatedStore, history_days: int
) -> list[list[LeadTime]]:
    """Lead times learned from the store's POs first received before the span.

    Per (supplier, mode): mean and std of ``first receipt - order date`` over POs
    (shutdown delays included, as a seller sees them). With fewer than
    :data:`MIN_PO_OBSERVATIONS` POs, the supplier's quoted lead time (the true
    median) with a :data:`QUOTED_LEAD_CV` spread.
    """
    from tradepilot.simulate.suppliers import MODES, SUPPLIERS

    cutoff = np.datetime64(store.config.start, "D") + history_days
    per_po = (
        store.purchase_orders.filter(pl.col("received_date").is_not_null())
        .group_by("po_number", "supplier", "mode")
        .agg(pl.col("ordered_date").min(), pl.col("received_date").min())
        .filter(pl.col("received_date") < pl.lit(cutoff.astype(object)))
        .with_columns(
            lead=(pl.col("received_date") - pl.col("ordered_date")).dt.total_days()
        )
        .group_by("supplier", "mode")
        .agg(
            pl.len().alias("n"),
            pl.col("lead").mean(),
            pl.col("lead").std().alias("lead_std"),
        )
    )
    learned = {(r["supplier"], r["mode"]): r for r in per_po.iter_rows(named=True)}
    out = []
    for s in SUPPLIERS:
        row = []
        for mode in MODES:
            seen = learned.get((s.name, mode))
            if seen is not None and seen["n"] >= MIN_PO_OBSERVATIONS:
                row.append(
                    LeadTime(float(seen["lead"]), float(seen["lead_std"] or 0.0))
                )
            else:
                quoted = s.lead_time(mode).p50
                row.append(LeadTime(quoted, QUOTED_LEAD_CV * quoted))
        out.append(row)
    return out


def cost_ratio(results: Mapping[str, PolicyResult], name: str, *others: str) -> float:
    """``name``'s total cost over the lowest total cost among ``others``.

    Examples
    --------
    >>> r = simulate_policies(constant_demand_input())
    >>> math.isfinite(cost_ratio(r, "tradepilot", "min_max", "days_of_cover"))
    True
    """
    best = min(results[o].total_cost for o in others)
    return results[name].total_cost / best if best else math.inf
