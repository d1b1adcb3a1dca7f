"""The grounding check: numbers in an answer that no fact holds are listed."""

from __future__ import annotations

import pytest

from tradepilot.llm.grounding import unsupported_numbers

FACTS = [
    {
        "revenue": 12345.678,
        "margin_rate": 0.2361,
        "order_number": "#1001",
        "day": "2025-08-28T00:00:00",
        "units": 98,
        "refund_amount": "49.90 EUR",
    }
]


@pytest.mark.parametrize(
    ("answer", "unsupported"),
    [
        pytest.param("Revenue 12,345.68 EUR.", [], id="thousands-and-rounding"),
        pytest.param("Umsatz 12.345,68 EUR.", [], id="german-separators"),
        pytest.param("Margin rate 23.6%.", [], id="share-as-percent"),
        pytest.param("Order #1001 of 28.08.2025.", [], id="code-and-dmy-date"),
        pytest.param("1. TP-1: 98 units", ["TP-1"], id="list-marker-is-not-a-number"),
        pytest.param("Refund 49.90 EUR.", [], id="amount-in-text"),
        pytest.param("Revenue 4,217.35 EUR.", ["4,217.35"], id="made-up-amount"),
        pytest.param(
            "Order #1002 ships 2025-08-29.",
            ["#1002", "2025-08-29"],
            id="made-up-code-and-date",
        ),  # fmt: skip
        pytest.param("Revenue 12,340 EUR.", ["12,340"], id="wrong-value"),
        pytest.param("99 units, 99 units", ["99"], id="listed-once"),
    ],
)
def test_unsupported_numbers(answer: str, unsupported: list[str]) -> None:
    assert unsupported_numbers(answer, FACTS) == unsupported
