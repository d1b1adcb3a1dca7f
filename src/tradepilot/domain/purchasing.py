"""Suppliers and purchase orders with ordered, promised and received dates.

Later capabilities learn lead-time distributions from these: a receipt's lead time is
``received - ordered`` in days, and partial receipts each count.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from tradepilot.domain.errors import DataValidationError


class ShippingMode(StrEnum):
    """How goods travel from a supplier."""

    SEA = "sea"
    AIR = "air"
    RAIL = "rail"
    ROAD = "road"
    EXPRESS = "express"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Supplier:
    """A supplier, by the name the seller uses for it."""

    name: str
    country: str | None = None


@dataclass(frozen=True, slots=True)
class Receipt:
    """Units of a purchase-order line received on a date."""

    received: dt.date
    quantity: int


@dataclass(frozen=True, slots=True)
class PurchaseOrderLine:
    """One SKU on a purchase order, with its receipts so far."""

    sku: str
    quantity_ordered: int
    unit_cost: Decimal
    currency: str
    promised: dt.date | None = None
    receipts: tuple[Receipt, ...] = ()

    def __post_init__(self) -> None:
        if self.quantity_ordered <= 0:
            raise DataValidationError(
                f"quantity ordered of {self.sku} must be > 0, got {self.quantity_ordered}"
            )

    @property
    def quantity_received(self) -> int:
        """Units received over all receipts."""
        return sum(r.quantity for r in self.receipts)

    @property
    def quantity_open(self) -> int:
        """Units still expected (never negative)."""
        return max(self.quantity_ordered - self.quantity_received, 0)


@dataclass(frozen=True, slots=True)
class PurchaseOrder:
    """A purchase order to one supplier."""

    po_number: str
    supplier: Supplier
    ordered: dt.date
    mode: ShippingMode = ShippingMode.UNKNOWN
    warehouse: str | None = None
    lines: tuple[PurchaseOrderLine, ...] = ()

    def lead_times_days(self) -> list[int]:
        """Days from order to each receipt of each line."""
        return [
            (r.received - self.ordered).days
            for line in self.lines
            for r in line.receipts
        ]
