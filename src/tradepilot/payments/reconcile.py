"""``payouts reconcile``: orders <-> payments <-> payouts <-> bank, one report.

:func:`report` is pure (records in, dict out); :func:`run_reconciliation` reads
the store. The matching rules are stated in :mod:`.matching` (orders) and
:mod:`.payouts` (bank), the spreads in :mod:`.spread`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from tradepilot.domain.money import minor_unit
from tradepilot.payments.config import PaymentsConfig
from tradepilot.payments.matching import match_orders, order_findings
from tradepilot.payments.model import BankTxn, Discrepancy, OrderTotal, PaymentTxn
from tradepilot.payments.payouts import Payout, PayoutMatches, Spread, collect_payouts
from tradepilot.payments.payouts import match_payouts as match_bank
from tradepilot.payments.rates import MidRates
from tradepilot.payments.reading import (
    NO_DATA_NOTE,
    read_bank,
    read_order_totals,
    read_rates,
    read_transactions,
)
from tradepilot.payments.spread import conversion_spreads, total_cost

KINDS = (
    "order_not_paid",
    "payment_without_order",
    "amount_differs",
    "fee_above_schedule",
    "refund_not_recorded",
    "refund_not_paid",
    "duplicate_charge",
    "payout_missing_from_bank",
    "payout_paid_twice",
)
"""Every kind of discrepancy the reconciliation reports."""
RULES = {
    "orders": "exact order number first (#1001 = 1001), then a charge of the same"
    " currency and amount (within tolerance) placed up to charge_window_days before"
    " the payment",
    "payouts": "payout id in the bank line's text first, then the same currency and"
    " amount booked within payout_window_days, then a converted amount within"
    " bank_fx_tolerance of the ECB mid rate (a line naming the payout id first,"
    " then the pairing of least total gap to the mid rate)",
    "fx_spread": "each conversion against the ECB mid rate of its day",
}


def run_reconciliation(
    conn: Connection, *, config: PaymentsConfig, base: str
) -> dict[str, Any]:
    """Read the store and reconcile (see :func:`report`)."""
    txns, bank = read_transactions(conn), read_bank(conn)
    if not txns and not bank:
        return empty_report(config, [NO_DATA_NOTE])
    orders = read_order_totals(conn)
    currencies = {t.currency for t in txns} | {b.currency for b in bank}
    currencies |= {t.original_currency for t in txns if t.original_currency}
    currencies |= {o.currency for o in orders} | {base}
    rates = read_rates(conn, currencies)
    return report(txns, bank, orders, config=config, base=base, rates=rates)


def empty_report(config: PaymentsConfig, notes: list[str]) -> dict[str, Any]:
    """The report of a workspace without payment data."""
    return {
        "payouts": {"count": 0, "amount_base": 0.0, "matched_to_bank": 0},
        "matched": _matched({}, {}, 0, config, notes),
        "discrepancies": [],
        "fees_base": 0.0,
        "fx_spread_cost_base": 0.0,
    }


def report(
    txns: list[PaymentTxn],
    bank: list[BankTxn],
    orders: list[OrderTotal],
    *,
    config: PaymentsConfig,
    base: str,
    rates: MidRates,
) -> dict[str, Any]:
    """The reconciliation of the records given.

    Returns
    -------
    dict
        ``payouts`` (count, amount in base, matched to the bank, per provider),
        ``matched`` (how many matched by which rule, the rules and tolerances,
        spreads per provider, notes), ``discrepancies`` (``kind``, ``provider``,
        ``order``, ``payout``, ``amount`` and ``currency``, ``amount_base``,
        ``evidence`` rows, ``action``), ``fees_base`` (every fee the providers
        kept) and ``fx_spread_cost_base`` (what conversions cost against the ECB
        mid rate), in the base currency.
    """
    convert = rates.convert
    matches = match_orders(txns, orders, config)
    findings = order_findings(orders, matches, txns, config, convert)
    payouts = match_bank(collect_payouts(txns), bank, config, convert)
    findings += payouts.findings
    spreads = conversion_spreads(txns, convert) + payouts.spreads
    fees = Decimal(0)
    for t in txns:
        if t.kind != "memo" and t.fee:
            fees += convert(t.fee, t.currency, base, t.day) or Decimal(0)
    discrepancies = [
        _discrepancy(d, base, rates)
        for d in sorted(findings, key=lambda d: (d.day, d.kind, d.order or ""))
    ]
    payout_summary = _payout_summary(payouts, base, rates)
    spread_rows = spread_summary(spreads, base, rates)
    spread_cost = total_cost(spreads, convert, base)
    notes = list(payouts.notes)
    if (note := rates.missing_note()) is not None:
        notes.append(note)
    how = {
        "orders": dict(matches.how),
        "orders_paid": len(matches.by_order),
        "payouts": {
            **payouts.how,
            "unmatched": len(payouts.payouts) - len(payouts.bank_line),
        },
    }
    return {
        "payouts": payout_summary,
        "matched": _matched(how, spread_rows, len(findings), config, notes),
        "discrepancies": discrepancies,
        "fees_base": _round(fees),
        "fx_spread_cost_base": _round(spread_cost),
    }


def _matched(
    how: dict[str, Any],
    spreads: dict[str, Any],
    found: int,
    config: PaymentsConfig,
    notes: list[str],
) -> dict[str, Any]:
    return {
        **how,
        "rules": RULES,
        "tolerances": config.stated(),
        "fx_spreads": spreads,
        "discrepancy_count": found,
        "notes": notes,
    }


def spread_summary(
    spreads: list[Spread], base: str, rates: MidRates
) -> dict[str, dict[str, Any]]:
    """Per provider: conversions, converted amount and cost in base, average spread."""
    rows: dict[str, dict[str, Any]] = defaultdict(
        lambda: {
            "conversions": 0,
            "converted_base": Decimal(0),
            "cost_base": Decimal(0),
        }
    )
    for s in spreads:
        row = rows[s.provider]
        mid = rates.convert(s.amount, s.source, base, s.day)
        cost = rates.convert(s.cost, s.target, base, s.day)
        if mid is None or cost is None:
            continue
        row["conversions"] += 1
        row["converted_base"] += mid
        row["cost_base"] += cost
    return {
        provider: {
            "conversions": row["conversions"],
            "converted_base": _round(row["converted_base"]),
            "cost_base": _round(row["cost_base"]),
            "average_spread": round(float(row["cost_base"] / row["converted_base"]), 5)
            if row["converted_base"]
            else None,
        }
        for provider, row in sorted(rows.items())
    }


def _payout_summary(
    matches: PayoutMatches, base: str, rates: MidRates
) -> dict[str, Any]:
    per: dict[tuple[str, str], list[tuple[int, Payout]]] = defaultdict(list)
    for i, p in enumerate(matches.payouts):
        per[(p.provider, p.currency)].append((i, p))
    total = Decimal(0)
    for p in matches.payouts:
        total += rates.convert(p.amount, p.currency, base, p.day) or Decimal(0)
    return {
        "count": len(matches.payouts),
        "amount_base": _round(total),
        "matched_to_bank": len(matches.bank_line),
        "implied": sum(1 for p in matches.payouts if p.implied),
        "by_provider": [
            {
                "provider": provider,
                "currency": currency,
                "count": len(items),
                "amount": float(sum((p.amount for _, p in items), Decimal(0))),
                "matched_to_bank": sum(1 for i, _ in items if i in matches.bank_line),
                "first": min(p.day for _, p in items).isoformat(),
                "last": max(p.day for _, p in items).isoformat(),
            }
            for (provider, currency), items in sorted(per.items())
        ],
    }


def _discrepancy(d: Discrepancy, base: str, rates: MidRates) -> dict[str, Any]:
    amount_base = rates.convert(d.amount, d.currency, base, d.day)
    return {
        "kind": d.kind,
        "provider": d.provider,
        "order": d.order,
        "payout": d.payout,
        "amount": round(float(d.amount), minor_unit(d.currency)),
        "currency": d.currency,
        "amount_base": None if amount_base is None else _round(amount_base),
        "evidence": d.evidence,
        "action": d.action,
    }


def _round(value: Decimal) -> float:
    return round(float(value), 2)


def count_kinds(discrepancies: list[dict[str, Any]]) -> dict[str, int]:
    """Discrepancies per kind, most frequent first."""
    return dict(Counter(d["kind"] for d in discrepancies).most_common())
