"""Policy simulation of a workspace: replay its history with TradePilot's policy and
the baselines under the fair protocol (:mod:`tradepilot.replenishment.sim_protocol`:
the same opening stock, a warm-up not scored, the stock left valued at cost less an
obsolescence charge, several seeds with a 95 % interval), and store the report.

Demand is the workspace's daily units sold per SKU (sales censored by stockouts
understate demand; a demo workspace replays the simulator's true demand from
``demo-data/truth/demand.parquet``). Lead times the policies believe are the ones
learned from the workspace's purchase orders, with the purchasing settings as
fallbacks; the real world draws from the same estimates, or from the simulator's
truth in a demo workspace. The last year is replayed when there are two years of
history, else the second half. Every policy starts from the stock on hand on the
first replayed day (the last count before it, plus receipts, minus sales since;
0 for a SKU never counted). Costs and prices are those of a restock plan (base
currency; unknown costs at ``default_cost_share`` of the price).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tradepilot.domain.errors import DataValidationError
from tradepilot.replenishment import inputs
from tradepilot.replenishment.config import PurchasingConfig
from tradepilot.replenishment.leadtime_service import (
    TRUTH_FILE,
    lead_of,
    lead_time_estimates,
)
from tradepilot.replenishment.leadtimes import LeadTime
from tradepilot.replenishment.position_service import priced_products
from tradepilot.replenishment.sim_protocol import compare_policies
from tradepilot.replenishment.sim_scoring import ProtocolSettings
from tradepilot.replenishment.simulation import SimulationInput
from tradepilot.store import tables
from tradepilot.workspace import base_currency

TRUTH_DEMAND = Path("demo-data") / "truth" / "demand.parquet"
MIN_DAYS = 120
"""Days of sales needed to replay anything (half of it is history)."""


def simulate_policies_of(
    engine: Engine,
    config: PurchasingConfig,
    *,
    home: Path,
    protocol: ProtocolSettings | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Replay the workspace's history under every policy and save the report.

    Parameters
    ----------
    engine : Engine
        The workspace store.
    config : PurchasingConfig
        Purchasing settings (costs, lead-time fallbacks, service level).
    home : Path
        Workspace folder (a demo's truth files live there).
    protocol : ProtocolSettings, optional
        Seeds, warm-up and end-stock charge; default :class:`ProtocolSettings`.
    progress : callable, optional
        Told a line of text as each seed starts.

    Returns
    -------
    dict
        ``{"days", "warmup_days", "seeds", "protocol", "best_baseline",
        "policies": {"tradepilot" | "min_max" | "days_of_cover" | "order_up_to"
        | "oracle": {"fill_rate", "stockout_days", "lost_units",
        "avg_inventory_value", "total_cost", ..., "cost_ratio", "ci95"}},
        "demand_source", "opening_source", "start", "scored_from", "end", "skus",
        "seconds"}``: ``days`` are the scored days, figures means over seeds.
    """
    started = time.perf_counter()
    settings = protocol or ProtocolSettings()
    with engine.connect() as conn:
        sales = inputs.daily_sales(conn)
        if sales.height == 0:
            raise DataValidationError("no sales imported: nothing to replay")
        first, last = sales["day"].min(), sales["day"].max()
        assert isinstance(first, dt.date)
        assert isinstance(last, dt.date)
        base = base_currency(conn) or "EUR"
        products = priced_products(
            conn, config, base=base, as_of=last + dt.timedelta(days=1)
        )
        receipts = inputs.read_receipts(conn)
        n_days = (last - first).days + 1
        start = n_days - 365 if n_days >= 730 else n_days // 2
        as_of = first + dt.timedelta(days=start)
        counted = inputs.stock_on_hand(conn, as_of=as_of)
    if n_days < MIN_DAYS:
        raise DataValidationError(
            f"a simulation needs at least {MIN_DAYS} days of sales; found {n_days}"
        )
    estimates, _ = lead_time_estimates(
        receipts.filter(pl.col("ordered_date") < as_of),
        config,
        as_of,
        extra_suppliers=products["supplier"].unique().to_list(),
    )
    products = products.filter(pl.col("sku").is_in(sales["sku"].unique())).sort("sku")
    skus = products["sku"].to_list()
    observed = _matrix(sales, skus, first, n_days)
    demand, source = _demand(home, skus, first, n_days, observed)
    suppliers = sorted(set(products["supplier"].to_list()))
    # the policies take mode 0 as the default (slow, cheap) one
    modes = tuple(sorted(config.modes, key=lambda m: m != "sea"))
    believed = [[lead_of(estimates, s, m, config) for m in modes] for s in suppliers]
    simulation = SimulationInput(
        demand=demand,
        dates=np.datetime64(first, "D") + np.arange(n_days),
        start=start,
        sku=skus,
        unit_cost=products["unit_cost_base"].to_numpy(),
        price=products["price_base"].to_numpy(),
        case_pack=products["case_pack"].to_numpy().astype(np.int64),
        moq=products["moq"].to_numpy().astype(np.int64),
        supplier=np.array([suppliers.index(s) for s in products["supplier"]]),
        freight=np.outer(
            products["weight"].to_numpy(),
            [config.modes[m].freight_per_kg for m in modes],
        )
        + np.array([config.modes[m].freight_per_unit for m in modes]),
        modes=modes,
        true_lead=_true_leads(home, suppliers, modes) or believed,
        believed_lead=believed,
        holding_rate=config.holding_rate,
        order_cost=config.order_cost,
        service_level=config.service_level,
        category=_category_index(products["category"].to_list()),
        history_sales=observed[:start],
    )
    opening, opening_source = _opening(counted, skus, as_of)
    report = compare_policies(
        simulation, opening=opening, settings=settings, progress=progress
    )
    report["protocol"] = settings.describe(
        warmup_days=report["warmup_days"],
        scored_days=report["days"],
        opening=opening_source,
    )
    report.update(
        demand_source=source,
        opening_source=opening_source,
        start=as_of.isoformat(),
        scored_from=(as_of + dt.timedelta(days=report["warmup_days"])).isoformat(),
        end=last.isoformat(),
        skus=len(skus),
        base_currency=base,
        seconds=round(time.perf_counter() - started, 2),
    )
    with engine.begin() as conn:
        conn.execute(
            sa.insert(tables.policy_simulations).values(
                created_at=dt.datetime.now(dt.UTC),
                params=json.dumps(
                    {
                        "start": report["start"],
                        "modes": list(modes),
                        "seeds": report["seeds"],
                        "warmup_days": report["warmup_days"],
                    }
                ),
                report=json.dumps(report, default=str),
                seconds=report["seconds"],
            )
        )
    return report


