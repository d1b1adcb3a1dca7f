"""Stripe balance-transaction reports: "Balance change from activity" and "Payout
reconciliation", itemized CSV (and the dashboard's older balance-history export).

One row per balance transaction (see ``docs/payments-formats.md``): its id
``balance_transaction_id``, ``created_utc``, ``currency`` (the settlement currency,
lower case), ``gross``, ``fee`` and ``net`` in major units, the
``reporting_category`` (charge, refund, fee, dispute, payout, ...), and, where the
payment was in another currency, ``customer_facing_amount`` and
``customer_facing_currency``. ``automatic_payout_id`` names the payout that paid
the row out; a payout row's own id is its ``source_id`` (``po_...``). The order
number is read from ``payment_metadata[order_id]`` (or ``order_id``, ``Order ID
(metadata)``), else from a description that names one (``Order #1001``).
"""

from __future__ import annotations

import re
from decimal import Decimal

from tradepilot.ingest.files import RawTable, optional_columns
from tradepilot.ingest.import_format import ImportContext, ImportFormat
from tradepilot.payments.adapters.base import (
    Parsed,
    Row,
    Txn,
    currency_reason,
    rows_of,
    transaction_loader,
)
from tradepilot.payments.adapters.layouts import (
    column_mapping,
    read_mapping,
    require_layout,
)
from tradepilot.payments.records import parse_amount, parse_instant

FORMAT = "stripe"
REQUIRED = {
    "id": ["balance_transaction_id", "id"],
    "created": ["created_utc", "Created (UTC)", "created"],
    "currency": ["currency", "Currency"],
    "gross": ["gross", "Amount"],
    "fee": ["fee", "Fee"],
    "category": ["reporting_category", "Type"],
}
OPTIONAL = {
    "net": "net",
    "source_id": "source_id",
    "description": "description",
    "customer_facing_amount": "customer_facing_amount",
    "customer_facing_currency": "customer_facing_currency",
    "payout": "automatic_payout_id",
    "order": "payment_metadata[order_id]",
    "order_legacy": "order_id",
    "order_dashboard": "Order ID (metadata)",
    "transfer": "Transfer",
}
TIME_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S%z"]
KIND = {
    "charge": "charge",
    "payment": "charge",
    "refund": "refund",
    "payment_refund": "refund",
    "refund_failure": "refund",
    "partial_capture_reversal": "charge",
    "fee": "fee",
    "stripe_fee": "fee",
    "tax": "fee",
    "dispute": "chargeback",
    "dispute_reversal": "chargeback",
    "payout": "payout",
    "payout_reversal": "payout",
    "risk_reserved_funds": "reserve",
    "reserved_funds": "reserve",
    "reserve_transaction": "reserve",
    "transfer": "transfer",
    "topup": "transfer",
    "other_adjustment": "adjustment",
    "adjustment": "adjustment",
}
_ORDER_IN_TEXT = re.compile(r"order\s*(?:no\.?|number|id)?\s*:?\s*#?\s*([\w-]+)", re.I)


def parse(table: RawTable, ctx: ImportContext) -> Parsed:
    """Stripe rows as provider transactions (see the module docstring)."""
    mapping = column_mapping(read_mapping(ctx.mapping))
    columns = require_layout(table, FORMAT, REQUIRED, mapping=mapping)
    found = optional_columns(table, OPTIONAL.values())
    columns |= {k: found[v] for k, v in OPTIONAL.items() if v in found}
    parsed = Parsed()
    unknown: set[str] = set()
    for row in rows_of(table, columns):
        reason, txn = _txn(row, unknown)
        if txn is None:
            parsed.bad.append((row.number, reason))
        else:
            parsed.rows.append(txn)
    if unknown:
        parsed.notes.append(
            "reporting categories not known to TradePilot, kept as adjustments:"
            f" {', '.join(sorted(unknown))}"
        )
    return parsed


def _txn(row: Row, unknown: set[str]) -> tuple[str, Txn | None]:
    created = parse_instant(row.get("created"), TIME_FORMATS)
    if created is None:
        return (
            "created is not a date and time (expected 2024-03-05 14:07:33, UTC),"
            f" got {row.get('created')!r}"
        ), None
    currency = (row.get("currency") or "").upper()
    if (why := currency_reason(currency, "currency")) is not None:
        return why, None
    gross, fee = parse_amount(row.get("gross")), parse_amount(row.get("fee") or "0")
    if gross is None or fee is None:
        return (
            f"gross or fee is not a number ({row.get('gross')!r}, {row.get('fee')!r})",
            None,
        )
    net = parse_amount(row.get("net")) if row.get("net") else gross - fee
    if net is None or net != gross - fee:
        return f"net {row.get('net')!r} is not gross - fee ({gross - fee})", None
    category = (row.get("category") or "").lower()
    kind = KIND.get(category)
    if kind is None:
        unknown.add(category)
        kind = "adjustment"
    original, original_currency = _customer_facing(row, currency)
    payout = row.get("payout") or row.get("transfer")
    if kind == "payout":
        payout = row.get("source_id") or payout or row.get("id")
    return "", Txn(
        row=row.number,
        kind=kind,
        category=category,
        occurred_at=created,
        currency=currency,
        gross=gross,
        fee=fee,
        order_ref=_order(row),
        payout_id=payout,
        reference=row.get("source_id"),
        external_id=row.get("id"),
        original_amount=original,
        original_currency=original_currency,
        description=row.get("description"),
    )


def _order(row: Row) -> str | None:
    order = row.get("order") or row.get("order_legacy") or row.get("order_dashboard")
    if order is None and (match := _ORDER_IN_TEXT.search(row.get("description") or "")):
        order = match.group(1)
    return order


def _customer_facing(row: Row, currency: str) -> tuple[Decimal | None, str | None]:
    code = (row.get("customer_facing_currency") or "").upper()
    amount = parse_amount(row.get("customer_facing_amount"))
    if not code or amount is None or code == currency:
        return None, None
    return amount, code


IMPORT_FORMAT = ImportFormat(
    FORMAT,
    "Stripe balance / payout reconciliation report, itemized CSV",
    transaction_loader(FORMAT, parse),
)
