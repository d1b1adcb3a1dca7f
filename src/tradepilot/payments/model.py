"""The records reconciliation works on: provider transactions, bank lines, orders.

Pure dataclasses (no store access); :mod:`tradepilot.payments.reading` builds them
from the store, tests build them by hand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tradepilot.payments.records import order_number

MARKETPLACE_PROVIDERS = {"amazon-settlement": "amazon"}
"""Providers that pay a marketplace's orders: provider -> order source prefix."""


def order_group(source: str) -> str:
    """The payment group of an order source: a marketplace's, or ``shop``."""
    for prefix in MARKETPLACE_PROVIDERS.values():
        if source.startswith(prefix):
            return prefix
    return "shop"


def provider_group(provider: str) -> str:
    """The order group a provider pays (a marketplace's, or ``shop``)."""
    return MARKETPLACE_PROVIDERS.get(provider, "shop")


@dataclass(frozen=True)
class PaymentTxn:
    """One stored provider transaction (``payment_transactions``)."""

    id: int
    provider: str
    kind: str
    category: str | None
    occurred_at: dt.datetime
    currency: str
    gross: Decimal
    fee: Decimal
    net: Decimal
    order_ref: str | None = None
    payout_id: str | None = None
    reference: str | None = None
    external_id: str | None = None
    original_amount: Decimal | None = None
    original_currency: str | None = None
    description: str | None = None
    source_name: str = ""
    row_number: int = 0

    @property
    def day(self) -> dt.date:
        """The UTC calendar day of the transaction."""
        return self.occurred_at.date()

    @property
    def order_key(self) -> str | None:
        """The order number it names, as orders are compared."""
        return order_number(self.order_ref)

    def amount_in(self, currency: str) -> Decimal | None:
        """Its gross in ``currency``: the settled amount, or what the buyer paid."""
        if currency == self.currency:
            return self.gross
        if currency == self.original_currency and self.original_amount is not None:
            sign = -1 if self.gross < 0 < self.original_amount else 1
            return self.original_amount * sign
        return None

    def evidence(self) -> dict[str, Any]:
        """The row, as a discrepancy's evidence."""
        return {
            "source": self.provider,
            "file": self.source_name,
            "row": self.row_number,
            "id": self.external_id or self.payout_id,
            "type": self.category or self.kind,
            "date": self.day.isoformat(),
            "amount": float(self.gross),
            "fee": float(self.fee),
            "currency": self.currency,
            "order": self.order_ref,
        }


@dataclass(frozen=True)
class BankTxn:
    """One stored bank-statement line (``bank_transactions``)."""

    id: int
    account: str
    booked_on: dt.date
    amount: Decimal
    currency: str
    counterparty: str | None = None
    description: str | None = None
    reference: str | None = None
    source_name: str = ""
    row_number: int = 0

    @property
    def text(self) -> str:
        """Counterparty, description and reference, lower case, for matching."""
        parts = (self.counterparty, self.description, self.reference)
        return " ".join(p for p in parts if p).lower()

    def evidence(self) -> dict[str, Any]:
        """The line, as a discrepancy's evidence."""
        return {
            "source": "bank",
            "file": self.source_name,
            "row": self.row_number,
            "account": self.account,
            "date": self.booked_on.isoformat(),
            "amount": float(self.amount),
            "currency": self.currency,
            "text": " | ".join(
                p for p in (self.counterparty, self.description, self.reference) if p
            ),
        }


@dataclass(frozen=True)
class OrderTotal:
    """What the shop's records say an order should have been paid and refunded.

    ``charged`` is the sale's lines other than refunds (products, shipping, minus
    discounts), ``refunded`` the refunds and cancellation reversals, both positive,
    in the order's currency; taxes the shop adds at checkout are not stored.
    """

    source: str
    number: str
    country: str
    currency: str
    ordered_at: dt.datetime
    charged: Decimal
    refunded: Decimal = Decimal(0)
    cancelled: bool = False

    @property
    def key(self) -> str:
        """Its number as payments name it (see :func:`order_number`)."""
        return order_number(self.number) or self.number

    @property
    def group(self) -> str:
        """The payment group of its source."""
        return order_group(self.source)

    @property
    def due(self) -> Decimal:
        """What should have been received net of refunds."""
        return self.charged - self.refunded

    def evidence(self) -> dict[str, Any]:
        """The order, as a discrepancy's evidence."""
        return {
            "source": f"orders ({self.source})",
            "order": self.number,
            "date": self.ordered_at.date().isoformat(),
            "amount": float(self.charged),
            "refunded": float(self.refunded),
            "currency": self.currency,
            "country": self.country,
        }


@dataclass
class Discrepancy:
    """One finding of the reconciliation (see ``payouts reconcile``)."""

    kind: str
    provider: str
    amount: Decimal
    currency: str
    day: dt.date
    action: str
    order: str | None = None
    payout: str | None = None
    evidence: list[dict[str, Any]] = field(default_factory=list)
    matched_by: str | None = None
