"""Purchasing settings: service level, costs, freight by mode, supplier terms.

They live in ``purchasing.toml`` in the workspace, a file the seller edits; every
value has a default, so a workspace without the file plans with the defaults below.
``tradepilot plan config`` prints the effective settings. Example::

    service_level = 0.95          # target cycle service level (or fill rate)
    service_target = "cycle"      # "cycle" or "fill"
    review_days = 7               # a restock plan is made every week
    horizon_weeks = 8             # an order covers demand this long after it arrives
    holding_rate = 0.25           # cost of holding stock, per year, share of unit cost
    order_cost = 40.0             # per purchase order, base currency
    default_weight_kg = 0.5       # for products without a weight
    default_cost_share = 0.4      # unit cost as a share of price where no cost is known

    [lead_time]                   # when neither history nor the supplier says
    mean_days = 30
    std_days = 8

    [modes.sea]
    freight_per_kg = 0.9          # base currency per kg
    [modes.air]
    freight_per_kg = 5.0

    [suppliers."Shenzhen Brightway Trading Co"]
    min_order_value = 500.0       # base currency
    lunar_new_year = true         # closes 7 days before to 14 days after
    closures = [{start = 2026-10-01, end = 2026-10-07, reason = "Golden Week"}]
    [suppliers."Shenzhen Brightway Trading Co".lead_times.sea]
    mean_days = 40                # used until 3 POs have been received
    std_days = 9

Amounts are in the workspace's base currency.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from tradepilot.config import read_toml_settings

if TYPE_CHECKING:  # imported where used: the settings page reads this file alone
    from tradepilot.replenishment.calendar import Closure
    from tradepilot.replenishment.leadtimes import LeadTime

CONFIG_FILENAME = "purchasing.toml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LeadTimeSetting(_Strict):
    """A lead time the seller states: mean and spread in days."""

    mean_days: float = Field(gt=0)
    std_days: float = Field(ge=0)

    def lead_time(self) -> LeadTime:
        """As a :class:`LeadTime`."""
        from tradepilot.replenishment.leadtimes import LeadTime

        return LeadTime(self.mean_days, self.std_days)


class ModeSetting(_Strict):
    """Freight cost of a transport mode."""

    freight_per_kg: float = Field(ge=0)
    freight_per_unit: float = Field(0.0, ge=0)


class ClosureSetting(_Strict):
    """A period in which a supplier ships nothing."""

    start: dt.date
    end: dt.date
    reason: str = "closed"
    lead_in_days: int = Field(0, ge=0)


class SupplierSetting(_Strict):
    """What the seller knows about one supplier."""

    min_order_value: float = Field(0.0, ge=0)
    modes: tuple[str, ...] | None = None
    lead_times: dict[str, LeadTimeSetting] = Field(default_factory=dict)
    lunar_new_year: bool = False
    closures: tuple[ClosureSetting, ...] = ()


class PurchasingConfig(_Strict):
    """All purchasing settings (see the module docstring for the file format)."""

    service_level: float = Field(
        0.95, gt=0, lt=1, description="target cycle service level or fill rate"
    )
    service_target: Literal["cycle", "fill"] = Field(
        "cycle", description="what service_level means"
    )
    review_days: int = Field(7, ge=1, le=90, description="days between plans")
    horizon_weeks: int = Field(
        8, ge=1, le=52, description="an order covers demand this long after arrival"
    )
    holding_rate: float = Field(
        0.25, ge=0, le=5, description="yearly cost of holding stock, share of cost"
    )
    order_cost: float = Field(40.0, ge=0, description="per purchase order")
    stockout_penalty: float = Field(
        0.0, ge=0, description="extra cost per unit of lost sales"
    )
    warehouse_capacity: float | None = Field(
        None, gt=0, description="units the warehouse holds (empty: no limit)"
    )
    default_weight_kg: float = Field(
        0.5, gt=0, description="weight of products without one"
    )
    default_cost_share: float = Field(
        0.4, gt=0, lt=1, description="cost of products without one, share of price"
    )
    lead_time: LeadTimeSetting = Field(
        LeadTimeSetting(mean_days=30, std_days=8),
        description="when neither history nor the supplier says",
    )
    modes: dict[str, ModeSetting] = Field(
        default_factory=lambda: {
            "sea": ModeSetting(freight_per_kg=0.9),
            "air": ModeSetting(freight_per_kg=5.0),
        },
        description="freight per kg (and per unit) of each transport mode",
    )
    suppliers: dict[str, SupplierSetting] = Field(
        default_factory=dict,
        description="minimum order value, modes, lead times, closures per supplier",
    )

    def supplier(self, name: str) -> SupplierSetting:
        """The settings of supplier ``name`` (defaults when it has none)."""
        return self.suppliers.get(name) or SupplierSetting()

    def modes_of(self, supplier: str) -> tuple[str, ...]:
        """Transport modes the supplier ships by (all configured modes by default)."""
        return self.supplier(supplier).modes or tuple(self.modes)

    def lead_time_defaults(self) -> dict[tuple[str, str], LeadTime]:
        """Stated lead times by (supplier, mode)."""
        return {
            (name, mode): setting.lead_time()
            for name, supplier in self.suppliers.items()
            for mode, setting in supplier.lead_times.items()
        }

    def closures(self, years: range) -> list[Closure]:
        """Every supplier closure in ``years``, stated or lunar-new-year."""
        from tradepilot.replenishment.calendar import (
            LUNAR_NEW_YEAR,
            Closure,
            lunar_new_year_closures,
        )

        found: list[Closure] = []
        for name, supplier in self.suppliers.items():
            if supplier.lunar_new_year:  # the years the calendar knows
                known = [y for y in years if y in LUNAR_NEW_YEAR]
                found.extend(lunar_new_year_closures(name, known))
            found.extend(
                Closure(name, c.start, c.end, c.reason, c.lead_in_days)
                for c in supplier.closures
            )
        return found


def load_purchasing_config(home: Path) -> PurchasingConfig:
    """Read ``purchasing.toml`` from the workspace ``home`` (defaults if absent).

    Raises
    ------
    DataValidationError
        If the file is not valid TOML or a setting is out of range; the message
        names the setting, what is allowed and what was found.
    """
    return read_toml_settings(home / CONFIG_FILENAME, PurchasingConfig)
