"""What a monitor raises: an :class:`Alert` with its money at stake and evidence."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from tradepilot.risk.config import RiskConfig

KINDS = (
    "stockout",
    "overstock",
    "demand_break",
    "margin_erosion",
    "rule_change",
    "supplier_delay",
    "concentration",
    "return_spike",
    "review_sentiment",
    "fx_move",
    "payment_discrepancy",
    "order_risk",
)
"""Stable alert kinds (the contract of ``alerts list --kind``)."""

STATUSES = ("open", "snoozed", "done", "closed")

MONEY_MEANS = {
    "stockout": "of margin lost",
    "overstock": "of cash tied up",
    "margin_erosion": "of yearly margin missing",
    "rule_change": "of yearly margin lost",
    "return_spike": "of a year's excess refunds",
    "order_risk": "of orders at risk",
}
"""What the money at stake of a kind is, in a few words (``docs/risk.md``); the
other kinds say "at stake"."""


@dataclass(frozen=True)
class Alert:
    """One condition a monitor found, in the seller's words and money.

    Attributes
    ----------
    kind : str
        One of :data:`KINDS`.
    subject : str
        What it is about: ``sku TP-0001``, ``country DE``, ``supplier X``...
    money_at_stake : float
        Base currency, by the formula of the kind (``docs/risk.md``).
    severity : str
        ``low``, ``medium`` or ``high`` (:func:`severity_of`).
    explanation : str
        One or two sentences a person understands.
    evidence : dict
        The numbers behind it and ``link``, the page that shows them.
    """

    kind: str
    subject: str
    money_at_stake: float
    severity: str
    explanation: str
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """``kind:subject``: what makes two runs' alerts the same alert."""
        return f"{self.kind}:{self.subject}"


def severity_of(money: float, config: RiskConfig) -> str:
    """``high`` from 10x ``min_money``, ``medium`` from 3x, else ``low``.

    >>> severity_of(1500.0, RiskConfig(min_money=100)), severity_of(350.0, RiskConfig())
    ('high', 'medium')
    """
    if money >= 10 * config.min_money:
        return "high"
    if money >= 3 * config.min_money:
        return "medium"
    return "low"


def make_alert(
    kind: str,
    subject: str,
    money: float,
    explanation: str,
    evidence: dict[str, Any],
    config: RiskConfig,
) -> Alert:
    """An :class:`Alert` with money rounded to cents and its severity."""
    money = round(max(money, 0.0), 2) if math.isfinite(money) else 0.0
    return Alert(
        kind, subject, money, severity_of(money, config), explanation, evidence
    )


@dataclass
class Raised:
    """The alerts of one ``kind`` a monitor raises.

    :meth:`add` keeps an alert whose money at stake reaches ``min_money`` (by
    default the config's) and builds it with :func:`make_alert`.

    >>> raised = Raised("fx_move", RiskConfig(min_money=100))
    >>> raised.add("currency USD", 250.0, "USD fell.", {})
    >>> raised.add("currency GBP", 40.0, "GBP rose.", {})
    >>> [(a.subject, a.severity) for a in raised.alerts]
    [('currency USD', 'low')]
    """

    kind: str
    config: RiskConfig
    min_money: float | None = None
    alerts: list[Alert] = field(default_factory=list)

    def add(
        self, subject: str, money: float, explanation: str, evidence: dict[str, Any]
    ) -> None:
        """Raise an alert about ``subject`` unless its money is below the floor."""
        floor = self.config.min_money if self.min_money is None else self.min_money
        if money >= floor:
            self.alerts.append(
                make_alert(self.kind, subject, money, explanation, evidence,
                           self.config)
            )  # fmt: skip


def rounded(value: float, digits: int = 2) -> float:
    """A number for evidence: rounded, ``-0.0`` made ``0.0``."""
    return round(value, digits) + 0.0
