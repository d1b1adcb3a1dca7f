"""Shopify Payments transactions export (Finance > Payouts > Export transactions).

One row per balance transaction: ``Transaction Date``, ``Type`` (charge, refund,
dispute, reserve, adjustment, payout), ``Order`` (the order's name, ``#1001``),
``Payout Status``, ``Payout Date``, ``Payout ID`` (when exported), ``Amount``,
``Fee``, ``Net`` and ``Currency`` in the payout currency, and ``Presentment
Amount`` / ``Presentment Currency``: what the buyer paid, in their currency, when
Shopify converted it. A ``payout`` row's ``Amount`` is negative (it leaves the
balance). See ``docs/payments-formats.md``.
"""

from __future__ import annotations

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

FORMAT = "shopify-payments"
REQUIRED = {
    "date": ["Transaction Date"],
    "type": ["Type"],
    "order": ["Order"],
    "amount": ["Amount"],
    "fee": ["Fee"],
    "net": ["Net"],
    "currency": ["Currency"],
}
OPTIONAL = {
    "id": "Transaction ID",
    "payout_id": "Payout ID",
    "payout_date": "Payout Date",
    "payout_status": "Payout Status",
    "presentment_amount": "Presentment Amount",
    "presentment_currency": "Presentment Currency",
    "method": "Payment Method Name",
    "card": "Card Brand",
}
TIME_FORMATS = [
    "%Y-%m-%d %H:%M:%S %z",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%d",
]
KIND = {
    "charge": "charge",
    "refund": "refund",
    "dispute": "chargeback",
    "chargeback": "chargeback",
    "reserve": "reserve",
    "adjustment": "adjustment",
    "payout": "payout",
    "refund_failure": "refund",
    "application_fee": "fee",
    "shopify_collective_debit": "adjustment",
    "shopify_collective_credit": "adjustment",
}


def parse(table: RawTable, ctx: ImportContext) -> Parsed:
    """Shopify Payments rows as provider transactions (see the module docstring)."""
    mapping = column_mapping(read_mapping(ctx.mapping))
    columns = require_layout(table, FORMAT, REQUIRED, mapping=mapping)
    found = optional_columns(table, OPTIONAL.values())
    columns |= {k: found[v] for k, v in OPTIONAL.items() if v in found}
    parsed = Parsed()
    for row in rows_of(table, columns):
        reason, txn = _txn(row)
        if txn is None:
            parsed.bad.append((row.number, reason))
        else:
            parsed.rows.append(txn)
    return parsed


def _txn(row: Row) -> tuple[str, Txn | None]:
    when = parse_instant(row.get("date"), TIME_FORMATS)
    if when is None:
        return (
            "Transaction Date is not a date (expected 2024-03-05 14:07:33 +0100),"
            f" got {row.get('date')!r}"
        ), None
    currency = (row.get("currency") or "").upper()
    if (why := currency_reason(currency, "Currency")) is not None:
        return why, None
    amount, fee = parse_amount(row.get("amount")), parse_amount(row.get("fee") or "0")
    net = parse_amount(row.get("net"))
    if amount is None or fee is None or net is None:
        return (
            "Amount, Fee or Net is not a number"
            f" ({row.get('amount')!r}, {row.get('fee')!r}, {row.get('net')!r})"
        ), None
    if net != amount - fee:
        return f"Net {net} is not Amount - Fee ({amount - fee})", None
    kind_text = (row.get("type") or "").lower()
    original, original_currency = None, None
    presented = (row.get("presentment_currency") or "").upper()
    if presented and presented != currency:
        if (why := currency_reason(presented, "Presentment Currency")) is not None:
            return why, None
        original = parse_amount(row.get("presentment_amount"))
        original_currency = presented if original is not None else None
    return "", Txn(
        row=row.number,
        kind=KIND.get(kind_text, "adjustment"),
        category=kind_text or None,
        occurred_at=when,
        currency=currency,
        gross=amount,
        fee=fee,
        order_ref=row.get("order"),
        # without a Payout ID column, a payout is known by its date
        payout_id=row.get("payout_id") or row.get("payout_date"),
        external_id=row.get("id"),
        original_amount=original,
        original_currency=original_currency,
        description=" ".join(filter(None, [row.get("method"), row.get("card")]))
        or None,
    )


IMPORT_FORMAT = ImportFormat(
    FORMAT,
    "Shopify Payments transactions export (CSV)",
    transaction_loader(FORMAT, parse),
)
