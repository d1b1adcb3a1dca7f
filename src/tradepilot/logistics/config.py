"""Trade settings: where goods ship from, who pays duty and tax, fees, FX spread.

They live in ``trade.toml`` in the workspace, a file the seller edits; every value
has a default, so a workspace without the file is priced with the defaults below.
``tradepilot margins --json`` reports the settings it used. Example::

    origin = "DE"                 # country the seller ships to buyers from
    origin_node = "DE-WH"         # its node in lanes.yaml (default: any in origin)
    incoterm = "DDP"              # DDP: the seller pays duty and import VAT; DAP: the buyer
    buyers = "B2C"                # B2B: VAT is reverse-charged or reclaimed by the buyer
    prices_include_tax = true     # shelf prices include the VAT the seller owes ...
    tax_exclusive = ["US", "CA"]  # ... except here, where tax is added at checkout
    schemes = ["IOSS", "UK VAT", "AU GST", "NZ GST", "VOEC", "OVR", "CH VAT"]
    fx_spread = 0.02              # the payment provider's spread on each conversion
    delivery_days = 21            # outbound lanes must deliver within this ...
    delivery_probability = 0.9    # ... with this probability
    delivery_days_for = {DE = 3, FR = 5}   # ... or within these, per country
    inbound_mode = "sea"          # freight per kg from purchasing.toml [modes.sea]
    target_margin = 0.25          # for price suggestions, share of net revenue
    default_weight_kg = 0.5       # for products without a weight
    default_cost_share = 0.4      # unit cost as a share of price where none is known

    [channels]                    # order channel (glob) -> fee schedule in fees.csv
    "amazon*" = "amazon"
    "*" = "web"

    [market_weights]              # market-entry score weights (see markets.scoring)
    demand = 0.30
    margin = 0.25

The ``schemes`` list says where the seller is registered to charge VAT at the sale
(IOSS in the EU, a UK VAT number, ...). Outside them, low-value imports pay import
VAT at the border like any other.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tradepilot.config import read_toml_settings

CONFIG_FILENAME = "trade.toml"

ALL_SCHEMES = ("IOSS", "UK VAT", "AU GST", "NZ GST", "VOEC", "OVR", "CH VAT")


class TradeConfig(BaseModel):
    """Settings of landed cost, margins and market scoring (see module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    origin: str = Field("DE", min_length=2, max_length=2)
    origin_node: str | None = None
    incoterm: Literal["DDP", "DAP"] = "DDP"
    buyers: Literal["B2C", "B2B"] = "B2C"
    prices_include_tax: bool = True
    tax_exclusive: tuple[str, ...] = ("US", "CA")
    schemes: tuple[str, ...] = ALL_SCHEMES
    fx_spread: float = Field(0.02, ge=0, lt=0.5)
    delivery_days: float = Field(21.0, gt=0)
    delivery_days_for: dict[str, float] = Field(default_factory=dict)
    delivery_probability: float = Field(0.9, gt=0, lt=1)
    inbound_mode: str = "sea"
    target_margin: float = Field(0.25, gt=-1, lt=1)
    default_weight_kg: float = Field(0.5, gt=0)
    default_cost_share: float = Field(0.4, gt=0, lt=1)
    channels: dict[str, str] = Field(
        default_factory=lambda: {"amazon*": "amazon", "*": "web"}
    )
    market_weights: dict[str, float] = Field(default_factory=dict)

    def fee_channel(self, channel: str) -> str:
        """The fee schedule of an order channel: the first matching glob wins.

        Examples
        --------
        >>> TradeConfig().fee_channel("amazon.de")
        'amazon'
        >>> TradeConfig().fee_channel("shopify")
        'web'
        """
        for pattern, schedule in self.channels.items():
            if fnmatch.fnmatchcase(channel.lower(), pattern.lower()):
                return schedule
        return channel

    def delivery_target(self, country: str) -> float:
        """Days within which a parcel to ``country`` must arrive (at the
        configured probability).

        Examples
        --------
        >>> TradeConfig(delivery_days_for={"DE": 3}).delivery_target("DE")
        3.0
        >>> TradeConfig().delivery_target("JP")
        21.0
        """
        return float(self.delivery_days_for.get(country, self.delivery_days))

    def includes_tax(self, country: str) -> bool:
        """Whether shelf prices in ``country`` include the VAT the seller owes."""
        return self.prices_include_tax and country not in self.tax_exclusive


def load_trade_config(home: Path) -> TradeConfig:
    """Read ``trade.toml`` from the workspace ``home`` (defaults if absent).

    Raises
    ------
    DataValidationError
        If the file is not valid TOML or a setting is out of range.
    """
    return read_toml_settings(home / CONFIG_FILENAME, TradeConfig)
