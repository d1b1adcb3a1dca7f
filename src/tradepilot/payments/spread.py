"""The FX spread actually paid on each conversion, against the ECB mid rate (pure).

Conversions inside the providers' data:

* a charge or refund settled in another currency than the buyer paid (Stripe's
  ``customer_facing_amount``, Shopify's ``Presentment Amount``): the mid rate of
  the day would have given ``original x mid``; the cost is that minus the amount
  settled (for a refund, what was paid beyond it);
* a PayPal currency conversion: the pair of ``General Currency Conversion`` rows
  that share a ``Reference Txn ID`` (one taking currency A, one adding B): the cost
  is ``A x mid(A->B) - B``, in B.

Payouts converted on their way to the bank are in :mod:`.payouts`.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from tradepilot.payments.matching import Convert
from tradepilot.payments.model import PaymentTxn
from tradepilot.payments.payouts import Spread

CONVERTED_KINDS = ("charge", "refund", "chargeback")


def conversion_spreads(txns: list[PaymentTxn], convert: Convert) -> list[Spread]:
    """Every conversion found in ``txns`` with its cost (see the module docstring)."""
    spreads = [s for t in txns if (s := _settled(t, convert)) is not None]
    pairs: dict[tuple[str, str], list[PaymentTxn]] = defaultdict(list)
    for t in txns:
        if t.kind == "conversion":
            pairs[(t.provider, t.reference or t.day.isoformat())].append(t)
    for rows in pairs.values():
        spreads.extend(_paired(rows, convert))
    return sorted(spreads, key=lambda s: s.day)


def _settled(t: PaymentTxn, convert: Convert) -> Spread | None:
    if t.kind not in CONVERTED_KINDS or t.original_currency is None:
        return None
    if t.original_amount is None or t.original_amount == 0 or t.gross == 0:
        return None
    amount = abs(t.original_amount)
    mid = convert(amount, t.original_currency, t.currency, t.day)
    if mid is None:
        return None
    received = abs(t.gross)
    cost = mid - received if t.gross > 0 else received - mid
    return Spread(
        t.provider,
        t.day,
        t.original_currency,
        t.currency,
        amount,
        received,
        float(mid / amount),
        cost,
        f"{t.kind} {t.external_id or t.order_ref or t.row_number}",
    )


def _paired(rows: list[PaymentTxn], convert: Convert) -> list[Spread]:
    """Pair each outgoing conversion row with an incoming one of another currency."""
    outgoing = [t for t in rows if t.gross < 0]
    incoming = [t for t in rows if t.gross > 0]
    spreads = []
    for out in outgoing:
        into = next((t for t in incoming if t.currency != out.currency), None)
        if into is None:
            continue
        incoming.remove(into)
        amount = -out.gross
        mid = convert(amount, out.currency, into.currency, out.day)
        if mid is None or amount == 0:
            continue
        spreads.append(
            Spread(
                out.provider,
                out.day,
                out.currency,
                into.currency,
                amount,
                into.gross,
                float(mid / amount),
                mid - into.gross,
                f"conversion {out.reference or out.external_id or out.row_number}",
            )
        )
    return spreads


def total_cost(spreads: list[Spread], to_base: Convert, base: str) -> Decimal:
    """The spreads' costs in ``base`` at each day's rate (missing rates left out)."""
    total = Decimal(0)
    for s in spreads:
        value = to_base(s.cost, s.target, base, s.day)
        total += value if value is not None else Decimal(0)
    return total
