"""What the customers capability reads from the store: records, profiles, lines.

Order lines of known customers (``orders.customer_id`` set; bad-debt adjustments
left out) with their amounts in the base currency at each day's rate (FX service),
their product's category and cost, and the profile each customer record belongs to
(:mod:`~tradepilot.customers.identity`). Days are UTC calendar days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
import sqlalchemy as sa
from sqlalchemy import Connection

from tradepilot.customers.identity import RECORD_SCHEMA, Merge, normalise_email, resolve
from tradepilot.customers.profiles import LINE_SCHEMA
from tradepilot.domain.errors import DataValidationError
from tradepilot.fx.service import load_rate_table
from tradepilot.store import tables
from tradepilot.store.bulk import read_frame

LINES_SQL = """
SELECT o.customer_id, o.id AS order_id, o.order_number, o.ordered_at, o.kind AS order_kind,
       o.country, o.currency, c.name AS channel, l.sku, l.kind AS line_kind, l.quantity,
       CAST(l.unit_price AS FLOAT) AS unit_price, p.category,
       CAST(p.unit_cost AS FLOAT) AS unit_cost, p.cost_currency
FROM order_lines l
JOIN orders o ON o.id = l.order_id
JOIN channels c ON c.id = o.channel_id
LEFT JOIN products p ON p.sku = l.sku
WHERE o.customer_id IS NOT NULL AND o.kind <> 'adjustment'
"""
_RAW_LINE: dict[str, pl.DataType] = {
    "customer_id": pl.Int64(),
    "order_id": pl.Int64(),
    "order_number": pl.String(),
    "ordered_at": pl.Datetime("us", "UTC"),
    "order_kind": pl.String(),
    "country": pl.String(),
    "currency": pl.String(),
    "channel": pl.String(),
    "sku": pl.String(),
    "line_kind": pl.String(),
    "quantity": pl.Int64(),
    "unit_price": pl.Float64(),
    "category": pl.String(),
    "unit_cost": pl.Float64(),
    "cost_currency": pl.String(),
}


@dataclass(frozen=True)
class Profiles:
    """Customer records and the profile each belongs to.

    Attributes
    ----------
    records : polars.DataFrame
        ``id, source, external_id, country, profile_id, reason, customer`` where
        ``customer`` is the profile's id as written in the source file (its first
        record's ``external_id``, ``source:id`` where two sources share an id).
    """

    records: pl.DataFrame

    def display(self) -> pl.DataFrame:
        """``profile_id, customer``: one row per profile."""
        return self.records.filter(pl.col("id") == pl.col("profile_id")).select(
            "profile_id", "customer"
        )

    def find(self, ref: str) -> int:
        """The profile of a customer reference: its id as written in the source
        file, ``source:id``, or an e-mail.

        Raises
        ------
        DataValidationError
            If no record matches, or the id is used by two sources.
        """
        records = self.records
        if ":" in ref:
            source, _, external = ref.partition(":")
            hit = records.filter(
                (pl.col("source") == source) & (pl.col("external_id") == external)
            )
        else:
            hit = records.filter(
                (pl.col("external_id") == ref) | (pl.col("customer") == ref)
            )
        if hit.height == 0 and normalise_email(ref):
            hit = records.filter(pl.col("_email") == normalise_email(ref))
        profiles = hit["profile_id"].unique().to_list()
        if not profiles:
            raise DataValidationError(
                f"no customer {ref!r} in the workspace; give the id as the source file"
                " writes it (17850), source:id (shopify:anna@example.com) or an e-mail"
            )
        if len(profiles) > 1:
            sources = ", ".join(sorted(f"{s}:{ref}" for s in hit["source"].to_list()))
            raise DataValidationError(
                f"{ref!r} is the id of several customers; say which: {sources}"
            )
        return int(profiles[0])


def read_profiles(conn: Connection) -> Profiles:
    """Every customer record with its profile (identity resolution applied)."""
    records = read_frame(
        conn,
        """SELECT c.id, c.source, c.external_id, c.country, k.email, k.shop_customer_id,
                  k.marketplace_buyer_id
           FROM customers c LEFT JOIN customer_contacts k ON k.customer_id = c.id
           ORDER BY c.id""",
        schema={**RECORD_SCHEMA, "country": pl.String()},
    )
    resolved = resolve(records, merges=read_merges(conn))
    joined = records.join(resolved, on="id")
    primary = joined.filter(pl.col("id") == pl.col("profile_id"))
    shared = (
        primary.group_by("external_id").len().filter(pl.col("len") > 1)["external_id"]
    )
    name = (
        pl.when(pl.col("external_id").is_in(shared.implode()))
        .then(pl.concat_str("source", pl.lit(":"), "external_id"))
        .otherwise(pl.col("external_id"))
    )
    names = primary.select("profile_id", name.alias("customer"))
    email = pl.col("email").map_elements(normalise_email, return_dtype=pl.String)
    fallback = pl.col("external_id").map_elements(
        normalise_email, return_dtype=pl.String
    )
    return Profiles(
        joined.join(names, on="profile_id")
        .with_columns(pl.coalesce(email, fallback).alias("_email"))
        .select(
            "id",
            "source",
            "external_id",
            "country",
            "profile_id",
            "reason",
            "customer",
            "_email",
        )
        .sort("id")
    )


def read_merges(conn: Connection) -> list[Merge]:
    """The owner's merges and separations still in force, oldest first."""
    m = tables.customer_merges
    rows = conn.execute(
        sa.select(m.c.customer_id, m.c.other_id)
        .where(m.c.undone_at.is_(None))
        .order_by(m.c.id)
    ).all()
    return [Merge(int(r[0]), None if r[1] is None else int(r[1])) for r in rows]


