"""Matching provider transactions to orders, and what the matches reveal (pure).

Rules, in order:

1. **Exact id.** A transaction naming an order number (``#1001`` and ``1001`` are
   the same) is matched to the order of that number that its provider pays: a
   marketplace's settlement to that marketplace's orders, the other providers to
   the shop's.
2. **Amount, date and currency window.** A charge naming no order, or one the
   store does not know, is matched to an order not matched yet of the same
   currency and amount (within ``tolerance``) placed up to
   ``charge_window_days`` before it (or one day after); the nearest in time wins.
3. What is left says what is wrong, per order: ``order_not_paid`` (no charge, and
   the payment data covers the order's date by ``unpaid_grace_days``),
   ``duplicate_charge`` (two equal charges within ``duplicate_window_days`` where
   one pays the order), ``amount_differs`` (paid differs from the order total;
   where tax is added at checkout, ``tax_exclusive`` countries, a payment up to
   ``sales_tax_allowance`` above the total is not a difference),
   ``refund_not_recorded`` (the provider refunded more than the shop recorded) and
   ``refund_not_paid`` (the reverse), ``fee_above_schedule`` (fees above the
   provider's ceiling in ``payments.toml``), ``payment_without_order``.

Marketplace order reports carry no refunds (Amazon's All Orders report), so refund
checks apply to the shop's providers only; a settlement's rows of one order are the
parts of one payment (principal, shipping, promotions), so duplicates are looked
for among the shop's providers only.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from tradepilot.payments.config import PaymentsConfig
from tradepilot.payments.model import (
    MARKETPLACE_PROVIDERS,
    Discrepancy,
    OrderTotal,
    PaymentTxn,
    provider_group,
)

ORDER_KINDS = ("charge", "refund", "fee", "chargeback", "tax")
PROVIDER_NAMES = {
    "stripe": "Stripe",
    "paypal": "PayPal",
    "amazon-settlement": "Amazon",
    "shopify-payments": "Shopify Payments",
}
Convert = Callable[[Decimal, str, str, dt.date], Decimal | None]


def provider_name(provider: str) -> str:
    """How actions name a provider (``shopify-payments`` -> ``Shopify Payments``)."""
    return PROVIDER_NAMES.get(provider, provider)


@dataclass
class OrderMatches:
    """Transactions per matched order, how they matched, and what is unmatched."""

    by_order: dict[tuple[str, str], list[PaymentTxn]] = field(
        default_factory=lambda: defaultdict(list)
    )
    how: dict[str, int] = field(
        default_factory=lambda: {"by_id": 0, "by_window": 0, "unmatched": 0}
    )
    unmatched: list[PaymentTxn] = field(default_factory=list)


def match_orders(
    txns: list[PaymentTxn], orders: list[OrderTotal], config: PaymentsConfig
) -> OrderMatches:
    """Assign each order-related transaction to an order (rules 1 and 2)."""
    index = {(o.group, o.key): o for o in orders}
    result = OrderMatches()
    loose: list[PaymentTxn] = []
    for t in txns:
        if t.kind not in ORDER_KINDS:
            continue
        key = t.order_key
        order = index.get((provider_group(t.provider), key)) if key else None
        if order is not None:
            result.by_order[(order.group, order.key)].append(t)
            result.how["by_id"] += 1
        elif t.kind == "charge":
            loose.append(t)
    _match_window(loose, orders, result, config)
    return result


def _match_window(
    loose: list[PaymentTxn],
    orders: list[OrderTotal],
    result: OrderMatches,
    config: PaymentsConfig,
) -> None:
    tol = Decimal(str(config.tolerance))
    window = dt.timedelta(days=config.charge_window_days)
    taken = set(result.by_order)
    candidates: dict[tuple[str, str], list[OrderTotal]] = defaultdict(list)
    for o in orders:
        if (o.group, o.key) not in taken:
            candidates[(o.group, o.currency)].append(o)
    for t in loose:
        group = provider_group(t.provider)
        best: OrderTotal | None = None
        for o in candidates.get((group, t.currency), []) + candidates.get(
            (group, t.original_currency or ""), []
        ):
            paid = t.amount_in(o.currency)
            if (o.group, o.key) in taken or paid is None:
                continue
            if abs(paid - o.charged) > tol:
                continue
            lag = t.occurred_at - o.ordered_at
            if -dt.timedelta(days=1) <= lag <= window and (
                best is None or abs(lag) < abs(t.occurred_at - best.ordered_at)
            ):
                best = o
        if best is None:
            result.unmatched.append(t)
            result.how["unmatched"] += 1
            continue
        taken.add((best.group, best.key))
        result.by_order[(best.group, best.key)].append(t)
        result.how["by_window"] += 1


def order_findings(
    orders: list[OrderTotal],
    matches: OrderMatches,
    txns: list[PaymentTxn],
    config: PaymentsConfig,
    convert: Convert,
) -> list[Discrepancy]:
    """The discrepancies of rule 3 (see the module docstring)."""
    found: list[Discrepancy] = []
    coverage = _coverage(txns, config)
    for order in orders:
        rows = matches.by_order.get((order.group, order.key), [])
        if not rows:
            found.extend(_unpaid(order, coverage))
            continue
        found.extend(_order_checks(order, rows, config, convert))
    found.extend(_without_order(matches.unmatched))
    return found


def _without_order(unmatched: list[PaymentTxn]) -> list[Discrepancy]:
    """One finding per provider and order reference (or per charge without one)."""
    groups: dict[tuple[str, str, str], list[PaymentTxn]] = defaultdict(list)
    for t in unmatched:
        ref = t.order_key or f"#{t.id}"
        groups[(t.provider, ref, t.currency)].append(t)
    found = []
    for (provider, _, currency), rows in groups.items():
        first = rows[0]
        amount = sum((t.gross for t in rows), Decimal(0))
        named = first.order_ref or first.external_id or ""
        found.append(
            Discrepancy(
                kind="payment_without_order",
                provider=provider,
                amount=amount,
                currency=currency,
                day=first.day,
                order=first.order_ref,
                evidence=[t.evidence() for t in rows],
                action=(
                    f"no order matches {provider_name(provider)} payment {named}"
                    f" ({amount} {currency} on {first.day}): record the order in the"
                    " shop, or refund the payment"
                ).replace("payment  (", "payment ("),
            )
        )
    return found


def _coverage(
    txns: list[PaymentTxn], config: PaymentsConfig
) -> dict[str, tuple[dt.datetime, dt.datetime]]:
    """Per order group, the span of order dates the payment data can vouch for."""
    spans: dict[str, list[dt.datetime]] = {}
    for t in txns:
        if t.kind == "charge":
            group = provider_group(t.provider)
            span = spans.setdefault(group, [t.occurred_at, t.occurred_at])
            span[0], span[1] = min(span[0], t.occurred_at), max(span[1], t.occurred_at)
    grace = dt.timedelta(days=config.unpaid_grace_days)
    return {g: (first, last - grace) for g, (first, last) in spans.items()}


def _unpaid(
    order: OrderTotal, coverage: dict[str, tuple[dt.datetime, dt.datetime]]
) -> list[Discrepancy]:
    span = coverage.get(order.group)
    if span is None or not span[0] <= order.ordered_at <= span[1] or order.due <= 0:
        return []
    providers = [p for p, g in MARKETPLACE_PROVIDERS.items() if g == order.group]
    provider = providers[0] if providers else "shop"
    return [
        Discrepancy(
            kind="order_not_paid",
            provider=provider,
            amount=order.due,
            currency=order.currency,
            day=order.ordered_at.date(),
            order=order.number,
            evidence=[order.evidence()],
            action=(
                f"no payment found for order {order.number} ({order.due}"
                f" {order.currency}); check its payment with "
                + (provider_name(provider) if providers else "your payment providers")
                + " before shipping, or cancel it"
            ),
        )
    ]


def _order_checks(
    order: OrderTotal,
    rows: list[PaymentTxn],
    config: PaymentsConfig,
    convert: Convert,
) -> list[Discrepancy]:
    found: list[Discrepancy] = []
    provider = rows[0].provider
    charges = [t for t in rows if t.kind == "charge"]
    if provider not in MARKETPLACE_PROVIDERS:
        duplicates, dropped = _duplicates(order, charges, config)
        found.extend(duplicates)
        charges = [t for t in charges if t not in dropped]
        found.extend(_refund_checks(order, rows, config))
    found.extend(_amount_check(order, charges, config))
    found.extend(_fee_check(order, rows, config, convert))
    return found


def _within(order: OrderTotal, paid: Decimal, expected: Decimal, tol: Decimal,
            config: PaymentsConfig) -> bool:  # fmt: skip
    """Whether ``paid`` is ``expected``, allowing checkout tax where it applies."""
    diff = paid - expected
    if abs(diff) <= tol:
        return True
    allowance = Decimal(str(config.sales_tax_allowance)) * abs(expected) + tol
    return order.country in config.tax_exclusive and 0 <= diff <= allowance


def _paid(order: OrderTotal, rows: list[PaymentTxn]) -> Decimal:
    return sum((t.amount_in(order.currency) or Decimal(0) for t in rows), Decimal(0))


def _duplicates(
    order: OrderTotal, charges: list[PaymentTxn], config: PaymentsConfig
) -> tuple[list[Discrepancy], list[PaymentTxn]]:
    """Charges repeating an earlier equal one where the others pay the order."""
    tol = Decimal(str(config.tolerance))
    window = dt.timedelta(days=config.duplicate_window_days)
    found: list[Discrepancy] = []
    dropped: list[PaymentTxn] = []
    ordered = sorted(charges, key=lambda c: c.occurred_at)
    for i, t in enumerate(ordered):
        amount = t.amount_in(order.currency) or Decimal(0)
        twin = next(
            (
                k
                for k in ordered[:i]
                if k not in dropped
                and abs((k.amount_in(order.currency) or Decimal(0)) - amount) <= tol
                and t.occurred_at - k.occurred_at <= window
            ),
            None,
        )
        others = [c for c in ordered if c is not t and c not in dropped]
        if twin is None or not _within(
            order, _paid(order, others), order.charged, tol, config
        ):
            continue
        dropped.append(t)
        found.append(
            Discrepancy(
                kind="duplicate_charge",
                provider=t.provider,
                amount=amount,
                currency=order.currency,
                day=t.day,
                order=order.number,
                evidence=[order.evidence(), twin.evidence(), t.evidence()],
                action=(
                    f"order {order.number} was charged twice ({amount}"
                    f" {order.currency} on {twin.day} and {t.day}): refund the second"
                    f" {provider_name(t.provider)} charge"
                    + (f" {t.external_id}" if t.external_id else "")
                    + " to the buyer"
                ),
            )
        )
    return found, dropped


def _amount_check(
    order: OrderTotal, charges: list[PaymentTxn], config: PaymentsConfig
) -> list[Discrepancy]:
    if not charges:
        return []
    tol = Decimal(str(config.tolerance))
    paid = _paid(order, charges)
    if _within(order, paid, order.charged, tol, config):
        return []
    diff = paid - order.charged
    provider = charges[0].provider
    name = provider_name(provider)
    action = (
        f"ask {name} about the missing {-diff} {order.currency} of order"
        f" {order.number} (paid {paid} of {order.charged})"
        if diff < 0
        else f"order {order.number} was paid {diff} {order.currency} more than its"
        f" total ({paid} for {order.charged}): check the order, or refund the buyer"
    )
    return [
        Discrepancy(
            kind="amount_differs",
            provider=provider,
            amount=diff,
            currency=order.currency,
            day=charges[0].day,
            order=order.number,
            evidence=[order.evidence(), *(t.evidence() for t in charges)],
            action=action,
        )
    ]


def _refund_checks(
    order: OrderTotal, rows: list[PaymentTxn], config: PaymentsConfig
) -> list[Discrepancy]:
    tol = Decimal(str(config.tolerance))
    refunds = [t for t in rows if t.kind == "refund"]
    paid_back = -_paid(order, refunds)
    if _within(order, paid_back, order.refunded, tol, config):
        return []
    diff = paid_back - order.refunded
    provider = rows[0].provider
    name = provider_name(provider)
    if diff > 0:
        kind = "refund_not_recorded"
        action = (
            f"{name} refunded {paid_back} {order.currency} of order {order.number} but"
            f" the shop records {order.refunded}: record the refund in the shop, or"
            f" ask {name} why it was refunded"
        )
    elif not [t for t in rows if t.kind == "charge"]:
        return []
    else:
        kind = "refund_not_paid"
        action = (
            f"the shop records a refund of {order.refunded} {order.currency} for order"
            f" {order.number} but {name} paid back {paid_back}: refund the buyer"
            f" through {name}, or correct the order"
        )
    day = refunds[-1].day if refunds else order.ordered_at.date()
    return [
        Discrepancy(
            kind=kind,
            provider=provider,
            amount=diff,
            currency=order.currency,
            day=day,
            order=order.number,
            evidence=[order.evidence(), *(t.evidence() for t in refunds)],
            action=action,
        )
    ]


def _fee_check(
    order: OrderTotal,
    rows: list[PaymentTxn],
    config: PaymentsConfig,
    convert: Convert,
) -> list[Discrepancy]:
    found = []
    by_provider: dict[tuple[str, str], list[PaymentTxn]] = defaultdict(list)
    for t in rows:
        if t.kind == "charge" or (
            t.kind == "fee" and not (t.category or "").lower().startswith("refund")
        ):
            by_provider[(t.provider, t.currency)].append(t)
    tol = Decimal(str(config.tolerance))
    for (provider, currency), group in by_provider.items():
        schedule = config.fee_schedule(provider)
        charges = [t for t in group if t.kind == "charge"]
        if schedule is None or not charges:
            continue
        fees = sum((t.fee for t in group), Decimal(0))
        gross = sum((t.gross for t in charges), Decimal(0))
        payments = 1 if provider in MARKETPLACE_PROVIDERS else len(charges)
        fixed = convert(
            Decimal(str(schedule.fixed_eur)), "EUR", currency, charges[0].day
        )
        ceiling = Decimal(str(schedule.percent)) / 100 * gross + payments * (
            fixed if fixed is not None else Decimal(str(schedule.fixed_eur))
        )
        if fees <= ceiling + tol:
            continue
        excess = (fees - ceiling).quantize(Decimal("0.01"))
        name = provider_name(provider)
        found.append(
            Discrepancy(
                kind="fee_above_schedule",
                provider=provider,
                amount=excess,
                currency=currency,
                day=charges[0].day,
                order=order.number,
                evidence=[t.evidence() for t in group],
                action=(
                    f"{name} charged {fees} {currency} in fees on order {order.number},"
                    f" {excess} above its schedule ({schedule.percent}% +"
                    f" EUR {schedule.fixed_eur}): ask {name} to refund the difference"
                ),
            )
        )
    return found
