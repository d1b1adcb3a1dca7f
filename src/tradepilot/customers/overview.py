"""Customer views: one customer, the customer table, segment exports, propensity.

The table joins each profile's figures, its lifetime value (BG/NBD + Gamma-Gamma
fitted on all data, a year ahead) and segment (the latest saved run), and, where the
history allows, the gradient-boosting probability of buying in the next 90 days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tradepilot.customers.clv import ClvSettings
from tradepilot.customers.propensity import (
    WINDOW_DAYS,
    evaluate_propensity,
    predict_propensity,
)
from tradepilot.customers.service import (
    CustomerData,
    clv_of,
    latest_segments,
    read_customer_data,
    segment_members,
)
from tradepilot.domain.errors import DataValidationError
from tradepilot.store import tables

VALUE_WEEKS = 52.0
RECENT_ORDERS = 10
Sort = Literal["value", "churn", "revenue", "recent"]
TABLE_COLUMNS = (
    "customer", "country", "segment", "orders", "revenue", "margin", "last_order",
    "p_alive", "expected_purchases", "expected_value", "buy_90_days", "churn_risk",
)  # fmt: skip


@dataclass(frozen=True)
class CustomerTable:
    """Every profile with its figures, value, churn risk and segment."""

    rows: pl.DataFrame
    base: str
    horizon_weeks: float
    propensity: dict[str, Any] | None

    def page(
        self, *, sort: Sort, limit: int, offset: int, search: str | None = None
    ) -> dict[str, Any]:
        """``{data, count, ...}``: a sorted slice of the table."""
        rows = self.rows
        if search:
            rows = rows.filter(pl.col("customer").str.contains(search, literal=True))
        by, descending = _order(sort)
        rows = rows.sort(by, descending=descending, nulls_last=True)
        data = (
            rows.slice(offset, limit)
            .select(TABLE_COLUMNS)
            .with_columns(
                pl.col("last_order").cast(pl.String), pl.col(pl.Float64).round(4)
            )
        )
        return {
            "data": data.to_dicts(),
            "count": rows.height,
            "sort": sort,
            "base_currency": self.base,
            "horizon_weeks": self.horizon_weeks,
            "propensity": self.propensity,
        }


def _order(sort: Sort) -> tuple[list[str], list[bool]]:
    if sort == "churn":
        return ["_risk", "expected_value"], [False, True]
    if sort == "revenue":
        return ["revenue"], [True]
    if sort == "recent":
        return ["last_order"], [True]
    return ["expected_value"], [True]


def customer_table(engine: Engine, *, home: Path) -> CustomerTable:
    """Compute the customer table (see the module docstring)."""
    data = read_customer_data(engine, home=home)
    return table_of(data, segment_members(engine))


def table_of(data: CustomerData, members: pl.DataFrame) -> CustomerTable:
    """:func:`customer_table` on data already read."""
    clv = clv_of(data, ClvSettings(time_unit="W", horizon=VALUE_WEEKS))
    value = clv.rows.select(
        "profile_id", "p_alive", "expected_purchases", "expected_value", "churn_risk"
    )
    figures = data.figures().with_columns(
        pl.col("countries").list.first().alias("country")
    )
    propensity, scores = _current_propensity(data)
    rows = (
        figures.join(value, on="profile_id", how="left")
        .join(members, on="profile_id", how="left")
        .join(scores, on="profile_id", how="left")
        .with_columns(
            pl.col("churn_risk").fill_null(False),
            # churn order: the 90-day propensity of repeat buyers where known
            pl.when(pl.col("orders") > 1)
            .then(pl.coalesce(pl.col("buy_90_days"), pl.col("p_alive")))
            .otherwise(None)
            .alias("_risk"),
        )
    )
    if "segment" not in rows.columns:
        rows = rows.with_columns(pl.lit(None, dtype=pl.String).alias("segment"))
    return CustomerTable(rows, data.base, VALUE_WEEKS, propensity)


def _purchase_days(data: CustomerData) -> pl.DataFrame:
    """``customer, day, amount, returns`` per profile and day (propensity input)."""
    lines = data.lines
    sales = lines.filter(
        (pl.col("order_kind") == "sale")
        & (pl.col("line_kind") == "product")
        & (pl.col("quantity") > 0)
    )
    returned = (
        lines.filter(pl.col("order_kind") != "sale")
        .group_by("profile_id", "day")
        .agg((-pl.col("amount").sum()).alias("returns"))
    )
    return (
        sales.group_by("profile_id", "day")
        .agg(pl.col("amount").sum())
        .join(returned, on=["profile_id", "day"], how="left")
        .with_columns(pl.col("returns").fill_null(0.0))
        .rename({"profile_id": "customer"})
    )


def _current_propensity(
    data: CustomerData,
) -> tuple[dict[str, Any] | None, pl.DataFrame]:
    """The held-out AUC check at ``last day - 90``, then today's probabilities from
    a model trained on every window that has ended. Empty without the history."""
    empty = pl.DataFrame(schema={"profile_id": pl.Int64, "buy_90_days": pl.Float64})
    days = _purchase_days(data)
    cutoff = data.last_day - dt.timedelta(days=WINDOW_DAYS)
    try:
        check = evaluate_propensity(days, cutoff=cutoff, data_end=data.last_day)
        today = predict_propensity(days, at=data.last_day)
    except DataValidationError:
        return None, empty
    scores = today.select(
        pl.col("customer").alias("profile_id"),
        pl.col("probability").alias("buy_90_days"),
    )
    return check.as_dict(), scores


def buyer_propensity(
    engine: Engine, *, home: Path, cutoff: dt.date | None = None
) -> dict[str, Any]:
    """The next-90-days buyer model against the RFM score at ``cutoff`` (default: 90
    days before the last sale day).

    Raises
    ------
    DataValidationError
        If the data cannot support the check (see
        :func:`~tradepilot.customers.propensity.evaluate_propensity`).
    """
    data = read_customer_data(engine, home=home)
    day = cutoff or data.last_day - dt.timedelta(days=WINDOW_DAYS)
    days = _purchase_days(data)
    return evaluate_propensity(days, cutoff=day, data_end=data.last_day).as_dict()


def show_customer(
    engine: Engine, *, home: Path, ref: str, as_of: dt.date | None = None
) -> dict[str, Any]:
    """One customer: records and why, contact and consent, figures, RFM, segment,
    value and churn risk, recent orders.

    Raises
    ------
    DataValidationError
        If ``ref`` names no customer.
    """
    data = read_customer_data(engine, home=home)
    profile = data.profiles.find(ref)
    records = data.profiles.records.filter(pl.col("profile_id") == profile)
    figures = data.figures(as_of).filter(pl.col("profile_id") == profile)
    members = segment_members(engine).filter(pl.col("profile_id") == profile)
    return {
        "customer": records.filter(pl.col("id") == profile)["customer"][0],
        "customer_ref": ref,
        "profile_id": profile,
        "base_currency": data.base,
        "records": records.select(
            "source", "external_id", "country", "reason"
        ).to_dicts(),
        "contact": _contact(engine, records["id"].to_list()),
        "figures": _jsonable(figures.to_dicts()[0]) if figures.height else None,
        "segment": members["segment"][0] if members.height else None,
        "value": _value(data, profile),
        "recent_orders": _recent_orders(data, profile),
    }


def _value(data: CustomerData, profile: int) -> dict[str, Any] | None:
    try:
        clv = clv_of(data, ClvSettings(time_unit="W", horizon=VALUE_WEEKS))
    except DataValidationError:
        return None
    row = clv.rows.filter(pl.col("profile_id") == profile)
    if row.height == 0:
        return None
    values = row.select(
        "p_alive", "expected_purchases", "expected_value", "churn_risk"
    ).to_dicts()[0]
    return {**values, "horizon": VALUE_WEEKS}


def _contact(engine: Engine, ids: list[int]) -> dict[str, Any] | None:
    k = tables.customer_contacts
    with engine.connect() as conn:
        rows = (
            conn.execute(
                sa.select(k)
                .where(k.c.customer_id.in_(ids))
                .order_by(k.c.updated_at.desc())
            )
            .mappings()
            .all()
        )
    if not rows:
        return None
    contact = {
        key: value
        for key, value in rows[0].items()
        if key not in ("customer_id", "import_run_id")
    }
    consents = [r["accepts_marketing"] for r in rows]
    contact["accepts_marketing"] = bool(consents) and all(c is True for c in consents)
    return _jsonable(contact)


def _recent_orders(data: CustomerData, profile: int) -> list[dict[str, Any]]:
    lines = data.lines.filter(pl.col("profile_id") == profile)
    orders = (
        lines.group_by("order_number", "day", "order_kind", "channel")
        .agg(pl.col("amount").sum().round(2), pl.len().alias("lines"))
        .rename({"order_kind": "kind"})
        .sort(["day", "order_number"], descending=True)
        .head(RECENT_ORDERS)
    )
    return [_jsonable(row) for row in orders.to_dicts()]


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value.isoformat() if isinstance(value, dt.date | dt.datetime) else value
        for key, value in row.items()
    }


def export_segment(
    engine: Engine, *, name: str, out: Path, marketing: bool
) -> dict[str, Any]:
    """Write the saved list of segment ``name`` (the latest run) as CSV.

    With ``marketing``, only customers who accept marketing (every record of the
    person that states a consent says yes) and have an e-mail, with their contact
    data; without, no contact data at all.

    Raises
    ------
    DataValidationError
        If no segments are saved or there is no segment ``name``.
    """
    latest = latest_segments(engine)
    if latest is None:
        raise DataValidationError(
            "no saved segments: run tradepilot customers segments first"
        )
    names = [s["name"] for s in latest["segments"]]
    if name not in names:
        raise DataValidationError(
            f"no segment {name!r} in the latest run; segments: {', '.join(names)}"
        )
    members = segment_members(engine).filter(pl.col("segment") == name)
    people = _people(engine).join(members, on="profile_id")
    excluded = 0
    if marketing:
        consenting = people.filter(pl.col("consent") & pl.col("email").is_not_null())
        excluded = people.height - consenting.height
        frame = consenting.select(
            "customer", "email", "first_name", "last_name", "country", "segment"
        )
    else:
        frame = people.select("customer", "country", "segment")
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.sort("customer").write_csv(out)
    return {
        "segment": name,
        "rows": frame.height,
        "excluded_without_consent": excluded,
        "marketing": marketing,
        "path": str(out),
        "run_id": latest["run_id"],
    }


def _people(engine: Engine) -> pl.DataFrame:
    """Per profile: its id as the source writes it, country, e-mail, names, consent."""
    from tradepilot.customers.reading import read_profiles
    from tradepilot.store.bulk import read_frame

    with engine.connect() as conn:
        profiles = read_profiles(conn)
        contacts = read_frame(
            conn,
            "SELECT customer_id AS id, email, first_name, last_name, accepts_marketing FROM customer_contacts",
            schema={
                "id": pl.Int64(),
                "email": pl.String(),
                "first_name": pl.String(),
                "last_name": pl.String(),
                "accepts_marketing": pl.Boolean(),
            },
        )
    records = profiles.records.join(contacts, on="id", how="left")
    return records.group_by("profile_id").agg(
        pl.col("customer").first(),
        pl.col("country").drop_nulls().first(),
        pl.col("email").drop_nulls().first(),
        pl.col("first_name").drop_nulls().first(),
        pl.col("last_name").drop_nulls().first(),
        (pl.col("accepts_marketing").drop_nulls().len() > 0)
        .and_(pl.col("accepts_marketing").drop_nulls().all())
        .alias("consent"),
    )


def profile_view(engine: Engine, table: CustomerTable, ref: str) -> dict[str, Any]:
    """One customer from an already computed table: its row, records and why,
    contact and consent, recent orders (the page's profile panel).

    Raises
    ------
    DataValidationError
        If ``ref`` names no customer, or one without a sale.
    """
    from tradepilot.customers.reading import read_profiles

    with engine.connect() as conn:
        profiles = read_profiles(conn)
    profile = profiles.find(ref)
    row = table.rows.filter(pl.col("profile_id") == profile)
    if row.height == 0:
        raise DataValidationError(f"customer {ref!r} has no sale yet")
    records = profiles.records.filter(pl.col("profile_id") == profile)
    ids = records["id"].to_list()
    return {
        "customer": row["customer"][0],
        "customer_ref": ref,
        "profile_id": profile,
        "customer_ids": ids,
        "base_currency": table.base,
        "row": _jsonable(row.drop("_risk").to_dicts()[0]),
        "records": records.select("source", "external_id", "reason").to_dicts(),
        "contact": _contact(engine, ids),
        "recent_orders": _orders_of(engine, ids),
    }


def _orders_of(engine: Engine, ids: list[int]) -> list[dict[str, Any]]:
    o, line = tables.orders, tables.order_lines
    amount = sa.func.sum(line.c.quantity * sa.cast(line.c.unit_price, sa.Float))
    query = (
        sa.select(
            o.c.order_number,
            o.c.ordered_at,
            o.c.kind,
            o.c.currency,
            amount.label("amount"),
            sa.func.count().label("lines"),
        )
        .join(line, line.c.order_id == o.c.id)
        .where(o.c.customer_id.in_(ids))
        .group_by(o.c.id, o.c.order_number, o.c.ordered_at, o.c.kind, o.c.currency)
        .order_by(o.c.ordered_at.desc(), o.c.id.desc())
        .limit(RECENT_ORDERS)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [
        {
            **row,
            "ordered_at": row["ordered_at"].date().isoformat(),
            "amount": round(float(row["amount"]), 2),
        }
        for row in rows
    ]
