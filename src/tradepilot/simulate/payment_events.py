"""A payment provider's money movements, before they are written as file rows."""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import polars as pl

from tradepilot.domain.money import minor_unit


@dataclass(frozen=True)
class Event:
    """One money movement at a provider, before it is written as a file row."""

    provider: str
    kind: str  # charge, refund
    at: dt.datetime
    order: str
    currency: str
    amount: Decimal  # in ``currency``, signed from the seller's side
    method: str = ""
    tag: str = ""  # an injected mistake: duplicate, short, fee, unrecorded


class DailyRates:
    """ECB rates of the store, last one on or before a day (units per EUR)."""

    def __init__(self, rates: pl.DataFrame) -> None:
        self._series: dict[str, tuple[list[dt.date], list[float]]] = {}
        for (code,), part in rates.sort("date").group_by(["currency"]):
            self._series[str(code)] = (part["date"].to_list(), part["rate"].to_list())

    def to_eur(self, currency: str, day: dt.date) -> Decimal:
        """EUR per unit of ``currency`` on ``day``."""
        if currency == "EUR":
            return Decimal(1)
        days, values = self._series[currency]
        i = max(bisect.bisect_right(days, day) - 1, 0)
        return Decimal(1) / Decimal(repr(values[i]))


def major(amount: int | None, currency: str) -> Decimal:
    """Minor units as a Decimal amount."""
    return Decimal(int(amount or 0)).scaleb(-minor_unit(currency))


def payout_truth(kind: str, provider: str, payout: str, detail: str) -> dict[str, Any]:
    """A truth record of an injected payout mistake."""
    return {"kind": kind, "provider": provider, "order": None, "payout": payout,
            "detail": detail}  # fmt: skip
