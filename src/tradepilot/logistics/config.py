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
    min_yearly_units = 12         # margin lists rank cells selling at least this
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

Two defaults stand for facts only the seller knows: the country goods ship from
(``origin``) and the cost of a product whose cost is not on file
(``default_cost_share``). Until ``trade.toml`` sets them (``tradepilot init --origin
CN --cost-ratio 0.35``, the dashboard's setup or Settings page),
:meth:`TradeConfig.unchosen` says so, and every margin, market and landed-cost
output states the assumption first.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tradepilot.config import read_toml_settings
from tradepilot.domain.countries import require_country
from tradepilot.domain.errors import DataValidationError

CONFIG_FILENAME = "trade.toml"

ALL_SCHEMES = ("IOSS", "UK VAT", "AU GST", "NZ GST", "VOEC", "OVR", "CH VAT")


class TradeConfig(BaseModel):
    """Settings of landed cost, margins and market scoring (see module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    origin: str = Field(
        "DE", min_length=2, max_length=2, description="country goods ship from"
    )
    origin_node: str | None = Field(
        None, description="its node in lanes.yaml (empty: any node in the country)"
    )
    incoterm: Literal["DDP", "DAP"] = Field(
        "DDP", description="DDP: you pay duty and import VAT; DAP: the buyer does"
    )
    buyers: Literal["B2C", "B2B"] = Field(
        "B2C", description="B2B: VAT is reverse-charged or reclaimed by the buyer"
    )
    prices_include_tax: bool = Field(
        True, description="shelf prices include the VAT you owe"
    )
    tax_exclusive: tuple[str, ...] = Field(
        ("US", "CA"), description="countries where tax is added at checkout"
    )
    schemes: tuple[str, ...] = Field(
        ALL_SCHEMES, description="VAT schemes you are registered in"
    )
    fx_spread: float = Field(
        0.02, ge=0, lt=0.5, description="payment provider's spread per conversion"
    )
    delivery_days: float = Field(
        21.0, gt=0, description="outbound lanes must deliver within these days"
    )
    delivery_days_for: dict[str, float] = Field(
        default_factory=dict, description="delivery days per country (DE = 3)"
    )
    delivery_probability: float = Field(
        0.9, gt=0, lt=1, description="... with this probability"
    )
    inbound_mode: str = Field(
        "sea", description="freight mode of purchasing.toml for inbound goods"
    )
    target_margin: float = Field(
        0.25, gt=-1, lt=1, description="margin price suggestions keep (share)"
    )
    min_yearly_units: float = Field(
        12.0, ge=0, description="margin lists rank cells selling at least this"
    )
    default_weight_kg: float = Field(
        0.5, gt=0, description="weight of products without one"
    )
    default_cost_share: float = Field(
        0.4, gt=0, lt=1, description="cost of products without one, share of price"
    )
    channels: dict[str, str] = Field(
        default_factory=lambda: {"amazon*": "amazon", "*": "web"},
        description="order channel (glob) -> fee schedule of fees.csv",
    )
    market_weights: dict[str, float] = Field(
        default_factory=dict, description="market-entry score weights"
    )

    @field_validator("origin")
    @classmethod
    def _known_origin(cls, value: str) -> str:
        try:
            return require_country(value)
        except DataValidationError as exc:
            raise ValueError(str(exc)) from None

    def unchosen(
        self, fields: tuple[str, ...] = ("origin", "default_cost_share")
    ) -> tuple[str, ...]:
        """The defaults standing in for facts only the seller knows, as sentences
        (empty once ``trade.toml`` sets ``origin`` and ``default_cost_share``);
        ``fields`` limits them to the ones an answer depends on.

        Examples
        --------
        >>> TradeConfig(origin="CN", default_cost_share=0.35).unchosen()
        ()
        >>> len(TradeConfig(origin="CN").unchosen())
        1
        """
        notes = []
        if "origin" in fields and "origin" not in self.model_fields_set:
            notes.append(
                f"not chosen yet: goods ship from {self.origin} (the default); set"
                f" your country with `tradepilot init --origin CC` or in Settings"
            )
        unset_cost = "default_cost_share" not in self.model_fields_set
        if "default_cost_share" in fields and unset_cost:
            notes.append(
                "not chosen yet: a product without a unit cost costs"
                f" {self.default_cost_share:.0%} of its price (the default); set"
                " yours with `tradepilot init --cost-ratio 0.35` or in Settings"
            )
        return tuple(notes)

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
