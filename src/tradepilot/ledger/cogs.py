"""Inventory at landed cost and the cost of goods sold.

* **Receipts**: each PO receipt enters inventory at landed cost: the supplier's
  unit cost at the receipt day's ECB rate plus inbound freight from
  ``purchasing.toml`` (the PO's mode: per kg of the product's weight and per unit),
  against payables to suppliers (goods, supplier currency) and to the forwarder
  (freight, base currency). Duty is not added (no customs entries on file).
* **Cost of goods sold**: at the **weighted average cost** of a SKU's receipts up
  to the sale day (cumulative average: every receipt to date weighs by its
  quantity; it does not depend on the order in which sales are posted, so
  incremental builds give the same cost); before a SKU's first receipt, or
  without receipts, the product's unit cost at the day's rate; without either,
  the line is not costed and a note says how many. Returns and cancellations
  (negative quantities) put the goods back at the same cost.
* **Opening inventory**: the first stock count's quantities at that cost,
  against owner's equity (opening balances).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Connection

from tradepilot.domain.errors import MissingRateError
from tradepilot.domain.money import minor_unit
from tradepilot.fx.service import load_rate_table
from tradepilot.ledger import accounts as acc
from tradepilot.ledger.journal import Draft, Line, balancing_line, to_base
from tradepilot.replenishment.config import load_purchasing_config
from tradepilot.store.bulk import read_frame

ONE = Decimal(1)
RECEIPTS_SQL = (
    "SELECT r.import_run_id AS run, r.received_date AS day, r.quantity, l.sku,"
    " CAST(l.unit_cost AS TEXT) AS unit_cost, l.currency, p.mode, pr.weight_kg"
    " FROM po_receipts r JOIN purchase_order_lines l ON l.id = r.po_line_id"
    " JOIN purchase_orders p ON p.id = l.po_id"
    " LEFT JOIN products pr ON pr.sku = l.sku ORDER BY r.received_date, r.id"
)
RECEIPT_SCHEMA: dict[str, Any] = {
    "run": pl.Int64, "day": pl.Date, "quantity": pl.Int64, "sku": pl.String,
    "unit_cost": pl.String, "currency": pl.String, "mode": pl.String,
    "weight_kg": pl.Float64,
}  # fmt: skip


@dataclass
class Costing:
    """Unit costs in base per SKU and day (see the module docstring)."""

    base: str
    receipts: dict[str, list[tuple[dt.date, int, Decimal]]] = field(
        default_factory=lambda: defaultdict(list)
    )  # sku -> (day, qty, landed value in base), by day
    standard: dict[str, tuple[Decimal, str]] = field(default_factory=dict)
    rate: Any = None  # (currency, day) -> Decimal | None

    @property
    def has_costs(self) -> bool:
        """Whether any SKU can be costed at all."""
        return bool(self.receipts) or bool(self.standard)

    def unit_cost(self, sku: str, day: dt.date) -> Decimal | None:
        found = self.receipts.get(sku)
        if found:
            upto = bisect.bisect_right([r[0] for r in found], day)
            if upto:
                qty = sum(r[1] for r in found[:upto])
                if qty > 0:
                    return sum((r[2] for r in found[:upto]), Decimal(0)) / qty
        if sku in self.standard:
            cost, currency = self.standard[sku]
            factor = self.rate(currency, day)
            return None if factor is None else cost * factor
        return None


def _rates(conn: Connection, currencies: set[str], base: str) -> Any:
    table = load_rate_table(conn, [*currencies, base])
    cache: dict[tuple[str, dt.date], Decimal | None] = {}

    def rate(currency: str, day: dt.date) -> Decimal | None:
        if currency == base:
            return ONE
        if (currency, day) not in cache:
            try:
                cache[(currency, day)] = Decimal(repr(table.rate(currency, base, day)))
            except MissingRateError:  # that day's cost is unknown: counted, noted
                cache[(currency, day)] = None
        return cache[(currency, day)]

    return rate


def read_costing(
    conn: Connection, *, home: Path, base: str
) -> tuple[Costing, pl.DataFrame]:
    """Landed receipts and standard costs; the receipts frame with ``landed``."""
    receipts = read_frame(conn, RECEIPTS_SQL, schema=RECEIPT_SCHEMA)
    products = read_frame(
        conn,
        "SELECT sku, CAST(unit_cost AS TEXT) AS unit_cost, cost_currency FROM products"
        " WHERE unit_cost IS NOT NULL AND cost_currency IS NOT NULL",
        schema={"sku": pl.String, "unit_cost": pl.String, "cost_currency": pl.String},
    )
    currencies = {*receipts["currency"].to_list(), *products["cost_currency"].to_list()}
    costing = Costing(base=base, rate=_rates(conn, currencies, base))
    for sku, cost, currency in products.iter_rows():
        costing.standard[sku] = (Decimal(cost), currency)
    modes = load_purchasing_config(home).modes
    landed = []
    for row in receipts.iter_rows(named=True):
        factor = costing.rate(row["currency"], row["day"])
        mode = modes.get(row["mode"])
        freight = Decimal(0)
        if mode is not None:
            freight = Decimal(repr(mode.freight_per_unit)) + Decimal(
                repr(mode.freight_per_kg)
            ) * Decimal(repr(row["weight_kg"] or 0.0))
        goods = None if factor is None else Decimal(row["unit_cost"]) * factor
        landed.append((goods, freight))
        if goods is not None:
            value = (goods + freight) * row["quantity"]
            costing.receipts[row["sku"]].append((row["day"], row["quantity"], value))
    return costing, receipts.with_columns(
        pl.Series("goods_base", [str(g) if g is not None else None for g, _ in landed]),
        pl.Series("freight_base", [str(f) for _, f in landed]),
    )


def receipt_drafts(receipts: pl.DataFrame, posted: set[int], base: str) -> list[Draft]:
    """Entries of the receipts of runs not in ``posted``: one per run and day."""
    digits = minor_unit(base)
    new = receipts.filter(
        ~pl.col("run").is_in(list(posted)) & pl.col("goods_base").is_not_null()
    )
    drafts = []
    for (run, day), group in new.group_by("run", "day", maintain_order=True):
        lines: list[Line] = []
        for row in group.iter_rows(named=True):
            qty = row["quantity"]
            goods = Decimal(row["goods_base"]) * qty
            freight = Decimal(row["freight_base"]) * qty
            amount = Decimal(row["unit_cost"]) * qty
            rate = goods / amount if amount else ONE
            base_goods = to_base(goods, ONE, digits)
            lines += [
                Line(acc.INVENTORY, "goods", amount, row["currency"], rate, base_goods,
                     sku=row["sku"]),
                Line(acc.PAYABLE, "goods", -amount, row["currency"], rate, -base_goods,
                     sku=row["sku"]),
            ]  # fmt: skip
            if freight:
                value = to_base(freight, ONE, digits)
                lines += [
                    Line(acc.INVENTORY, "landed", value, base, ONE, value, sku=row["sku"]),
                    Line(acc.PAYABLE, "landed", -value, base, ONE, -value, sku=row["sku"]),
                ]  # fmt: skip
        drafts.append(
            Draft(
                entry_date=day,
                kind="receipt",
                source_key=f"receipts:{run}:{day}",
                description=f"goods received on {day} at landed cost (import run {run})",
                lines=lines,
                source_run=run,
            )  # fmt: skip
        )
    return drafts


def cogs_drafts(lines: pl.DataFrame, costing: Costing) -> tuple[list[Draft], int]:
    """COGS entries of new order lines (one per run and day) and the number of
    lines that could not be costed."""
    digits = minor_unit(costing.base)
    goods = (
        lines.filter(pl.col("line_kind").is_in(["product", "sample"]))
        .group_by("run", "day", "channel", "country", "sku")
        .agg(pl.col("quantity").sum())
        .sort("run", "day", "channel", "country", "sku")
    )
    per_entry: dict[tuple[int, dt.date], list[Line]] = defaultdict(list)
    uncosted = 0
    for run, day, channel, country, sku, qty in goods.iter_rows():
        unit = costing.unit_cost(sku, day)
        if unit is None:
            uncosted += 1
            continue
        value = to_base(unit * qty, ONE, digits)
        if value:
            per_entry[(run, day)].append(
                Line(
                    acc.COGS,
                    "cogs",
                    value,
                    costing.base,
                    ONE,
                    value,
                    country=country,
                    channel=channel,
                    sku=sku,
                )  # fmt: skip
            )
    drafts = []
    for (run, day), cogs in per_entry.items():
        stock = Line(acc.INVENTORY, "cogs", Decimal(0), costing.base, ONE, Decimal(0))
        drafts.append(
            Draft(
                entry_date=day,
                kind="cogs",
                source_key=f"cogs:{run}:{day}",
                description=f"cost of goods sold on {day} at weighted average cost"
                f" (import run {run})",
                lines=[*cogs, balancing_line(cogs, stock)],
                source_run=run,
            )  # fmt: skip
        )
    return drafts, uncosted


def opening_inventory(conn: Connection, costing: Costing) -> Draft | None:
    """Opening inventory from the first stock count (None without one)."""
    counts = read_frame(
        conn,
        "SELECT date AS day, sku, sum(on_hand) AS on_hand FROM inventory_snapshots"
        " WHERE date = (SELECT min(date) FROM inventory_snapshots) GROUP BY date, sku",
        schema={"day": pl.Date, "sku": pl.String, "on_hand": pl.Int64},
    )
    if counts.height == 0:
        return None
    digits = minor_unit(costing.base)
    lines = []
    for day, sku, on_hand in counts.sort("sku").iter_rows():
        unit = costing.unit_cost(sku, day)
        if unit is not None and on_hand:
            value = to_base(unit * on_hand, ONE, digits)
            lines.append(Line(acc.INVENTORY, "opening", value, costing.base, ONE, value,
                              sku=sku))  # fmt: skip
    if not lines:
        return None
    day = counts["day"][0]
    equity = Line(
        acc.OPENING_EQUITY, "opening", Decimal(0), costing.base, ONE, Decimal(0)
    )
    return Draft(entry_date=day, kind="opening", source_key="opening:inventory",
                 description=f"opening inventory: the stock count of {day} at cost",
                 lines=[*lines, balancing_line(lines, equity)])  # fmt: skip
