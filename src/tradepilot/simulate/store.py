"""The simulated store: one pure function from a config to all its data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from tradepilot.simulate.catalog import CATEGORIES, Catalog, build_catalog
from tradepilot.simulate.config import SimulationConfig
from tradepilot.simulate.customers import BEHAVIOUR, draw_customers
from tradepilot.simulate.demand import (
    DEMAND_CLASSES,
    DemandProfiles,
    allocate_sales,
    draw_demand,
    draw_profiles,
    expected_rates,
)
from tradepilot.simulate.fx import simulate_fx
from tradepilot.simulate.inventory import InventoryRun, run_inventory
from tradepilot.simulate.markets import MARKETS
from tradepilot.simulate.promotions import PromotionPlan, plan_promotions
from tradepilot.simulate.purchasing import (
    purchase_order_rows,
    purchase_truth,
    resume_days,
)
from tradepilot.simulate.sales import simulate_sales
from tradepilot.simulate.suppliers import Shutdown, shutdowns
from tradepilot.simulate.timeline import Timeline

STREAMS = ("catalog", "demand", "promotions", "inventory", "customers", "orders", "fx")
"""Independent random streams spawned from the seed, one per concept."""


@dataclass(frozen=True, slots=True)
class SimulatedStore:
    """All data of a simulated store, as polars frames.

    Amounts in ``orders`` and ``order_lines`` are integers in the currency's minor
    unit; instants are UTC; dates are the buyer's local calendar date.

    Attributes
    ----------
    config : SimulationConfig
        The parameters that produced the store.
    products : polars.DataFrame
        The catalogue (columns of ``products.csv``).
    customers : polars.DataFrame
        Registered web-store customers.
    customer_truth : polars.DataFrame
        Their true purchase rate, drop-out probability and taste, and what they
        did (:func:`~tradepilot.simulate.buyers.customer_truth`).
    orders, order_lines : polars.DataFrame
        Both channels, cancelled orders included (``status == "cancelled"``;
        their lines keep the quantity that was ordered).
    purchase_orders : polars.DataFrame
        Columns of ``purchase_orders.csv``, one row per PO line per receipt.
    inventory : polars.DataFrame
        Weekly end-of-Sunday stock (columns of ``inventory.csv``).
    fx_rates : polars.DataFrame
        ``date, currency, rate`` on ECB business days, units per 1 EUR.
    demand_truth : polars.DataFrame
        ``date, sku, country, true_demand, sold, lost, in_stock, on_promotion``.
    promotions : polars.DataFrame
        Every promotion with its discount and true demand uplift.
    sku_truth : polars.DataFrame
        Demand class, base rate, dispersion, growth, launch and end per SKU.
    purchase_lines_truth : polars.DataFrame
        True lead-time draw and shutdown delay of every PO line.
    shutdowns : tuple of Shutdown
        Supplier closures that affected the span.
    """

    config: SimulationConfig
    products: pl.DataFrame
    customers: pl.DataFrame
    customer_truth: pl.DataFrame
    orders: pl.DataFrame
    order_lines: pl.DataFrame
    purchase_orders: pl.DataFrame
    inventory: pl.DataFrame
    fx_rates: pl.DataFrame
    demand_truth: pl.DataFrame
    promotions: pl.DataFrame
    sku_truth: pl.DataFrame
    purchase_lines_truth: pl.DataFrame
    shutdowns: tuple[Shutdown, ...]


def simulate_store(config: SimulationConfig) -> SimulatedStore:
    """Simulate a store; the same config always gives the same store.

    Parameters
    ----------
    config : SimulationConfig
        Seed, span, sizes and rates.

    Returns
    -------
    SimulatedStore
        Catalogue, customers, orders, purchasing, stock, FX and ground truth.

    Examples
    --------
    >>> store = simulate_store(SimulationConfig(seed=1, n_days=120, n_skus=20,
    ...                                         n_customers=200))
    >>> store.products.height, store.demand_truth["date"].n_unique()
    (20, 120)
    """
    streams = np.random.default_rng(config.seed).spawn(len(STREAMS))
    rngs = dict(zip(STREAMS, streams, strict=True))
    timeline = Timeline(config.start, config.n_days)
    catalog = build_catalog(rngs["catalog"], config.n_skus)
    world = _simulate_demand(rngs, config, timeline, catalog)
    windows = tuple(shutdowns(config.start, config.end))
    run = run_inventory(
        rngs["inventory"],
        world.demand.sum(axis=2),
        catalog=catalog,
        profiles=world.profiles,
        resume=resume_days(list(windows), timeline),
        weekday=timeline.weekday,
        cover_days=config.cover_days,
        partial_rate=config.partial_receipt_rate,
        short_rate=config.short_shipment_rate,
    )
    sold = allocate_sales(rngs["demand"], world.demand, run.sold)
    customers = draw_customers(rngs["customers"], config.n_customers, len(CATEGORIES))
    orders, lines, customer_truth = simulate_sales(
        rngs["orders"],
        sold=sold,
        timeline=timeline,
        catalog=catalog,
        plan=world.plan,
        customers=customers,
        config=config,
    )
    fx_first = config.start - dt.timedelta(days=config.fx_lead_days)
    skus, truth = catalog.skus, (world.demand, sold, run, world.plan, timeline)
    return SimulatedStore(
        config=config,
        products=catalog.products,
        customers=customers.drop("country_idx", *BEHAVIOUR),
        customer_truth=customer_truth,
        orders=orders,
        order_lines=lines,
        purchase_orders=purchase_order_rows(
            run.shipments, catalog, timeline, config.warehouse
        ),
        inventory=weekly_inventory(run, timeline, skus, config.warehouse),
        fx_rates=simulate_fx(rngs["fx"], fx_first, config.end),
        demand_truth=demand_truth(*truth, skus),
        promotions=world.plan.frame,
        sku_truth=sku_truth(world.profiles, timeline, skus),
        purchase_lines_truth=purchase_truth(run.shipments, catalog, timeline),
        shutdowns=windows,
    )


@dataclass(frozen=True, slots=True)
class _Demand:
    """Who wants what: SKU profiles, promotions and the true demand draw."""

    profiles: DemandProfiles
    plan: PromotionPlan
    demand: np.ndarray


def _simulate_demand(
    rngs: dict[str, np.random.Generator],
    config: SimulationConfig,
    timeline: Timeline,
    catalog: Catalog,
) -> _Demand:
    """Draw SKU profiles and promotions, then daily demand per SKU and country."""
    profiles = draw_profiles(
        rngs["demand"],
        n_skus=config.n_skus,
        n_days=config.n_days,
        demand_scale=config.demand_scale,
        launch_share=config.launch_share,
        discontinue_share=config.discontinue_share,
    )
    active = profiles.active(config.n_days)
    plan = plan_promotions(
        rngs["promotions"], timeline, catalog.skus, profiles.demand_class, active
    )
    rates = expected_rates(profiles, catalog.category, timeline, plan.uplift)
    shares = np.array([m.demand_share for m in MARKETS])
    demand = draw_demand(
        rngs["demand"], rates, profiles.dispersion, shares / shares.sum()
    )
    return _Demand(profiles, plan, demand)


def weekly_inventory(
    run: InventoryRun, timeline: Timeline, skus: list[str], warehouse: str
) -> pl.DataFrame:
    """End-of-day stock of every Sunday in the span: ``date, sku, warehouse, on_hand``."""
    sundays = np.flatnonzero(timeline.weekday == 6)
    n_skus = len(skus)
    return pl.DataFrame(
        {
            "date": np.repeat(timeline.dates[sundays], n_skus),
            "sku": np.tile(np.array(skus), sundays.size),
            "warehouse": [warehouse] * (sundays.size * n_skus),
            "on_hand": run.closing[sundays].ravel(),
        }
    )


def demand_truth(
    demand: np.ndarray,
    sold: np.ndarray,
    run: InventoryRun,
    plan: PromotionPlan,
    timeline: Timeline,
    skus: list[str],
) -> pl.DataFrame:
    """Long truth table, one row per day x SKU x country, sorted that way.

    ``in_stock`` is whether the SKU had stock at the start of the day (after
    receipts): a row with ``in_stock`` and ``lost > 0`` ran out during the day.
    """
    n_days, n_skus, n_countries = demand.shape
    per_sku = (n_days, n_skus, n_countries)
    return pl.DataFrame(
        {
            "date": np.repeat(timeline.dates, n_skus * n_countries),
            "sku": np.tile(np.repeat(np.array(skus), n_countries), n_days),
            "country": np.tile(np.array([m.country for m in MARKETS]), n_days * n_skus),
            "true_demand": demand.ravel(),
            "sold": sold.ravel(),
            "lost": (demand - sold).ravel(),
            "in_stock": np.broadcast_to((run.opening > 0)[:, :, None], per_sku).ravel(),
            "on_promotion": np.broadcast_to(
                plan.on_promotion[:, :, None], per_sku
            ).ravel(),
        }
    )


def sku_truth(
    profiles: DemandProfiles, timeline: Timeline, skus: list[str]
) -> pl.DataFrame:
    """Per-SKU demand parameters: ``sku, demand_class, base_rate, dispersion,
    annual_growth, launch_date, discontinue_date`` (dates null when outside the span)."""
    launch = [timeline.date(int(d)) if d > 0 else None for d in profiles.launch_day]
    end = [
        timeline.date(int(d)) if d < timeline.n_days else None for d in profiles.end_day
    ]
    return pl.DataFrame(
        {
            "sku": skus,
            "demand_class": [DEMAND_CLASSES[c] for c in profiles.demand_class],
            "base_rate": np.round(profiles.base_rate, 4),
            "dispersion": profiles.dispersion,
            "annual_growth": np.round(profiles.growth, 4),
            "launch_date": pl.Series(launch, dtype=pl.Date),
            "discontinue_date": pl.Series(end, dtype=pl.Date),
        }
    )
