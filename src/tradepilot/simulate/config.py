"""Parameters of a simulated store."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from tradepilot.domain.errors import DataValidationError

_SHARES = (
    "guest_share",
    "cancel_rate",
    "return_rate",
    "partial_receipt_rate",
    "short_shipment_rate",
    "launch_share",
    "discontinue_share",
)


@dataclass(frozen=True, slots=True)
class SimulationConfig:
    """Everything that shapes a simulated store; equal configs give equal stores.

    The defaults make a two-year demo of 300 SKUs that simulates in seconds.

    Parameters
    ----------
    seed : int
        Seed of :func:`numpy.random.default_rng`; the only source of randomness.
    start : datetime.date
        First simulated day.
    n_days : int
        Number of simulated days (at least 120).
    n_skus : int
        Catalogue size (20 to 2,000).
    n_customers : int
        Registered web-store customers (guests come on top).
    demand_scale : float
        Multiplier on every SKU's base demand rate.
    guest_share : float
        Share of web orders placed as guest checkout (no e-mail).
    cancel_rate : float
        Cancelled orders per order that ships (extra orders that never ship).
    return_rate : float
        Probability that a shipped web-store line is refunded later.
    partial_receipt_rate : float
        Probability that a PO line arrives in two shipments.
    short_shipment_rate : float
        Probability that a PO line is delivered a few units short.
    launch_share, discontinue_share : float
        Shares of SKUs launched mid-span and discontinued mid-span.
    cover_days : int
        Days of demand one replenishment order covers (the ``Q`` of (s, Q)).
    fx_lead_days : int
        Days of FX history before ``start``.
    warehouse : str
        Code of the single warehouse.

    Examples
    --------
    >>> SimulationConfig(seed=1, n_days=365).end
    datetime.date(2024, 12, 30)
    """

    seed: int = 7
    start: dt.date = dt.date(2024, 1, 1)
    n_days: int = 730
    n_skus: int = 300
    n_customers: int = 8000
    demand_scale: float = 1.0
    guest_share: float = 0.2
    cancel_rate: float = 0.03
    return_rate: float = 0.05
    partial_receipt_rate: float = 0.15
    short_shipment_rate: float = 0.03
    launch_share: float = 0.05
    discontinue_share: float = 0.04
    cover_days: int = 60
    fx_lead_days: int = 10
    warehouse: str = "WH-MAIN"

    def __post_init__(self) -> None:
        _check_range("n_days", self.n_days, 120, 3650)
        _check_range("n_skus", self.n_skus, 20, 2000)
        _check_range("n_customers", self.n_customers, 100, 1_000_000)
        _check_range("cover_days", self.cover_days, 7, 365)
        _check_range("fx_lead_days", self.fx_lead_days, 0, 60)
        if not self.demand_scale > 0:
            raise DataValidationError(
                f"demand_scale must be > 0; received {self.demand_scale}"
            )
        for name in _SHARES:
            _check_range(name, getattr(self, name), 0.0, 0.5)

    @property
    def end(self) -> dt.date:
        """Last simulated day."""
        return self.start + dt.timedelta(days=self.n_days - 1)

    def to_dict(self) -> dict[str, object]:
        """Return the parameters as JSON-ready values (dates as ISO strings)."""
        values = dataclasses.asdict(self)
        values["start"] = self.start.isoformat()
        return values


def _check_range(name: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        raise DataValidationError(
            f"{name} must be between {low} and {high}; received {value}"
        )
