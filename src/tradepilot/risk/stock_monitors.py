"""Monitors over stock, suppliers and margins: stockout, overstock, supplier delay,
concentration, margin erosion and rule changes.

Each is a pure function from frames to a list of :class:`~tradepilot.risk.alert.Alert`;
the money-at-stake formulas are in ``docs/risk.md``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from tradepilot.risk.alert import Alert, Raised, rounded
from tradepilot.risk.config import RiskConfig


def stockouts(
    positions: pl.DataFrame,
    unit_margin: dict[str, float],
    lead_days: dict[str, float],
    *,
    config: RiskConfig,
) -> list[Alert]:
    """SKUs whose stock position covers fewer days than a new order takes to come.

    Parameters
    ----------
    positions : polars.DataFrame
        ``sku, position, demand_per_day, days_of_cover`` (null cover: no demand).
    unit_margin, lead_days : dict
        Margin per unit (base currency) and expected lead time (days) per SKU.
    """
    raised = Raised("stockout", config)
    for row in positions.sort("sku").iter_rows(named=True):
        cover, rate = row["days_of_cover"], row["demand_per_day"] or 0.0
        if cover is None or rate <= 0 or cover >= config.stockout_horizon_days:
            continue
        lead = lead_days.get(row["sku"], config.default_lead_days)
        short_days = max(lead - max(cover, 0.0), 0.0)
        money = short_days * rate * unit_margin.get(row["sku"], 0.0)
        explanation = (
            f"SKU {row['sku']} runs out in {max(cover, 0):.0f} days at "
            f"{rate:.1f} units a day; an order placed today takes {lead:.0f} days, "
            f"so about {short_days:.0f} days of sales are lost."
        )
        evidence = {
            "days_until_stockout": rounded(max(cover, 0.0), 1),
            "position_units": row["position"],
            "demand_per_day": rounded(rate, 3),
            "lead_days": rounded(lead, 1),
            "unit_margin": rounded(unit_margin.get(row["sku"], 0.0)),
            "link": "/restock",
        }
        raised.add(f"sku {row['sku']}", money, explanation, evidence)
    return raised.alerts


def overstocks(
    positions: pl.DataFrame, unit_cost: dict[str, float], *, config: RiskConfig
) -> list[Alert]:
    """SKUs holding more than ``overstock_weeks`` of cover: the cash tied up in the
    units beyond it (a SKU with stock and no demand ties all of it)."""
    raised = Raised("overstock", config)
    weeks = config.overstock_weeks
    for row in positions.sort("sku").iter_rows(named=True):
        on_hand, rate = row["on_hand"] or 0, row["demand_per_day"] or 0.0
        excess = on_hand - rate * 7 * weeks
        if on_hand <= 0 or excess <= 0:
            continue
        money = excess * unit_cost.get(row["sku"], 0.0)
        cover = "no demand" if rate <= 0 else f"{on_hand / rate / 7:.0f} weeks of cover"
        explanation = (
            f"SKU {row['sku']} holds {on_hand} units ({cover}); {excess:.0f} units "
            f"beyond {weeks:g} weeks tie up cash."
        )
        evidence = {
            "on_hand": on_hand,
            "demand_per_day": rounded(rate, 3),
            "excess_units": rounded(excess, 0),
            "unit_cost": rounded(unit_cost.get(row["sku"], 0.0)),
            "link": "/restock",
        }
        raised.add(f"sku {row['sku']}", money, explanation, evidence)
    return raised.alerts


def supplier_delays(
    lead_times: pl.DataFrame,
    daily_sales: dict[str, float],
    *,
    config: RiskConfig,
) -> list[Alert]:
    """Suppliers whose latest POs by a mode take longer than their history: the
    median shift of the last ``delay_recent_pos`` POs (open ones counted at their
    age once older than the usual lead time) against the earlier ones, tested
    one-sided by Mann-Whitney U. One alert per supplier, for its most delayed mode
    (the other late modes named in the evidence).

    Parameters
    ----------
    lead_times : polars.DataFrame
        One row per PO: ``supplier, mode, ordered_date, lead_days`` (null if
        open), ``observed_days`` (age of an open PO).
    daily_sales : dict
        Sales per day of the supplier's SKUs, base currency: the money at stake is
        the sales of the days of delay (what a stockout over them would cost).
    """
    raised = Raised("supplier_delay", config)
    frame = lead_times.with_columns(
        days=pl.coalesce("lead_days", "observed_days").cast(pl.Float64)
    ).filter(pl.col("days").is_not_null())
    found: dict[str, list[dict[str, Any]]] = {}
    for (supplier, mode), group in sorted(
        frame.group_by("supplier", "mode"), key=lambda g: g[0]
    ):
        delay = _mode_delay(group.sort("ordered_date"), config)
        if delay is not None:
            found.setdefault(str(supplier), []).append({"mode": mode, **delay})
    for supplier, delays in found.items():
        worst = max(delays, key=lambda d: (d["shift"], d["mode"]))
        money = worst["shift"] * daily_sales.get(supplier, 0.0)
        explanation = (
            f"{supplier}'s last {worst['recent_pos']} {worst['mode']} purchase orders "
            f"took {worst['now']:.0f} days (median), {worst['shift']:.0f} days more "
            f"than the usual {worst['usual']:.0f}."
        )
        evidence = {
            "mode": worst["mode"],
            "late_modes": sorted(d["mode"] for d in delays),
            "usual_lead_days": rounded(worst["usual"], 1),
            "recent_lead_days": rounded(worst["now"], 1),
            "recent_pos": worst["recent_pos"],
            "history_pos": worst["history_pos"],
            "p_value": rounded(worst["p_value"], 4),
            "link": "/restock",
        }
        raised.add(f"supplier {supplier}", money, explanation, evidence)
    return raised.alerts


def _mode_delay(group: pl.DataFrame, config: RiskConfig) -> dict[str, Any] | None:
    """The lead-time shift of one supplier and mode's POs (sorted by order day),
    or None if too few POs tell or the shift is small or not significant."""
    from scipy import stats

    n_recent = config.delay_recent_pos
    recent = group.tail(n_recent)
    history = group.head(max(group.height - n_recent, 0)).filter(
        pl.col("lead_days").is_not_null()
    )
    if history.height < 3:
        return None
    usual = float(np.median(history["lead_days"].to_numpy()))
    # open POs younger than the usual lead time say nothing yet
    late = recent.filter(
        pl.col("lead_days").is_not_null() | (pl.col("observed_days") > usual)
    )
    if late.height < 2:
        return None
    now = float(np.median(late["days"].to_numpy()))
    if now - usual < config.delay_min_days:
        return None
    test = stats.mannwhitneyu(
        late["days"].to_numpy(), history["lead_days"].to_numpy(), alternative="greater"
    )
    if test.pvalue >= config.delay_p_value:
        return None
    return {"usual": usual, "now": now, "shift": now - usual,
            "recent_pos": late.height, "history_pos": history.height,
            "p_value": float(test.pvalue)}  # fmt: skip


def concentrations(
    margins: pl.DataFrame, *, by: str, config: RiskConfig
) -> list[Alert]:
    """One ``by`` value (``supplier`` or ``country``) earning more than
    ``concentration_share`` of the yearly margin: the margin above that share.

    Parameters
    ----------
    margins : polars.DataFrame
        ``sku, country, supplier, yearly_margin`` per SKU x country.
    """
    positive = margins.filter(pl.col("yearly_margin") > 0)
    total = float(positive["yearly_margin"].sum())
    if total <= 0 or positive[by].n_unique() < 2:
        return []
    shares = positive.group_by(by).agg(pl.col("yearly_margin").sum()).sort(by)
    raised = Raised("concentration", config)
    for row in shares.iter_rows(named=True):
        share = row["yearly_margin"] / total
        if share <= config.concentration_share:
            continue
        money = (share - config.concentration_share) * total
        label = "market" if by == "country" else by
        explanation = (
            f"{share:.0%} of the yearly margin comes from {label} {row[by]} "
            f"(above {config.concentration_share:.0%}); a problem there hits the "
            f"whole business."
        )
        evidence = {
            "share_of_margin": rounded(share, 4),
            "yearly_margin": rounded(row["yearly_margin"]),
            "total_yearly_margin": rounded(total),
            "link": "/markets",
        }
        raised.add(f"{label} {row[by]}", money, explanation, evidence)
    return raised.alerts


def margin_erosions(
    margins: pl.DataFrame, *, target: float, config: RiskConfig
) -> list[Alert]:
    """SKUs whose margin rate in some countries is ``margin_gap`` below the target:
    one alert per SKU, the yearly margin missing to reach the target summed over
    those countries (each one in the evidence, largest first).

    Parameters
    ----------
    margins : polars.DataFrame
        ``sku, country, margin_rate, net_revenue`` (per unit) and ``yearly_units``.
    """
    cells = margins.filter(
        pl.col("margin_rate").is_not_null()
        & (pl.col("margin_rate") < target - config.margin_gap)
    ).with_columns(
        gap_money=(target - pl.col("margin_rate"))
        * pl.col("net_revenue")
        * pl.col("yearly_units").fill_null(0)
    )
    raised = Raised("margin_erosion", config)
    for (sku,), group in sorted(cells.group_by("sku"), key=lambda g: str(g[0][0])):
        rows = group.sort(["gap_money", "country"], descending=[True, False]).rows(
            named=True
        )
        money = sum(row["gap_money"] for row in rows)
        named = ", ".join(f"{r['country']} {r['margin_rate']:.0%}" for r in rows[:3])
        more = f" and {len(rows) - 3} more" if len(rows) > 3 else ""
        explanation = (
            f"SKU {sku} earns below the {target:.0%} target margin in {len(rows)} "
            f"{'country' if len(rows) == 1 else 'countries'} ({named}{more}): "
            f"{money:,.0f} a year missing."
        )
        evidence = {
            "target_margin": target,
            "countries": [
                {
                    "country": row["country"],
                    "margin_rate": rounded(row["margin_rate"], 4),
                    "net_revenue_per_unit": rounded(row["net_revenue"]),
                    "yearly_units": rounded(row["yearly_units"] or 0, 1),
                    "yearly_margin_missing": rounded(row["gap_money"]),
                }
                for row in rows
            ],
            "link": "/markets",
        }
        raised.add(f"sku {sku}", money, explanation, evidence)
    return raised.alerts


def rule_changes(
    now: pl.DataFrame, later: pl.DataFrame, *, later_day: str, config: RiskConfig
) -> list[Alert]:
    """Countries whose yearly margin falls under the rules in force on ``later_day``
    (same volumes, prices and FX): the yearly margin lost.

    Parameters
    ----------
    now, later : polars.DataFrame
        ``sku, country, yearly_margin`` under today's rules and the later ones.
    """
    keys = ["sku", "country"]
    joined = now.select(*keys, before="yearly_margin").join(
        later.select(*keys, after="yearly_margin"), on=keys
    )
    by_country = (
        joined.with_columns(loss=pl.col("before") - pl.col("after"))
        .group_by("country")
        .agg(pl.col("loss").sum(), (pl.col("loss") > 0.005).sum().alias("skus"))
        .sort("country")
    )
    raised = Raised("rule_change", config)
    for row in by_country.iter_rows(named=True):
        explanation = (
            f"Rules taking effect by {later_day} cut the yearly margin in "
            f"{row['country']} by {row['loss']:,.0f} ({row['skus']} SKUs hit)."
        )
        evidence = {
            "yearly_margin_lost": rounded(row["loss"]),
            "skus_hit": row["skus"],
            "effective_by": later_day,
            "link": "/markets",
        }
        raised.add(f"country {row['country']}", row["loss"], explanation, evidence)
    return raised.alerts
