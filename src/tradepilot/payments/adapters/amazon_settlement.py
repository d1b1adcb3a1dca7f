"""Amazon settlement report, flat file V2 (Reports > Payments > All statements).

Tab-separated. The first data row summarises the settlement: ``settlement-id``,
``settlement-start-date``, ``settlement-end-date``, ``deposit-date``,
``total-amount`` (what is paid to the bank) and ``currency``, the other cells
empty; it becomes the settlement's ``payout`` (its id is the settlement id). Every
other row is one amount: ``transaction-type`` (Order, Refund, other-transaction,
...), ``order-id``, ``amount-type`` (ItemPrice, ItemFees, Promotion,
ItemWithheldTax, ...), ``amount-description`` (Principal, Shipping, Tax,
Commission, ...), ``amount`` (signed, seen from the seller), ``posted-date`` /
``posted-date-time``. A row with an empty currency takes its settlement's.

Kinds: ItemPrice of an Order is a ``charge`` (its tax descriptions a ``tax``), of
a Refund a ``refund``; ItemFees are ``fee`` (the amount, negated, is the fee);
withheld tax is ``tax``; reserves (``Previous Reserve Amount Balance``, ``Current
Reserve Amount``) are ``reserve``; anything else an ``adjustment``.
"""

from __future__ import annotations

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

FORMAT = "amazon-settlement"
REQUIRED = {
    "settlement": ["settlement-id"],
    "deposit_date": ["deposit-date"],
    "total": ["total-amount"],
    "currency": ["currency"],
    "type": ["transaction-type"],
    "order": ["order-id"],
    "amount_type": ["amount-type"],
    "description": ["amount-description"],
    "amount": ["amount"],
}
OPTIONAL = {
    "posted": "posted-date",
    "posted_time": "posted-date-time",
    "sku": "sku",
    "marketplace": "marketplace-name",
}
TIME_FORMATS = [
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%d %H:%M:%S %Z",
    "%Y-%m-%d %H:%M:%S",
    "%d.%m.%Y %H:%M:%S UTC",
    "%d.%m.%Y %H:%M:%S",
    "%Y-%m-%d",
    "%d.%m.%Y",
]
TAXES = ("tax", "vat")
RESERVES = ("reserve",)


def kind_of(transaction_type: str, amount_type: str, description: str) -> str:
    """The kind of one settlement amount (see the module docstring).

    Examples
    --------
    >>> kind_of("Order", "ItemPrice", "Principal"), kind_of("Order", "ItemFees",
    ...     "Commission"), kind_of("Refund", "ItemPrice", "Tax")
    ('charge', 'fee', 'tax')
    """
    ttype, atype, desc = (
        t.lower() for t in (transaction_type, amount_type, description)
    )
    if any(word in desc for word in RESERVES):
        return "reserve"
    if atype == "itemwithheldtax" or (
        atype == "itemprice" and any(w in desc for w in TAXES)
    ):
        return "tax"
    if atype == "itemfees":
        return "fee"
    if atype in ("itemprice", "promotion"):
        return "refund" if ttype == "refund" else "charge"
    if "chargeback" in ttype or "guarantee" in ttype:
        return "chargeback"
    if "fee" in ttype or "subscription" in desc:
        return "fee"
    return "adjustment"


def parse(table: RawTable, ctx: ImportContext) -> Parsed:
    """Settlement rows as provider transactions (see the module docstring)."""
    mapping = column_mapping(read_mapping(ctx.mapping))
    columns = require_layout(table, FORMAT, REQUIRED, mapping=mapping)
    found = optional_columns(table, OPTIONAL.values())
    columns |= {k: found[v] for k, v in OPTIONAL.items() if v in found}
    rows = list(rows_of(table, columns))
    currencies = {
        r.get("settlement"): (r.get("currency") or "").upper()
        for r in rows
        if r.get("total") and r.get("currency")
    }
    parsed = Parsed()
    for row in rows:
        currency = (row.get("currency") or "").upper() or currencies.get(
            row.get("settlement"), ""
        )
        reason, txn = _txn(row, currency)
        if txn is None:
            parsed.bad.append((row.number, reason))
        else:
            parsed.rows.append(txn)
    return parsed


def _txn(row: Row, currency: str) -> tuple[str, Txn | None]:
    if (why := currency_reason(currency, "currency")) is not None:
        return why, None
    settlement = row.get("settlement")
    if row.get("total") and not row.get("type"):
        return _payout(row, currency, settlement)
    when = parse_instant(row.get("posted_time") or row.get("posted"), TIME_FORMATS)
    if when is None:
        return (
            "posted-date is not a date (expected 2024-03-05T14:07:33+00:00), got"
            f" {row.get('posted_time') or row.get('posted')!r}"
        ), None
    amount = parse_amount(row.get("amount"))
    if amount is None:
        return f"amount is not a number, got {row.get('amount')!r}", None
    parts = [
        row.get("type") or "",
        row.get("amount_type") or "",
        row.get("description") or "",
    ]
    kind = kind_of(*parts)
    fee = -amount if kind == "fee" else Decimal(0)
    return "", Txn(
        row=row.number,
        kind=kind,
        category="/".join(parts),
        occurred_at=when,
        currency=currency,
        gross=Decimal(0) if kind == "fee" else amount,
        fee=fee,
        order_ref=row.get("order"),
        payout_id=settlement,
        description=row.get("sku") or row.get("marketplace"),
    )


def _payout(row: Row, currency: str, settlement: str | None) -> tuple[str, Txn | None]:
    total = parse_amount(row.get("total"))
    deposit = parse_instant(row.get("deposit_date"), TIME_FORMATS)
    if total is None or deposit is None or settlement is None:
        return (
            "settlement summary needs settlement-id, a total-amount and a"
            f" deposit-date, got {settlement!r}, {row.get('total')!r},"
            f" {row.get('deposit_date')!r}"
        ), None
    return "", Txn(
        row=row.number,
        kind="payout",
        category="Settlement",
        occurred_at=deposit,
        currency=currency,
        gross=-total,  # it leaves the Amazon balance for the bank
        fee=Decimal(0),
        payout_id=settlement,
        external_id=f"settlement-{settlement}",
        description=row.get("marketplace"),
    )


IMPORT_FORMAT = ImportFormat(
    FORMAT,
    "Amazon settlement report, flat file V2 (tab-separated)",
    transaction_loader(FORMAT, parse),
)
