"""Market entry: which countries to sell to next, scored from explainable signals.

:mod:`~tradepilot.markets.regions` groups countries by UN M49 sub-region and trade
neighbours; :mod:`~tradepilot.markets.scoring` turns per-country signals (own and
peer revenue, growth, margin, delivery time, tax burden, returns) into a ranked,
explained score. Both are pure: polars frames in, polars frames out.
"""

from tradepilot.markets.components import COMPONENTS, SIGNAL_COLUMNS
from tradepilot.markets.regions import neighbours_of, peer_pairs, peers_of, regions
from tradepilot.markets.scoring import (
    ScoreWeights,
    peer_revenue,
    score_markets,
)

__all__ = [
    "COMPONENTS",
    "SIGNAL_COLUMNS",
    "ScoreWeights",
    "neighbours_of",
    "peer_pairs",
    "peer_revenue",
    "peers_of",
    "regions",
    "score_markets",
]
