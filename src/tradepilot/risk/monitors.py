"""Run every monitor over :class:`~tradepilot.risk.inputs.RiskInputs`.

:func:`evaluate` derives the per-SKU money figures once (unit margin, unit price,
unit cost in base currency), calls each monitor and returns the alerts with the
notes of the monitors it skipped. Monitors of absent capabilities or empty data
(review sentiment, payments) are notes, never errors.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from tradepilot.risk import sales_monitors as sales
from tradepilot.risk import stock_monitors as stock
from tradepilot.risk import trust_monitors as trust
from tradepilot.risk.alert import Alert
from tradepilot.risk.config import RiskConfig
from tradepilot.risk.inputs import RiskInputs


@dataclass(frozen=True)
class Figures:
    """Money per unit in base currency, derived once per run."""

    unit_margin: dict[str, float]  # per "sku X" and "country C" series and per SKU
    unit_price: dict[str, float]
    unit_cost: dict[str, float]
    series_price: dict[str, float]  # per "sku X" and "country C" series
    supplier_daily_sales: dict[str, float]
    sku_lead_days: dict[str, float]
    exposure: dict[str, float]


def evaluate(inputs: RiskInputs, config: RiskConfig) -> tuple[list[Alert], list[str]]:
    """All alerts of the run and the notes of what was skipped."""
    figures = derive_figures(inputs, config)
    notes = list(inputs.notes)
    alerts: list[Alert] = []
    for name, monitor in _monitors(inputs, figures, config):
        found = monitor()
        if found is None:
            notes.append(f"{name}: skipped, no data")
            continue
        alerts.extend(found)
    return alerts, notes


def _monitors(
    inputs: RiskInputs, figures: Figures, config: RiskConfig
) -> list[tuple[str, Callable[[], list[Alert] | None]]]:
    today, margins, positions = inputs.today, inputs.margins, inputs.positions

    def stockout() -> list[Alert] | None:
        if positions is None:
            return None
        return stock.stockouts(
            positions, figures.unit_margin, figures.sku_lead_days, config=config
        )

    def overstock() -> list[Alert] | None:
        if positions is None:
            return None
        return stock.overstocks(positions, figures.unit_cost, config=config)

    def demand_break() -> list[Alert] | None:
        if inputs.lines.height == 0:
            return None
        weekly = weekly_series(
            inputs.lines, today, 52 + config.break_baseline_weeks + 4
        )
        empty: frozenset[str] = frozenset()
        if positions is not None:
            none_left = positions.filter(pl.col("on_hand").fill_null(0) <= 0)
            empty = frozenset(f"sku {sku}" for sku in none_left["sku"].to_list())
        return sales.demand_breaks(
            weekly, figures.series_price, today=today, config=config,
            out_of_stock=empty,
        )  # fmt: skip

    def margin_erosion() -> list[Alert] | None:
        if margins is None:
            return None
        return stock.margin_erosions(
            margins, target=inputs.target_margin, config=config
        )

    def rule_change() -> list[Alert] | None:
        if margins is None or inputs.margins_later is None:
            return None
        later = today + dt.timedelta(days=config.rule_horizon_days)
        return stock.rule_changes(
            margins, inputs.margins_later, later_day=later.isoformat(), config=config
        )

    def supplier_delay() -> list[Alert] | None:
        if inputs.po_lead_times is None:
            return None
        return stock.supplier_delays(
            inputs.po_lead_times, figures.supplier_daily_sales, config=config
        )

    def concentration() -> list[Alert] | None:
        if margins is None:
            return None
        by_supplier = stock.concentrations(
            margins.filter(pl.col("supplier").is_not_null()), by="supplier",
            config=config,
        )  # fmt: skip
        return by_supplier + stock.concentrations(margins, by="country", config=config)

    def return_spike() -> list[Alert] | None:
        lines = inputs.lines
        if lines.height == 0 or not lines["returned"].any():
            return None
        sold = lines.filter(~pl.col("returned")).select("sku", "day", "units")
        back = lines.filter(pl.col("returned")).select("sku", "day", "units")
        return sales.return_spikes(
            sold, back, figures.unit_price, today=today, config=config
        )

    def review_sentiment() -> list[Alert] | None:
        if inputs.reviews is None or inputs.reviews.height == 0:
            return None
        sold = inputs.lines.filter(~pl.col("returned")).select("sku", "day", "units")
        return trust.review_sentiments(
            inputs.reviews, sold, figures.unit_price, today=today, config=config
        )

    def payment_discrepancy() -> list[Alert] | None:
        if inputs.discrepancies is None:
            return None
        return trust.payment_discrepancies(
            inputs.discrepancies, base=inputs.base, config=config
        )

    def fx_move() -> list[Alert] | None:
        if inputs.rates.height == 0:
            return None
        return sales.fx_moves(
            inputs.rates, figures.exposure, base=inputs.base, today=today,
            config=config,
        )  # fmt: skip

    return [
        ("stockout", stockout),
        ("overstock", overstock),
        ("demand_break", demand_break),
        ("margin_erosion", margin_erosion),
        ("rule_change", rule_change),
        ("supplier_delay", supplier_delay),
        ("concentration", concentration),
        ("return_spike", return_spike),
        ("review_sentiment", review_sentiment),
        ("fx_move", fx_move),
        ("payment_discrepancy", payment_discrepancy),
    ]


def weekly_series(lines: pl.DataFrame, today: dt.date, n_weeks: int) -> pl.DataFrame:
    """Dense weekly units ``series, week, units`` per SKU (``sku X``) and per
    country (``country C``) over the ``n_weeks`` complete weeks up to ``today``."""
    last = sales.complete_weeks(
        pl.DataFrame({"week": [today - dt.timedelta(days=today.weekday())]}), today
    )
    last_week = (
        last["week"][0]
        if last.height
        else today - dt.timedelta(days=today.weekday() + 7)
    )
    first_week = last_week - dt.timedelta(weeks=n_weeks - 1)
    sold = lines.filter(
        ~pl.col("returned") & (pl.col("day") >= first_week)
    ).with_columns(week=pl.col("day").dt.truncate("1w"))
    sold = sold.filter(pl.col("week") <= last_week)
    per = pl.concat(
        [
            sold.group_by(series=pl.lit("sku ") + pl.col("sku"), week="week").agg(
                pl.col("units").sum()
            ),
            sold.group_by(
                series=pl.lit("country ") + pl.col("country"), week="week"
            ).agg(pl.col("units").sum()),  # fmt: skip
        ]
    )
    weeks = pl.DataFrame(
        {"week": [first_week + dt.timedelta(weeks=i) for i in range(n_weeks)]}
    )
    grid = per.select("series").unique().join(weeks, how="cross")
    return grid.join(per, on=["series", "week"], how="left").with_columns(
        pl.col("units").fill_null(0.0)
    )


def derive_figures(inputs: RiskInputs, config: RiskConfig) -> Figures:
    """Per-SKU, per-country and per-supplier money figures in base currency."""
    year_ago = inputs.today - dt.timedelta(days=365)
    recent = _in_base(inputs.lines.filter(pl.col("day") > year_ago), inputs)
    sold = recent.filter(~pl.col("returned"))
    price = sold.group_by("sku").agg(
        p=pl.col("amount_base").sum() / pl.col("units").sum()
    )
    unit_price = dict(price.iter_rows())
    unit_margin = {s: p * config.default_margin_rate for s, p in unit_price.items()}
    country_margin: dict[str, float] = {}
    per_country = sold.group_by("country").agg(
        m=pl.col("amount_base").sum() / pl.col("units").sum()
    )
    country_price = dict(per_country.iter_rows())
    supplier_of = dict(inputs.products.select("sku", "supplier").iter_rows())
    supplier_daily: dict[str, float] = {}
    by_sku = sold.group_by("sku").agg(pl.col("amount_base").sum() / 365)
    for sku, daily in by_sku.iter_rows():
        supplier = supplier_of.get(sku)
        if supplier:
            supplier_daily[supplier] = supplier_daily.get(supplier, 0.0) + daily
    margins = inputs.margins
    if margins is not None and margins.height:
        by_sku = margins.group_by("sku").agg(
            m=pl.col("yearly_margin").sum() / pl.col("yearly_units").sum()
        )
        unit_margin |= {s: m for s, m in by_sku.iter_rows() if m is not None}
        by_country = margins.group_by("country").agg(
            m=pl.col("yearly_margin").sum() / pl.col("yearly_units").sum()
        )
        country_margin = {c: m for c, m in by_country.iter_rows() if m is not None}
        # supplier_daily stays sales, not margin (docs/risk.md): a late supplier
        # whose SKUs earn little net margin still stops their sales
    else:
        per_country = sold.group_by("country").agg(
            m=pl.col("amount_base").sum() / pl.col("units").sum()
        )
        country_margin = {
            c: m * config.default_margin_rate for c, m in per_country.iter_rows()
        }
    series_margin = {f"sku {s}": m for s, m in unit_margin.items()}
    series_margin |= {f"country {c}": m for c, m in country_margin.items()}
    lead = {
        sku: inputs.lead_days.get(supplier or "", config.default_lead_days)
        for sku, supplier in supplier_of.items()
    }
    unit_cost = {
        s: max(p - unit_margin.get(s, 0.0), 0.0) for s, p in unit_price.items()
    }
    return Figures(
        unit_margin=_finite(unit_margin | series_margin),
        unit_price=_finite(unit_price),
        unit_cost=_finite(unit_cost),
        series_price=_finite(
            {f"sku {s}": p for s, p in unit_price.items()}
            | {f"country {c}": p for c, p in country_price.items()}
        ),
        supplier_daily_sales=_finite(supplier_daily),
        sku_lead_days=lead,
        exposure=_exposure(sold, inputs),
    )


def _finite(values: dict[str, float]) -> dict[str, float]:
    """``values`` without missing or non-finite figures (a cell with no units)."""
    return {k: v for k, v in values.items() if v is not None and math.isfinite(v)}


def _to_base(inputs: RiskInputs) -> dict[str, float]:
    """Base units per unit of each currency at the newest rate <= today."""
    rates = inputs.rates.filter(pl.col("date") <= inputs.today)
    latest = rates.sort("date").group_by("currency").agg(pl.col("per_eur").last())
    per_eur = {"EUR": 1.0} | dict(latest.iter_rows())
    base = per_eur.get(inputs.base, 1.0)
    return {c: base / r for c, r in per_eur.items() if r}


def _in_base(lines: pl.DataFrame, inputs: RiskInputs) -> pl.DataFrame:
    factor = _to_base(inputs)
    # a currency without rates counts at par: the margins report names it
    return lines.with_columns(
        amount_base=pl.col("amount")
        * pl.col("currency").replace_strict(
            factor, default=1.0, return_dtype=pl.Float64
        )
    )


def _exposure(sold: pl.DataFrame, inputs: RiskInputs) -> dict[str, float]:
    """Net yearly exposure per currency in base: sales minus purchase orders."""
    exposure = dict(
        sold.group_by("currency").agg(pl.col("amount_base").sum()).iter_rows()
    )
    if inputs.po_costs is not None and inputs.po_costs.height:
        factor = _to_base(inputs)
        costs = inputs.po_costs.group_by("currency").agg(pl.col("amount").sum())
        for currency, amount in costs.iter_rows():
            value = amount * factor.get(currency, 1.0)
            exposure[currency] = exposure.get(currency, 0.0) - value
    return exposure
