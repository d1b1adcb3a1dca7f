"""Reading the orders not yet in the ledger and turning them into sales entries.

Orders are booked by import run: the lines an import added are posted once, in
entries that name the run (``source_run``), so ``ledger build`` posts only what is
new. A run that ``tradepilot import undo`` removed after it was posted is reversed
by reversing entries (see :mod:`tradepilot.ledger.service`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Connection

from tradepilot.fx.rates import RateTable
from tradepilot.fx.service import load_rate_table
from tradepilot.ledger.journal import Draft, RunningRounding
from tradepilot.ledger.sales import SaleGroup, sales_drafts
from tradepilot.ledger.vat import VatPolicy, classify
from tradepilot.logistics.config import load_trade_config
from tradepilot.reference import ReferenceData, load_reference
from tradepilot.store.bulk import read_frame

LINES_SQL = (
    "SELECT l.order_id, l.import_run_id AS run, l.sku, l.kind AS line_kind, l.quantity,"
    " l.quantity * CAST(ROUND(l.unit_price * 1000000) AS BIGINT) AS micro"
    " FROM order_lines l WHERE l.import_run_id NOT IN ({posted})"
)
"""Order lines not yet posted, amounts in millionths (exact: prices have at most six
decimals), so that no float sum is involved."""
ORDERS_SQL = (
    "SELECT o.id AS order_id, {day} AS day, c.name AS channel, o.currency,"
    " o.kind AS order_kind, o.country"
    " FROM orders o JOIN channels c ON c.id = o.channel_id"
    " WHERE o.kind <> 'adjustment' AND o.id IN"
    " (SELECT order_id FROM order_lines WHERE import_run_id NOT IN ({posted}))"
)
LINE_SCHEMA: dict[str, Any] = {
    "order_id": pl.Int64, "run": pl.Int64, "sku": pl.String,
    "line_kind": pl.String, "quantity": pl.Int64, "micro": pl.Int64,
}  # fmt: skip
ORDER_SCHEMA: dict[str, Any] = {
    "order_id": pl.Int64, "day": pl.Date, "channel": pl.String,
    "currency": pl.String, "order_kind": pl.String, "country": pl.String,
}  # fmt: skip


def read_new_lines(conn: Connection, posted: Iterable[int]) -> pl.DataFrame:
    """Order lines of the runs not in ``posted`` with their order's day, channel,
    currency, kind and country; ``micro`` is the line's amount in millionths."""
    postgres = conn.dialect.name == "postgresql"
    day = (
        "CAST(timezone('UTC', o.ordered_at) AS date)"
        if postgres
        else "date(o.ordered_at)"
    )
    runs = ", ".join(str(int(r)) for r in posted) or "-1"
    orders = read_frame(
        conn, ORDERS_SQL.format(day=day, posted=runs), schema=ORDER_SCHEMA
    )
    lines = read_frame(conn, LINES_SQL.format(posted=runs), schema=LINE_SCHEMA)
    return lines.join(orders, on="order_id", how="inner")


def policy_of(home: Path, channels: Iterable[str]) -> tuple[VatPolicy, ReferenceData]:
    """The seller's VAT settings (``trade.toml``) and reference data; a channel
    whose fee schedule is not the own web shop's is a marketplace."""
    config = load_trade_config(home)
    marketplaces = frozenset(c for c in channels if config.fee_channel(c) != "web")
    policy = VatPolicy(
        origin=config.origin,
        b2b=config.buyers == "B2B",
        schemes=frozenset(config.schemes),
        tax_inclusive=None,
        tax_exclusive=frozenset(config.tax_exclusive)
        if config.prices_include_tax
        else frozenset({"*"}),
        marketplace_channels=marketplaces,
    )
    return policy, load_reference(home)


def classify_orders(
    lines: pl.DataFrame, policy: VatPolicy, reference: ReferenceData, rates: RateTable
) -> pl.DataFrame:
    """One row per order: ``order_id``, ``jurisdiction``, ``scheme``, ``vat_rate``
    (text), ``collector``."""
    orders = (
        lines.group_by("order_id", "day", "country", "currency", "channel")
        .agg(
            (
                pl.col("micro").filter(pl.col("line_kind") == "product").sum() / 1e6
            ).alias("goods")
        )
        .sort("order_id")
    )
    values = _values_in(orders, rates, ("EUR", "GBP", "AUD", "NZD", "NOK", "CHF"))
    result: list[tuple[Any, ...]] = []
    for row in orders.iter_rows(named=True):
        if policy.tax_exclusive == frozenset({"*"}):
            result.append((row["order_id"], None, None, None, None))
            continue
        found = classify(
            reference, policy, country=row["country"], day=row["day"],
            channel=row["channel"], value_in=values.get(row["order_id"], {}),
        )  # fmt: skip
        rate = str(found.rate) if found.collector else None
        result.append(
            (row["order_id"], found.jurisdiction, found.scheme, rate, found.collector)
        )
    return pl.DataFrame(
        result,
        schema={"order_id": pl.Int64, "jurisdiction": pl.String, "scheme": pl.String,
                "vat_rate": pl.String, "collector": pl.String},
        orient="row",
    )  # fmt: skip