def latest_simulation(engine: Engine) -> dict[str, Any] | None:
    """The newest stored simulation report, or None."""
    sims = tables.policy_simulations
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(sims.c.report).order_by(sims.c.id.desc()).limit(1)
        ).first()
    return None if row is None else dict(json.loads(row[0]))


def _category_index(categories: list[str | None]) -> np.ndarray:
    """An index per SKU for pooled seasonality: its category's, or its own when
    it has none (uncategorised SKUs are not pooled together)."""
    names = sorted({c for c in categories if c is not None})
    own = iter(range(len(names), len(names) + len(categories)))
    return np.array(
        [names.index(c) if c is not None else next(own) for c in categories],
        dtype=np.int64,
    )


def _opening(
    counted: pl.DataFrame, skus: list[str], as_of: dt.date
) -> tuple[np.ndarray, str]:
    """The common opening stock per SKU and where it comes from, in words."""
    on_hand = dict(counted.select("sku", "on_hand").iter_rows())
    stock = np.array([on_hand.get(sku, 0) for sku in skus], dtype=np.int64)
    if not on_hand:
        return stock, f"no stock counts before {as_of}: every policy starts empty"
    missing = sum(sku not in on_hand for sku in skus)
    never = f"; {missing} SKUs never counted start at 0" if missing else ""
    return stock, (
        f"stock on hand on {as_of}: the last count, plus receipts, minus sales"
        f" since{never}"
    )


def _matrix(
    frame: pl.DataFrame, skus: list[str], first: dt.date, n_days: int
) -> np.ndarray:
    """Units per (day, SKU) from a long ``sku, day, units`` frame."""
    index = {sku: i for i, sku in enumerate(skus)}
    matrix = np.zeros((n_days, len(skus)), dtype=np.int64)
    known = frame.filter(pl.col("sku").is_in(skus))
    offset = (pl.col("day") - pl.lit(first)).dt.total_days()
    rows = known.select(offset).to_series().to_numpy()
    cols = np.array([index[s] for s in known["sku"]], dtype=np.int64)
    inside = (rows >= 0) & (rows < n_days)
    np.add.at(matrix, (rows[inside], cols[inside]), known["units"].to_numpy()[inside])
    return matrix


def _demand(
    home: Path, skus: list[str], first: dt.date, n_days: int, observed: np.ndarray
) -> tuple[np.ndarray, str]:
    """True demand in a demo workspace, else the units sold."""
    path = home / TRUTH_DEMAND
    if not path.exists():
        return observed, "units sold (stockouts not corrected)"
    truth = (
        pl.read_parquet(path, columns=["date", "sku", "true_demand"])
        .group_by("sku", "date")
        .agg(pl.col("true_demand").sum().alias("units"))
        .rename({"date": "day"})
    )
    return _matrix(truth, skus, first, n_days), "the simulator's true demand"


def _true_leads(
    home: Path, suppliers: list[str], modes: tuple[str, ...]
) -> list[list[LeadTime]] | None:
    """The simulator's true lead times in a demo workspace (else None)."""
    path = home / TRUTH_FILE
    if not path.exists():
        return None
    truth = json.loads(path.read_text(encoding="utf-8"))
    table = {
        (d["supplier"], d["mode"]): LeadTime(float(d["mean"]), float(d["std"]))
        for d in truth["distributions"]
    }
    if not all((s, m) in table for s in suppliers for m in modes):
        return None
    return [[table[(s, m)] for m in modes] for s in suppliers]
