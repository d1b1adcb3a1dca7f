"""Stock in the warehouse, day by day, under a continuous-review (s, Q) policy.

Each day receipts arrive and buyers take ``min(demand, on hand)`` (the rest is
lost). Every Monday evening the planner compares each SKU's inventory position
(on hand + on order) with its reorder point ``s`` and orders ``Q`` units when it is
at or below it (a periodic-review (s, Q) policy). The planner
is deliberately naive, like most small sellers: it estimates demand as the mean
of the last 8 weeks of *sales* (censored by stockouts), ignores seasonality and
promotions, and sizes ``s`` with a Poisson safety stock. Air freight is used when
the position would not last until a sea shipment could arrive.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tradepilot.simulate.catalog import Catalog
from tradepilot.simulate.demand import DemandProfiles
from tradepilot.simulate.purchasing import (
    Shipments,
    concat_shipments,
    lead_time_table,
    plan_shipments,
)

REVIEW_DAYS = 7
"""Days between two reviews (every Monday), covered by the reorder point."""
REVIEW_WEEKDAY = 0
SAFETY_Z = 0.5
"""Safety factor of the reorder point: thin, as a cash-strapped seller keeps it."""
AIR_TRIGGER = 0.8
"""Air freight when the position covers less than this share of the sea lead time."""
ESTIMATE_WINDOW = 56
"""Days of sales the planner averages."""
PHASE_OUT_DAYS = 60
"""A discontinued SKU is last reordered this many days before its end."""
LAUNCH_PREP_DAYS = 14
"""A launch's first PO is placed sea lead time plus this many days ahead."""
HORIZON_DAYS = 400
"""Receipts are tracked this far past the span (all arrive within it)."""


@dataclass(frozen=True, slots=True)
class InventoryRun:
    """Stock and sales of a simulation, arrays of shape (n_days, n_skus).

    Attributes
    ----------
    opening : numpy.ndarray
        Units on hand after the day's receipts, before sales.
    closing : numpy.ndarray
        Units on hand at the end of the day (never negative).
    sold : numpy.ndarray
        Units sold (``min(demand, opening)``).
    shipments : Shipments
        Every PO line placed.
    """

    opening: np.ndarray
    closing: np.ndarray
    sold: np.ndarray
    shipments: Shipments


@dataclass(slots=True)
class _Stock:
    """Mutable state of the daily loop."""

    on_hand: np.ndarray
    on_order: np.ndarray
    arrivals: np.ndarray
    closures: np.ndarray
    cum_sold: np.ndarray


def run_inventory(
    rng: np.random.Generator,
    demand: np.ndarray,
    *,
    catalog: Catalog,
    profiles: DemandProfiles,
    resume: np.ndarray,
    weekday: np.ndarray,
    cover_days: int,
    partial_rate: float,
    short_rate: float,
) -> InventoryRun:
    """Simulate stock, sales and replenishment day by day.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    demand : numpy.ndarray
        True demand over all countries, units, shape (n_days, n_skus).
    catalog : Catalog
        Suppliers, carton sizes and MOQs.
    profiles : DemandProfiles
        Launch and end days; base rates seed the planner's prior belief.
    resume : numpy.ndarray
        Shutdown effect, see :func:`~tradepilot.simulate.purchasing.resume_days`.
    weekday : numpy.ndarray
        Day of week of each day (Monday 0), shape (n_days,).
    cover_days : int
        Days of demand one order covers.
    partial_rate, short_rate : float
        Probabilities of a two-shipment line and of a short delivery.

    Returns
    -------
    InventoryRun
        Stock levels, sales and PO lines.
    """
    n_days = demand.shape[0]
    planner = _Planner.create(rng, catalog, profiles, n_days, cover_days)
    stock = _initial_stock(rng, planner, profiles, n_days)
    opening = np.zeros(demand.shape, dtype=np.int64)
    closing = np.zeros_like(opening)
    batches: list[Shipments] = []
    for t in range(n_days):
        opening[t], closing[t] = _sell(stock, t, demand[t])
        if weekday[t] != REVIEW_WEEKDAY:
            continue
        skus, modes, quantity = planner.orders(stock, t)
        if skus.size == 0:
            continue
        batch = plan_shipments(
            rng,
            day=t,
            skus=skus,
            modes=modes,
            quantity=quantity,
            catalog=catalog,
            resume=resume,
            partial_rate=partial_rate,
            short_rate=short_rate,
        )
        _schedule(stock, batch)
        batches.append(batch)
    return InventoryRun(opening, closing, opening - closing, concat_shipments(batches))