def read_lines(
    conn: Connection, profiles: Profiles, *, base: str, cost_share: float
) -> pl.DataFrame:
    """Order lines of known customers, :data:`~tradepilot.customers.profiles.LINE_SCHEMA`
    plus ``order_number``, amounts and product costs in ``base``.

    Products without a unit cost are costed at ``cost_share`` of their price.

    Raises
    ------
    MissingRateError
        If an amount's currency has no rate on its day.
    """
    raw = read_frame(conn, LINES_SQL, schema=_RAW_LINE)
    frame = raw.with_columns(
        pl.col("ordered_at").dt.date().alias("day"),
        (pl.col("quantity") * pl.col("unit_price")).alias("amount"),
        (pl.col("quantity") * pl.col("unit_cost").fill_null(0.0)).alias("_cost"),
        pl.coalesce("cost_currency", "currency").alias("_cost_currency"),
    )
    needed = {base, *frame["currency"].unique(), *frame["_cost_currency"].unique()}
    rates = load_rate_table(conn, sorted(c for c in needed if c))
    frame = frame.with_columns(
        rates.convert(frame, target=base, currency="currency", date="day"),
        rates.convert(
            frame, target=base, amount="_cost", currency="_cost_currency", date="day"
        ),
    )
    assumed = pl.col("amount") * cost_share
    frame = frame.with_columns(
        pl.when(pl.col("line_kind") != "product")
        .then(0.0)
        .when(pl.col("unit_cost").is_null())
        .then(assumed)
        .otherwise(pl.col("_cost"))
        .alias("cost")
    )
    owners = profiles.records.select(pl.col("id").alias("customer_id"), "profile_id")
    columns = [pl.col(name).cast(dtype) for name, dtype in LINE_SCHEMA.items()]
    return frame.join(owners, on="customer_id").select(*columns, "order_number")


def sale_days(conn: Connection) -> pl.Series:
    """Every UTC day with a sale order in the store (guests included), sorted."""
    frame = read_frame(
        conn,
        "SELECT DISTINCT ordered_at FROM orders WHERE kind = 'sale'",
        schema={"ordered_at": pl.Datetime("us", "UTC")},
    )
    return frame["ordered_at"].dt.date().unique().sort()


def last_sale_day(conn: Connection) -> dt.date | None:
    """The last day with a sale order, None in an empty store."""
    frame = read_frame(
        conn,
        "SELECT MAX(ordered_at) AS last FROM orders WHERE kind = 'sale'",
        schema={"last": pl.Datetime("us", "UTC")},
    )
    last = frame["last"][0]
    return last.date() if isinstance(last, dt.datetime) else None
