"""Payments settings: ``payments.toml`` in the workspace, every value defaulted.

Example (the defaults)::

    tolerance = 0.01              # amounts this close (in their currency) are equal
    charge_window_days = 3        # a payment without an order id matches an order of
                                  #   the same amount and currency placed this many
                                  #   days before it (or one day after)
    payout_window_days = 5        # a payout reaches the bank within this many days
    unpaid_grace_days = 14        # an order younger than this at the end of the
                                  #   payment data is not yet called unpaid
    tax_exclusive = ["US", "CA"]  # where tax is added at checkout and the order
    sales_tax_allowance = 0.15    #   store lacks it: a payment up to this share above
                                  #   the order total is not a difference
    bank_fx_tolerance = 0.05      # a payout in another currency than its bank credit
                                  #   matches within this share of the ECB mid rate
    duplicate_window_days = 2     # two equal charges of one order this close apart

    [fees.stripe]                 # fee ceiling per charge: percent of the charge
    percent = 3.25                #   plus a fixed fee in EUR (converted at the
    fixed_eur = 0.25              #   day's ECB rate into the charge's currency)
    [fees.paypal]
    percent = 4.48
    fixed_eur = 0.39
    [fees.shopify-payments]
    percent = 2.9
    fixed_eur = 0.30
    [fees.amazon-settlement]
    percent = 15.45
    fixed_eur = 0.0

The fee ceilings are the providers' highest standard published rates for an online
card payment to a European seller (Stripe: international cards 3.25% + EUR 0.25;
Amazon's European referral fee of most categories, 15.45% including the digital
services tax); PayPal's and Shopify's depend on the plan and country: set yours.
A fee above its ceiling is a ``fee_above_schedule`` discrepancy.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from tradepilot.config import read_toml_settings

CONFIG_FILENAME = "payments.toml"


class FeeSchedule(BaseModel):
    """A fee ceiling: ``percent`` of the charge plus ``fixed_eur`` per charge."""

    model_config = ConfigDict(extra="forbid")

    percent: float = Field(ge=0, le=100)
    fixed_eur: float = Field(default=0.0, ge=0)


DEFAULT_FEES = {
    "stripe": FeeSchedule(percent=3.25, fixed_eur=0.25),
    "paypal": FeeSchedule(percent=4.48, fixed_eur=0.39),
    "shopify-payments": FeeSchedule(percent=2.9, fixed_eur=0.30),
    "amazon-settlement": FeeSchedule(percent=15.45, fixed_eur=0.0),
}


class PaymentsConfig(BaseModel):
    """Tolerances, windows and fee ceilings of the reconciliation (module doc)."""

    model_config = ConfigDict(extra="forbid")

    tolerance: float = Field(default=0.01, ge=0)
    charge_window_days: int = Field(default=3, ge=0, le=60)
    payout_window_days: int = Field(default=5, ge=0, le=60)
    unpaid_grace_days: int = Field(default=14, ge=0, le=365)
    tax_exclusive: list[str] = Field(default_factory=lambda: ["US", "CA"])
    sales_tax_allowance: float = Field(default=0.15, ge=0, le=1)
    bank_fx_tolerance: float = Field(default=0.05, ge=0, le=0.5)
    duplicate_window_days: int = Field(default=2, ge=0, le=30)
    fees: dict[str, FeeSchedule] = Field(default_factory=lambda: dict(DEFAULT_FEES))

    def fee_schedule(self, provider: str) -> FeeSchedule | None:
        """The ceiling of ``provider`` (the file's, else the default), if any."""
        return self.fees.get(provider) or DEFAULT_FEES.get(provider)

    def stated(self) -> dict[str, object]:
        """The settings as reports state them."""
        return self.model_dump()


def load_payments_config(home: Path | None) -> PaymentsConfig:
    """``payments.toml`` of the workspace ``home`` (defaults without one).

    Raises
    ------
    DataValidationError
        If the file is not valid TOML or a value is out of range.
    """
    if home is None:
        return PaymentsConfig()
    return read_toml_settings(home / CONFIG_FILENAME, PaymentsConfig)
