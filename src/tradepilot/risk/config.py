"""Risk settings: the thresholds of every monitor, in money and in percent.

They live in ``risk.toml`` in the workspace; every value has a default (below), so a
workspace without the file is watched with the defaults. Example::

    min_money = 100.0            # no alert below this money at stake (base currency)
    stockout_horizon_days = 28   # warn of stockouts projected within this many days
    overstock_weeks = 26         # stock beyond this many weeks of cover ties cash
    break_baseline_weeks = 12    # weeks of history a demand break is measured against
    break_min_change = 0.3       # ... and the relative change it must reach
    margin_gap = 0.1             # margin rate this far below trade.toml's target
    rule_horizon_days = 90       # rule changes taking effect within this many days
    delay_min_days = 5.0         # supplier lateness: shift of the median lead time
    delay_p_value = 0.05         # ... and the shift test's significance
    concentration_share = 0.5    # one supplier or market above this share of margin
    return_weeks = 4             # recent window of the return-rate test
    return_min_rise = 0.05       # return rate at least this far above its baseline
    review_weeks = 4             # recent window of the review-sentiment test
    review_min_count = 5         # ... reviews it needs (and the SKU's own history)
    review_min_rise = 0.15       # negative share at least this far above history
    discrepancy_min_money = 0.0  # payment discrepancies from this amount (all)
    fx_move = 0.03               # an exposure currency moving more than 3% ...
    fx_days = 30                 # ... over this many days
    order_risk_score = 0.6       # orders scoring above this raise an order_risk alert
    order_risk_days = 7          # ... when placed within this many days of today
    reshipping_countries = []    # destinations you know for reshipping fraud
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from tradepilot.config import read_toml_settings

CONFIG_FILENAME = "risk.toml"


class RiskConfig(BaseModel):
    """Thresholds of the monitors (``risk.toml``); see the module docstring."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_money: float = Field(100.0, ge=0)
    stockout_horizon_days: int = Field(28, ge=1, le=365)
    default_lead_days: float = Field(30.0, gt=0)
    overstock_weeks: float = Field(26.0, gt=0)
    break_baseline_weeks: int = Field(12, ge=4, le=104)
    break_min_change: float = Field(0.3, gt=0)
    break_min_units: float = Field(3.0, ge=0)
    break_p_value: float = Field(0.01, gt=0, lt=1)
    margin_gap: float = Field(0.1, ge=0, le=1)
    rule_horizon_days: int = Field(90, ge=1, le=730)
    delay_min_days: float = Field(5.0, ge=0)
    delay_p_value: float = Field(0.05, gt=0, lt=1)
    delay_recent_pos: int = Field(4, ge=2)
    concentration_share: float = Field(0.5, gt=0, le=1)
    return_weeks: int = Field(4, ge=1, le=52)
    return_min_rise: float = Field(0.05, gt=0, le=1)
    return_p_value: float = Field(0.01, gt=0, lt=1)
    review_weeks: int = Field(4, ge=1, le=52)
    review_min_count: int = Field(5, ge=1)
    review_min_rise: float = Field(0.15, gt=0, le=1)
    review_p_value: float = Field(0.01, gt=0, lt=1)
    discrepancy_min_money: float = Field(0.0, ge=0)
    fx_move: float = Field(0.03, gt=0, le=1)
    fx_days: int = Field(30, ge=1, le=365)
    default_margin_rate: float = Field(0.3, gt=0, le=1)
    order_risk_score: float = Field(0.6, gt=0, le=1)
    order_risk_days: int = Field(7, ge=1, le=365)
    reshipping_countries: tuple[str, ...] = ()


def load_risk_config(home: Path) -> RiskConfig:
    """Read ``risk.toml`` from the workspace ``home`` (defaults if absent).

    Raises
    ------
    DataValidationError
        If the file is not valid TOML or a setting is out of range.
    """
    return read_toml_settings(home / CONFIG_FILENAME, RiskConfig)
