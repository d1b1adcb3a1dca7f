"""TradePilot: operations co-pilot for a solo cross-border seller."""

__version__ = "0.1.0"
