"""Rule-change impact: which SKUs and countries lose how much margin per year.

A rule change is new reference rows (a what-if file, see
:mod:`tradepilot.reference.whatif`). Margins are computed twice on the same
volumes, prices, FX and lanes: under the rules in force on the change's date
without it, and with it; the difference per unit times the yearly volume is the
yearly impact, largest loss first.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Engine

import tradepilot.reference
from tradepilot.domain.errors import DataValidationError
from tradepilot.logistics.service import (
    Shipper,
    price_sales,
    sales_year,
    trade_context,
)
from tradepilot.reference import apply_change, read_rule_change

KEYS = ["sku", "country"]


def examples_dir() -> Path:
    """The folder of the shipped what-if examples."""
    return Path(tradepilot.reference.__file__).parent / "examples"


def example_names() -> list[str]:
    """Names of the shipped what-if examples (``eu_flat_duty_3``, ...)."""
    return sorted(p.stem for p in examples_dir().glob("*.yaml"))


def example_path(name: str) -> Path:
    """The file of a shipped what-if example.

    Raises
    ------
    DataValidationError
        If there is no example of that name; the message lists them.
    """
    if name not in example_names():
        raise DataValidationError(
            f"unknown what-if example {name!r}; known: {example_names()}"
        )
    return examples_dir() / f"{name}.yaml"


def rule_impact(
    engine: Engine, *, home: Path, what_if: Path, day: dt.date | None = None
) -> dict[str, Any]:
    """The yearly margin change of every SKU x country under the rule change.

    ``day`` (default: the change's ``effective_from``) is the rule date of both
    computations: the rules in force that day without the change, and with it.
    """
    with engine.connect() as conn:
        context = trade_context(conn, home)
    change = read_rule_change(what_if, context.reference)
    day = day or change.effective_from
    sales = sales_year(engine, home=home, day=day)
    shipper = Shipper(context, sales.rates)  # same lanes and parcels both times
    before = price_sales(sales, suggest_prices=False, shipper=shipper)
    after = price_sales(
        sales,
        reference=apply_change(context.reference, change),
        suggest_prices=False,
        shipper=shipper,
    )
    rows = impact_rows(before.rows, after.rows)
    by_country = (
        rows.group_by("country")
        .agg(pl.col("yearly_change").sum(), pl.len().alias("skus_affected"))
        .sort("yearly_change")
    )
    return {
        "name": change.name,
        "file": str(what_if),
        "day": day.isoformat(),
        "currency": before.currency,
        "assumptions": list(before.notices),
        "rows_added": {
            "vat": len(change.vat),
            "regimes": len(change.regimes),
            "duties": len(change.duties),
            "fees": len(change.fees),
        },
        "total_yearly_change": float(rows["yearly_change"].sum()),
        "by_country": by_country.to_dicts(),
        "count": rows.height,
        "data": rows.to_dicts(),
    }


def impact_rows(before: pl.DataFrame, after: pl.DataFrame) -> pl.DataFrame:
    """Per SKU x country: margin per unit before and after, the change per unit and
    per year; only rows that change, largest loss first.

    Examples
    --------
    >>> b = pl.DataFrame({"sku": ["A", "B"], "country": ["DE", "DE"],
    ...     "margin": [5.0, 2.0], "margin_rate": [0.5, 0.2],
    ...     "yearly_units": [100.0, 10.0], "duty_rule": ["de minimis"] * 2,
    ...     "vat_by": ["seller at sale"] * 2})
    >>> a = b.with_columns(margin=pl.Series([2.0, 2.0]))
    >>> impact_rows(b, a)["yearly_change"].to_list()
    [-300.0]
    """
    cols = ["margin", "margin_rate", "duty_rule", "vat_by"]
    joined = before.select(*KEYS, *cols, "yearly_units").join(
        after.select(*KEYS, *cols), on=KEYS, suffix="_after"
    )
    return (
        joined.with_columns(
            change_per_unit=pl.col("margin_after") - pl.col("margin"),
        )
        .with_columns(yearly_change=pl.col("change_per_unit") * pl.col("yearly_units"))
        .filter(pl.col("change_per_unit").abs() > 1e-9)
        .sort("yearly_change", *KEYS)
    )