def _sell(stock: _Stock, t: int, demand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Receive the day's arrivals, then sell; return opening and closing stock."""
    stock.on_hand += stock.arrivals[t]
    stock.on_order -= stock.arrivals[t] + stock.closures[t]
    opening = stock.on_hand.copy()
    sold = np.minimum(demand, stock.on_hand)
    stock.on_hand -= sold
    stock.cum_sold[t + 1] = stock.cum_sold[t] + sold
    return opening, stock.on_hand.copy()


@dataclass(frozen=True, slots=True)
class _Planner:
    """The seller's replenishment rule; arrays of shape (n_skus,)."""

    catalog: Catalog
    prior: np.ndarray
    launch_day: np.ndarray
    sea_mean: np.ndarray
    air_mean: np.ndarray
    first_order: np.ndarray
    last_order: np.ndarray
    cover_days: int

    @classmethod
    def create(
        cls,
        rng: np.random.Generator,
        catalog: Catalog,
        profiles: DemandProfiles,
        n_days: int,
        cover_days: int,
    ) -> _Planner:
        """Set up the rule: prior beliefs, lead times and ordering windows."""
        table = lead_time_table()
        sea_mean = table.mean[catalog.supplier, 0]
        launch = profiles.launch_day
        ends = profiles.end_day < n_days
        return cls(
            catalog=catalog,
            prior=profiles.base_rate * rng.lognormal(0.0, 0.25, launch.size),
            launch_day=launch,
            sea_mean=sea_mean,
            air_mean=table.mean[catalog.supplier, 1],
            first_order=np.where(
                launch > 0, launch - np.ceil(sea_mean) - LAUNCH_PREP_DAYS, 0
            ),
            last_order=np.where(ends, profiles.end_day - PHASE_OUT_DAYS, n_days),
            cover_days=cover_days,
        )

    def orders(
        self, stock: _Stock, t: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """SKUs to order at the end of day ``t``, their mode codes and units."""
        rate = _planner_rate(stock.cum_sold, t, self.prior, self.launch_day)
        reorder_point, order_qty = self.policy(rate)
        position = stock.on_hand + stock.on_order
        open_ = (t >= self.first_order) & (t < self.last_order)
        skus = np.flatnonzero(open_ & (position <= reorder_point))
        cover = AIR_TRIGGER * rate[skus] * self.sea_mean[skus]
        urgent = (position[skus] < cover) & (t >= self.launch_day[skus])
        return skus, urgent.astype(np.int64), order_qty[skus]

    def policy(self, rate: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Reorder point ``s`` and order size ``Q`` (whole cartons, at least MOQ)."""
        exposure = rate * (self.sea_mean + REVIEW_DAYS)
        reorder_point = exposure + SAFETY_Z * np.sqrt(exposure)
        case_pack, moq = self.catalog.case_pack, self.catalog.moq
        cartons = np.ceil(rate * self.cover_days / case_pack)
        order_qty = np.maximum(moq, cartons * case_pack).astype(np.int64)
        return reorder_point, order_qty


def _initial_stock(
    rng: np.random.Generator,
    planner: _Planner,
    profiles: DemandProfiles,
    n_days: int,
) -> _Stock:
    """Stock on day 0: SKUs already on sale start between ``s`` and ``s + Q``."""
    n_skus = planner.prior.size
    reorder_point, order_qty = planner.policy(planner.prior)
    start = np.ceil(reorder_point + rng.random(n_skus) * order_qty)
    return _Stock(
        on_hand=np.where(profiles.launch_day == 0, start, 0).astype(np.int64),
        on_order=np.zeros(n_skus, dtype=np.int64),
        arrivals=np.zeros((n_days + HORIZON_DAYS, n_skus), dtype=np.int64),
        closures=np.zeros((n_days + HORIZON_DAYS, n_skus), dtype=np.int64),
        cum_sold=np.zeros((n_days + 1, n_skus), dtype=np.int64),
    )


def _planner_rate(
    cum_sold: np.ndarray, t: int, prior: np.ndarray, launch_day: np.ndarray
) -> np.ndarray:
    """Mean daily sales of the last weeks, topped up with the prior where young."""
    observed = np.clip(t + 1 - launch_day, 0, ESTIMATE_WINDOW)
    window_sales = cum_sold[t + 1] - cum_sold[max(t + 1 - ESTIMATE_WINDOW, 0)]
    estimate = (window_sales + prior * (ESTIMATE_WINDOW - observed)) / ESTIMATE_WINDOW
    return np.asarray(np.maximum(estimate, 0.2 * prior), dtype=np.float64)


def _schedule(stock: _Stock, batch: Shipments) -> None:
    """Book a batch of PO lines into the pipeline of future receipts."""
    last = stock.arrivals.shape[0] - 1
    stock.on_order[batch.sku] += batch.quantity
    np.add.at(
        stock.arrivals, (np.minimum(batch.first_day, last), batch.sku), batch.first_qty
    )
    two = batch.second_day >= 0
    np.add.at(
        stock.arrivals,
        (np.minimum(batch.second_day[two], last), batch.sku[two]),
        batch.second_qty[two],
    )
    np.add.at(
        stock.closures, (np.minimum(batch.last_day, last), batch.sku), batch.short
    )
