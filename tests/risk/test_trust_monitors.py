import datetime as dt

import polars as pl
import pytest

from tradepilot.risk.config import RiskConfig
from tradepilot.risk.trust_monitors import payment_discrepancies, review_sentiments

CONFIG = RiskConfig(min_money=50)
TODAY = dt.date(2025, 3, 2)


def _found(kind: str = "amount_differs", **extra):
    return {
        "kind": kind, "provider": "shopify-payments", "order": "#1001",
        "payout": None, "amount": -12.5, "currency": "USD", "amount_base": -11.4,
        "evidence": [{"id": "ch_1"}], "action": "Ask the provider.",
    } | extra  # fmt: skip


def test_an_open_discrepancy_is_an_alert_with_its_amount_in_base():
    alerts = payment_discrepancies([_found()], base="EUR", config=CONFIG)

    assert [(a.kind, a.subject, a.money_at_stake) for a in alerts] == [
        ("payment_discrepancy", "shopify-payments order #1001", 11.4)
    ]
    evidence = alerts[0].evidence
    assert evidence["discrepancies"][0]["rows"] == [{"id": "ch_1"}]
    assert evidence["link"] == "/money"
    assert "Ask the provider." in alerts[0].explanation


@pytest.mark.parametrize("status", ["resolved", "ignored"])
def test_resolved_or_ignored_discrepancies_are_skipped(status):
    found = [_found(status=status), _found(status="open", order="#1002")]

    alerts = payment_discrepancies(found, base="EUR", config=CONFIG)

    assert [a.subject for a in alerts] == ["shopify-payments order #1002"]


def test_discrepancies_of_one_payout_are_one_alert_and_a_missing_rate_says_so():
    found = [
        _found("payout_missing_from_bank", order=None, payout="po_9", amount=300.0,
               currency="EUR", amount_base=None),
        _found("payout_paid_twice", order=None, payout="po_9", amount=20.0,
               currency="GBP", amount_base=None),
    ]  # fmt: skip

    (alert,) = payment_discrepancies(found, base="EUR", config=CONFIG)

    assert alert.subject == "shopify-payments payout po_9"
    assert alert.money_at_stake == 300.0  # the GBP one has no rate: not counted
    assert len(alert.evidence["discrepancies"]) == 2
    assert "1 without an FX rate to EUR" in alert.explanation


def test_discrepancies_below_the_money_threshold_are_left_out():
    config = RiskConfig(discrepancy_min_money=20.0)

    assert payment_discrepancies([_found()], base="EUR", config=config) == []


def _reviews(sku: str, history: tuple[int, int], recent: tuple[int, int]):
    """``history`` / ``recent``: (reviews, negative ones) before / in the window."""
    rows = []
    for (n, neg), first in ((history, 200), (recent, 20)):
        for i in range(n):
            rows.append((sku, TODAY - dt.timedelta(days=first - i % 19), i < neg))
    return pl.DataFrame(
        rows, schema={"sku": pl.String, "day": pl.Date, "negative": pl.Boolean},
        orient="row",
    )  # fmt: skip


SOLD = pl.DataFrame(
    {"sku": ["A", "B"], "day": [TODAY - dt.timedelta(days=10)] * 2,
     "units": [200.0, 200.0]}
)  # fmt: skip


def test_a_jump_in_negative_reviews_is_a_sentiment_alert_with_its_money():
    reviews = _reviews("A", history=(40, 4), recent=(10, 6))

    alerts = review_sentiments(reviews, SOLD, {"A": 5.0}, today=TODAY, config=CONFIG)

    assert [(a.kind, a.subject) for a in alerts] == [("review_sentiment", "sku A")]
    evidence = alerts[0].evidence
    assert (evidence["recent_negative_share"], evidence["baseline_negative_share"]) == (
        0.6,
        0.1,
    )
    assert evidence["baseline"] == "sku"
    assert evidence["p_value"] < 0.01
    # (60% - 10%) x 200 units of the last quarter x 5.00 a unit
    assert alerts[0].money_at_stake == 500.0


@pytest.mark.parametrize(
    ("history", "recent"),
    [((40, 4), (10, 1)), ((40, 4), (4, 4)), ((40, 16), (10, 6))],
    ids=["usual-share", "too-few-recent", "not-significant"],
)
def test_no_alert_without_a_significant_rise(history, recent):
    reviews = _reviews("A", history=history, recent=recent)

    alerts = review_sentiments(reviews, SOLD, {"A": 5.0}, today=TODAY, config=CONFIG)

    assert alerts == []


def test_a_sku_without_history_is_compared_with_the_store():
    reviews = pl.concat(
        [_reviews("A", history=(60, 6), recent=(0, 0)),
         _reviews("B", history=(2, 0), recent=(8, 6))]
    )  # fmt: skip

    alerts = review_sentiments(
        reviews, SOLD, {"A": 5.0, "B": 5.0}, today=TODAY, config=CONFIG
    )

    assert [a.subject for a in alerts] == ["sku B"]
    assert alerts[0].evidence["baseline"] == "store"
    assert alerts[0].evidence["baseline_negative_share"] == pytest.approx(6 / 62, 1e-3)
