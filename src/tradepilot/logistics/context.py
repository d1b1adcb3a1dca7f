"""What the margin use cases share: a workspace's trade settings, loaded once
(:class:`TradeContext`), and a year of its sales ready to price (:class:`SalesYear`).

Apart from :mod:`~tradepilot.logistics.service`, which builds them, so that
:mod:`~tradepilot.logistics.notes` can name them without importing the service.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from tradepilot.fx.service import LatestRates
    from tradepilot.logistics.config import TradeConfig
    from tradepilot.logistics.lanes import LaneNetwork
    from tradepilot.reference import ReferenceData


@dataclass(frozen=True)
class TradeContext:
    """A workspace's settings and reference data, loaded once."""

    home: Path
    base: str
    config: TradeConfig
    reference: ReferenceData
    lanes: LaneNetwork
    freight_per_kg: float
    freight_per_unit: float


@dataclass(frozen=True)
class SalesYear:
    """The last year of sales of a workspace, ready to price: settings, sale lines,
    FX rates of the rule date, the cells of
    :func:`~tradepilot.logistics.economics.unit_economics` and the yearly volume of
    each SKU x country (:func:`~tradepilot.logistics.volumes.yearly_volumes`)."""

    context: TradeContext
    day: dt.date
    since: dt.date
    until: dt.date
    lines: pl.DataFrame
    rates: LatestRates
    cells: pl.DataFrame
    yearly: pl.DataFrame
