"""The payment and review monitors read through their services and run in
``evaluate``; absent data is a note."""

import datetime as dt

import polars as pl

from tradepilot.risk.config import RiskConfig
from tradepilot.risk.inputs import (
    RiskInputs,
    _dates,
    _read_discrepancies,
    _read_reviews,
)
from tradepilot.risk.monitors import evaluate

TODAY = dt.date(2025, 3, 2)
CONFIG = RiskConfig(min_money=50)


def _inputs(**parts) -> RiskInputs:
    days = [TODAY - dt.timedelta(days=i) for i in range(60)]
    lines = pl.DataFrame(
        {"day": days, "sku": ["A"] * 60, "country": ["DE"] * 60,
         "currency": ["EUR"] * 60, "units": [4.0] * 60, "amount": [40.0] * 60,
         "returned": [False] * 60}
    )  # fmt: skip
    products = pl.DataFrame({"sku": ["A"], "supplier": [None]}, schema_overrides={
        "supplier": pl.String})  # fmt: skip
    return RiskInputs(TODAY, "EUR", lines, _dates(pl.DataFrame()), products, **parts)


def _reviews() -> pl.DataFrame:
    days = [TODAY - dt.timedelta(days=100 + i) for i in range(30)]
    days += [TODAY - dt.timedelta(days=i) for i in range(8)]
    return pl.DataFrame(
        {"sku": ["A"] * 38, "day": days, "negative": [i < 3 for i in range(30)]
         + [True] * 7 + [False]}
    )  # fmt: skip


def test_without_reviews_or_payments_the_two_monitors_are_notes():
    alerts, notes = evaluate(_inputs(), CONFIG)

    assert {a.kind for a in alerts} <= {"demand_break", "return_spike"}
    assert "review_sentiment: skipped, no data" in notes
    assert "payment_discrepancy: skipped, no data" in notes
    assert not any("not monitored yet" in n for n in notes)


def test_reviews_and_discrepancies_raise_their_alerts_in_a_run():
    found = {"kind": "duplicate_charge", "provider": "paypal", "order": "#7",
             "payout": None, "amount": 20.0, "currency": "EUR", "amount_base": 20.0,
             "evidence": [], "action": "Refund the second charge."}  # fmt: skip
    inputs = _inputs(reviews=_reviews(), discrepancies=[found])

    alerts, notes = evaluate(inputs, CONFIG)

    raised = {(a.kind, a.subject) for a in alerts}
    assert ("review_sentiment", "sku A") in raised
    assert ("payment_discrepancy", "paypal order #7") in raised
    assert not any(n.startswith(("review_sentiment", "payment_discrepancy"))
                   for n in notes)  # fmt: skip


def test_an_empty_store_has_no_reviews_and_no_discrepancies(engine, tmp_path):
    inputs = _inputs()

    _read_discrepancies(engine, tmp_path, inputs)
    _read_reviews(engine, inputs)

    assert (inputs.discrepancies, inputs.reviews) == (None, None)
