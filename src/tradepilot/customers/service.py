"""Customer use cases: summary, one customer, segments, lifetime value, the table.

Each verb reads the store once (:func:`read_customer_data`: profiles, order lines in
the base currency), calls the pure cores and returns JSON-ready dicts; segment runs
are saved (the saved, exportable lists). Merges, separations, erasure and the export
of one person's data are in :mod:`tradepilot.customers.privacy`.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tradepilot.customers.clv import MODEL_NAME, ClvResult, ClvSettings, predict_clv
from tradepilot.customers.profiles import profile_figures
from tradepilot.customers.reading import (
    Profiles,
    last_sale_day,
    read_lines,
    read_profiles,
    sale_days,
)
from tradepilot.customers.segments import Segmentation, rfm_scores, segment_customers
from tradepilot.domain.errors import DataValidationError
from tradepilot.logistics.config import load_trade_config
from tradepilot.store import tables
from tradepilot.workspace import base_currency

TOP_CUSTOMERS = 10
ACTIVE_DAYS = 90
EXPORT_COLUMNS = (
    "customer", "frequency", "recency", "T", "monetary", "p_alive",
    "expected_purchases", "expected_value", "segment", "churn_risk", "expected_spend",
)  # fmt: skip
"""Columns of ``customers clv --export`` (the first nine are the contract)."""


@dataclass(frozen=True)
class CustomerData:
    """Everything the customer verbs compute from, read once."""

    base: str
    cost_share: float
    profiles: Profiles
    lines: pl.DataFrame
    sale_days: pl.Series
    last_day: dt.date

    def figures(self, as_of: dt.date | None = None) -> pl.DataFrame:
        """Profile figures as of ``as_of`` (default: the last sale day) with the
        customer's id as written in the source file."""
        figures = profile_figures(self.lines, as_of=as_of or self.last_day)
        return figures.join(self.profiles.display(), on="profile_id", how="left")

    def margin_basis(self) -> str:
        """How margins were computed, in words."""
        return (
            "net revenue minus product cost (the catalogue's unit cost where known,"
            f" else {self.cost_share:.0%} of the price: default_cost_share in"
            " trade.toml)"
        )


def read_customer_data(engine: Engine, *, home: Path) -> CustomerData:
    """Read profiles and lines of known customers.

    Raises
    ------
    DataValidationError
        If the workspace has no orders by known customers.
    MissingRateError
        If an order's currency has no rate on its day.
    """
    cost_share = load_trade_config(home).default_cost_share
    with engine.connect() as conn:
        base = base_currency(conn)
        last = last_sale_day(conn)
        if base is None or last is None:
            raise DataValidationError(
                "no orders in the workspace: import orders first (tradepilot import)"
            )
        profiles = read_profiles(conn)
        lines = read_lines(conn, profiles, base=base, cost_share=cost_share)
        days = sale_days(conn)
    if lines.height == 0:
        raise DataValidationError(
            "no orders by known customers: the orders imported carry no customer id"
            " or e-mail (guest checkouts are not profiled)"
        )
    return CustomerData(base, cost_share, profiles, lines, days, last)


def customer_summary(
    engine: Engine, *, home: Path, as_of: dt.date | None = None
) -> dict[str, Any]:
    """Counts, revenue and margin of the customer base, its best customers and the
    latest saved segments, as of ``as_of`` (default: the last sale day)."""
    data = read_customer_data(engine, home=home)
    day = as_of or data.last_day
    figures = data.figures(day)
    n = figures.height
    repeat = int((figures["orders"] > 1).sum())
    orders = int(figures["orders"].sum())
    gross = float(figures["gross_sales"].sum())
    top = figures.sort("revenue", descending=True).head(TOP_CUSTOMERS)
    return {
        "as_of": day.isoformat(),
        "base_currency": data.base,
        "records": data.profiles.records.height,
        "customers": n,
        "repeat_customers": repeat,
        "repeat_rate": round(repeat / n, 4) if n else None,
        "active_90_days": int((figures["days_since_last"] < ACTIVE_DAYS).sum()),
        "orders": orders,
        "revenue": round(float(figures["revenue"].sum()), 2),
        "margin": round(float(figures["margin"].sum()), 2),
        "average_order_value": round(gross / orders, 2) if orders else None,
        "revenue_per_customer": round(float(figures["revenue"].sum()) / n, 2)
        if n
        else None,
        "top_customers": _rows(top, _FIGURE_COLUMNS),
        "by_country": _by_country(figures),
        "segments": latest_segments(engine),
        "margin_basis": data.margin_basis(),
    }


_FIGURE_COLUMNS = (
    "customer", "countries", "channels", "first_order", "last_order", "orders",
    "purchase_days", "repeat_purchase_days", "revenue", "margin", "average_order_value",
    "return_rate", "currency", "favourite_categories", "favourite_products",
)  # fmt: skip


