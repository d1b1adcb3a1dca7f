"""Warehouses, inventory snapshots and movements."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tradepilot.domain.errors import DataValidationError


@dataclass(frozen=True, slots=True)
class Warehouse:
    """A stock location: own warehouse, 3PL, marketplace fulfilment centre."""

    code: str
    country: str | None = None


@dataclass(frozen=True, slots=True)
class InventorySnapshot:
    """Units on hand of a SKU at a location, at the end of a day."""

    date: dt.date
    sku: str
    warehouse: str
    on_hand: int

    def __post_init__(self) -> None:
        if self.on_hand < 0:
            raise DataValidationError(
                f"on_hand of {self.sku} at {self.warehouse} on {self.date} must be >= 0,"
                f" got {self.on_hand}"
            )


@dataclass(frozen=True, slots=True)
class InventoryMovement:
    """A change of stock: receipt, sale, return, write-off, transfer, count."""

    date: dt.date
    sku: str
    warehouse: str
    change: int
    reason: str