def _values_in(
    orders: pl.DataFrame, rates: RateTable, targets: tuple[str, ...]
) -> dict[int, dict[str, Decimal]]:
    """Each order's goods value in each of ``targets`` it can be converted to."""
    found: dict[int, dict[str, Decimal]] = {}
    keys = orders.select("order_id", "currency", pl.col("day").alias("date"), "goods")
    for target in targets:
        gaps = rates.uncovered(keys.select("currency", "date"), target=target)
        if gaps.height:
            covered = keys.join(gaps.unique(), on=["currency", "date"], how="anti")
        else:
            covered = keys
        if covered.height == 0:
            continue
        converted = rates.convert(covered, target=target, amount="goods")
        for order_id, value in zip(covered["order_id"], converted, strict=True):
            found.setdefault(order_id, {})[target] = Decimal(repr(value))
    return found


def rates_to_base(
    conn: Connection, keys: pl.DataFrame, base: str, *, skip_missing: bool = False
) -> dict[tuple[str, dt.date], Decimal]:
    """Base currency per unit of each (``currency``, ``day``) of ``keys``, at the
    day's ECB rate (carried forward over weekends, as every report converts).

    Raises
    ------
    MissingRateError
        For the first currency and day without a rate (unless ``skip_missing``:
        then such pairs are not in the result).
    """
    pairs = keys.select("currency", pl.col("day").alias("date")).unique()
    table = load_rate_table(conn, [*pairs["currency"].unique().to_list(), base])
    if skip_missing:  # the caller leaves out what has no rate (and says so)
        gaps = table.uncovered(pairs, target=base)
        pairs = pairs.join(gaps.unique(), on=["currency", "date"], how="anti")
    factors = table.convert(pairs.with_columns(pl.lit(1.0).alias("one")), target=base,
                            amount="one")  # fmt: skip
    return {
        (currency, day): Decimal(1) if currency == base else Decimal(repr(factor))
        for currency, day, factor in zip(
            pairs["currency"], pairs["date"], factors, strict=True
        )
    }


def order_drafts(
    conn: Connection,
    *,
    home: Path,
    base: str,
    posted: Iterable[int],
    rounding: RunningRounding,
) -> tuple[list[Draft], pl.DataFrame]:
    """Sales and returns entries of every order line not yet posted, and those
    lines (for their cost of goods sold)."""
    lines = read_new_lines(conn, posted)
    if lines.height == 0:
        return [], lines
    rates = rates_to_base(conn, lines, base)
    policy, reference = policy_of(home, lines["channel"].unique().to_list())
    table = load_rate_table(conn, [*lines["currency"].unique().to_list(), "GBP",
                                   "AUD", "NZD", "NOK", "CHF"])  # fmt: skip
    treatments = classify_orders(lines, policy, reference, table)
    keys = ["run", "day", "channel", "currency", "order_kind"]
    orders = lines.group_by(keys).agg(pl.col("order_id").n_unique().alias("n"))
    counts = {tuple(r[:-1]): r[-1] for r in orders.iter_rows()}
    grouped = (
        lines.join(treatments, on="order_id", how="left")
        .group_by(
            *keys,
            "country",
            "sku",
            "line_kind",
            "jurisdiction",
            "scheme",
            "vat_rate",
            "collector",
        )  # fmt: skip
        .agg(pl.col("micro").sum())
        .sort(
            *keys,
            "country",
            "sku",
            "line_kind",
            "jurisdiction",
            "scheme",
            nulls_last=True,
        )  # fmt: skip
    )
    groups = [
        SaleGroup(**row, gross=Decimal(micro).scaleb(-6))
        for row, micro in zip(
            grouped.drop("micro").iter_rows(named=True), grouped["micro"], strict=True
        )
    ]
    drafts = sales_drafts(groups, rates=rates, rounding=rounding, orders=counts)
    return drafts, lines
