"""Channels, customers, orders and order lines.

An order is identified by its ``source`` (the system that numbered it, e.g.
``online-retail``, ``shopify``, ``amazon``) and its ``order_number`` there.
Cancellations and returns are their own lines with negative quantity; where the data
allows, a line records the sale line it reverses (``reverses_line_id``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from tradepilot.domain.catalog import LineKind
from tradepilot.domain.errors import DataValidationError


class OrderKind(StrEnum):
    """What an order document is."""

    SALE = "sale"
    CANCELLATION = "cancellation"  # cancels (part of) an earlier sale
    RETURN = "return"  # goods or money came back after fulfilment
    ADJUSTMENT = "adjustment"  # accounting entry, e.g. bad debt


@dataclass(frozen=True, slots=True)
class Channel:
    """Where an order was taken: own store, a marketplace, wholesale."""

    name: str


@dataclass(frozen=True, slots=True)
class Customer:
    """A buyer as known to one source; ``external_id`` None means a guest."""

    source: str
    external_id: str | None
    country: str | None = None


@dataclass(frozen=True, slots=True)
class OrderLine:
    """One line of an order.

    Attributes
    ----------
    sku : str
        Stock code.
    quantity : int
        Units; negative on cancellations and returns.
    unit_price : Decimal
        Price per unit in the order's currency, never negative.
    kind : LineKind
        Product or a bookkeeping kind.
    """

    sku: str
    quantity: int
    unit_price: Decimal
    kind: LineKind = LineKind.PRODUCT
    description: str | None = None

    def __post_init__(self) -> None:
        if self.unit_price < 0:
            raise DataValidationError(
                f"unit price of {self.sku} must be >= 0, got {self.unit_price}"
            )

    @property
    def amount(self) -> Decimal:
        """Quantity times unit price, in the order's currency."""
        return self.unit_price * self.quantity


@dataclass(frozen=True, slots=True)
class Order:
    """An order document with its lines.

    Attributes
    ----------
    ordered_at : datetime.datetime
        Time zone-aware time of the order.
    country : str
        ISO 3166-1 alpha-2 code of the destination, or a pseudo-code.
    """

    source: str
    order_number: str
    ordered_at: dt.datetime
    currency: str
    country: str
    channel: Channel
    kind: OrderKind = OrderKind.SALE
    customer: Customer | None = None
    lines: tuple[OrderLine, ...] = ()

    def __post_init__(self) -> None:
        if self.ordered_at.tzinfo is None:
            raise DataValidationError(
                f"order {self.order_number}: ordered_at must be time zone-aware"
            )