def _rows(frame: pl.DataFrame, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    present = [c for c in columns if c in frame.columns]
    floats = [c for c in present if frame.schema[c] == pl.Float64]
    rounded = frame.select(present).with_columns(pl.col(floats).round(4))
    return [
        {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in row.items()}
        for row in rounded.to_dicts()
    ]


def _by_country(figures: pl.DataFrame) -> list[dict[str, Any]]:
    main = figures.with_columns(pl.col("countries").list.first().alias("country"))
    grouped = (
        main.group_by("country")
        .agg(pl.len().alias("customers"), pl.col("revenue").sum().round(2))
        .sort(["revenue", "country"], descending=[True, False])
        .head(TOP_CUSTOMERS)
    )
    return grouped.to_dicts()


def customer_segments(
    engine: Engine, *, home: Path, as_of: dt.date | None = None
) -> dict[str, Any]:
    """Segment the customers as of ``as_of`` and save the lists (a new run).

    Returns
    -------
    dict
        ``segments`` (``name, customers, share_customers, share_margin,
        description`` and more), ``as_of``, ``customers``, ``method``,
        ``base_currency``, ``run_id``, ``margin_basis``.
    """
    data = read_customer_data(engine, home=home)
    day = as_of or data.last_day
    figures = data.figures(day)
    if figures.height == 0:
        raise DataValidationError(f"no customer has bought by {day.isoformat()}")
    result = segment_customers(figures)
    run_id = _save_segments(engine, result, as_of=day, base=data.base)
    return {
        "segments": result.segments,
        "as_of": day.isoformat(),
        "customers": figures.height,
        "method": result.method,
        "base_currency": data.base,
        "run_id": run_id,
        "margin_basis": data.margin_basis(),
    }


def _save_segments(
    engine: Engine, result: Segmentation, *, as_of: dt.date, base: str
) -> int:
    runs, members = tables.customer_segment_runs, tables.customer_segment_members
    with engine.begin() as conn:
        run_id = conn.execute(
            sa.insert(runs)
            .values(
                created_at=dt.datetime.now(dt.UTC),
                as_of=as_of,
                base_currency=base,
                method=result.method,
                summary=json.dumps(result.segments),
            )
            .returning(runs.c.id)
        ).scalar_one()
        rows = result.members.select(
            pl.lit(run_id).alias("run_id"),
            pl.col("profile_id").alias("customer_id"),
            "segment",
        ).to_dicts()
        if rows:
            conn.execute(sa.insert(members), rows)
    return int(run_id)


def latest_segments(engine: Engine) -> dict[str, Any] | None:
    """The latest saved segment run: ``run_id, as_of, method, segments``; None
    before the first."""
    runs = tables.customer_segment_runs
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(runs.c.id, runs.c.as_of, runs.c.method, runs.c.summary)
            .order_by(runs.c.id.desc())
            .limit(1)
        ).first()
    if row is None:
        return None
    return {
        "run_id": int(row[0]),
        "as_of": row[1].isoformat(),
        "method": row[2],
        "segments": json.loads(row[3]),
    }


def segment_members(engine: Engine) -> pl.DataFrame:
    """``profile_id, segment`` of the latest saved run (empty before the first)."""
    runs, members = tables.customer_segment_runs, tables.customer_segment_members
    with engine.connect() as conn:
        latest = sa.select(sa.func.max(runs.c.id)).scalar_subquery()
        rows = conn.execute(
            sa.select(members.c.customer_id, members.c.segment).where(
                members.c.run_id == latest
            )
        ).all()
    return pl.DataFrame(
        [tuple(r) for r in rows],
        schema={"profile_id": pl.Int64, "segment": pl.String},
        orient="row",
    )


@dataclass(frozen=True)
class ClvReport:
    """A lifetime-value run: the fitted models and the per-customer rows."""

    result: ClvResult
    rows: pl.DataFrame  # EXPORT_COLUMNS plus profile_id
    base: str

    def as_dict(self) -> dict[str, Any]:
        """The JSON of ``customers clv --json`` (keys: the issue's contract)."""
        r = self.result
        spend = r.spend.params_ if r.spend is not None else None
        return {
            "model": MODEL_NAME,
            "params": r.model.params_,
            "spend_params": spend,
            "log_likelihood": r.model.log_likelihood_,
            "customers": r.customers.height,
            "calibration_end": r.calibration_end.isoformat(),
            "time_unit": r.time_unit,
            "horizon": r.horizon,
            "holdout": r.holdout,
            "standard_errors": r.model.standard_errors_,
            "season": r.season.as_dict(),
            "base_currency": self.base,
            "expected_value_total": round(float(self.rows["expected_value"].sum()), 2),
            "churn_risk_customers": int(self.rows["churn_risk"].sum()),
            "notes": r.notes,
        }

    def export(self, path: Path) -> int:
        """Write the per-customer CSV (:data:`EXPORT_COLUMNS`); return rows written."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.rows.select(EXPORT_COLUMNS).write_csv(path, float_precision=6)
        return self.rows.height


def customer_clv(
    engine: Engine, *, home: Path, settings: ClvSettings | None = None
) -> ClvReport:
    """Fit BG/NBD + Gamma-Gamma on product purchase days and predict every customer.

    Raises
    ------
    DataValidationError
        For a calibration end outside the data, a bad horizon, or no repeat buyers.
    """
    data = read_customer_data(engine, home=home)
    return clv_of(data, settings or ClvSettings())


def clv_of(data: CustomerData, settings: ClvSettings) -> ClvReport:
    """:func:`customer_clv` on data already read."""
    products = data.lines.filter(
        (pl.col("order_kind") == "sale")
        & (pl.col("line_kind") == "product")
        & (pl.col("quantity") > 0)
    )
    purchases = products.select(
        pl.col("profile_id").cast(pl.String).alias("customer"), "day", "amount"
    )
    result = predict_clv(
        purchases,
        settings=settings,
        data_end=data.last_day,
        open_days=data.sale_days.to_list(),
    )
    segmentation = segment_customers(data.figures(result.calibration_end))
    rows = (
        result.customers.with_columns(
            pl.col("customer").cast(pl.Int64).alias("profile_id")
        )
        .drop("customer")
        .join(data.profiles.display(), on="profile_id", how="left")
        .join(
            segmentation.members.select("profile_id", "segment"),
            on="profile_id",
            how="left",
        )
        .sort("expected_value", descending=True)
    )
    return ClvReport(result, rows, data.base)


def customer_rfm(data: CustomerData, as_of: dt.date | None = None) -> pl.DataFrame:
    """Profile figures with RFM scores as of ``as_of``."""
    return rfm_scores(data.figures(as_of))
