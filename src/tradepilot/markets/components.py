"""The components of the market-entry score and the signal each one reads."""

from __future__ import annotations

COMPONENTS = ("demand", "growth", "peers", "margin", "delivery", "burden", "returns")
"""Score components, in the order of the output columns."""

SIGNAL_COLUMNS = (
    "country",
    "revenue_base",
    "growth",
    "peer_revenue_base",
    "margin_rate",
    "delivery_days",
    "burden",
    "burden_note",
    "return_rate",
)
"""Columns :func:`~tradepilot.markets.scoring.score_markets` requires in its signals frame."""

SIGNAL_OF = {
    "demand": "revenue_base",
    "growth": "growth",
    "peers": "peer_revenue_base",
    "margin": "margin_rate",
    "delivery": "delivery_days",
    "burden": "burden",
    "returns": "return_rate",
}
"""Signal column each component is computed from."""
