"""Discrepancy decisions: resolved or ignored with a note, kept across runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradepilot.domain.errors import DataValidationError
from tradepilot.ingest.service import import_file
from tradepilot.payments.service import (
    decide_discrepancy,
    list_discrepancies,
    reconcile_payouts,
)

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def payments(engine):
    # Shopify Payments rows of orders #1005 and #1006, which the store lacks
    import_file(engine, fmt="shopify-payments",
                path=FIXTURES / "shopify_payments_transactions.csv")  # fmt: skip
    import_file(engine, fmt="bank", path=FIXTURES / "bank_statement.csv")
    return engine


def test_a_resolved_discrepancy_stays_resolved_and_leaves_the_open_ones(payments):
    # given two open discrepancies
    first = reconcile_payouts(payments)
    assert [d["order"] for d in first["discrepancies"]] == ["#1005", "#1006"]
    key = first["matched"]["open_ids"][0]
    # when the first is resolved with a note and the reconciliation runs again
    decided = decide_discrepancy(payments, key=key, note="test order, no payment")
    again = reconcile_payouts(payments)
    # then it is closed with its note, the other one is still open (same id)
    assert decided["status"] == "resolved"
    assert [d["order"] for d in again["discrepancies"]] == ["#1006"]
    assert again["matched"]["open_ids"] == first["matched"]["open_ids"][1:]
    assert again["matched"]["open_count"] == 1
    [closed] = again["matched"]["closed"]
    assert (closed["id"], closed["status"], closed["note"], closed["order"]) == (
        key, "resolved", "test order, no payment", "#1005",
    )  # fmt: skip
    listed = list_discrepancies(payments, include_closed=True)
    assert [(d["order"], d["status"]) for d in listed["data"]] == [
        ("#1006", "open"), ("#1005", "resolved"),
    ]  # fmt: skip
    # and taking it back reopens it
    decide_discrepancy(payments, key=key, status="open")
    assert len(reconcile_payouts(payments)["discrepancies"]) == 2


@pytest.mark.parametrize(
    ("key", "status", "note", "message"),
    [
        pytest.param("nope", "resolved", "x", "no discrepancy 'nope'", id="unknown"),
        pytest.param(None, "done", "x", "status 'done' is not one of", id="status"),
        pytest.param(None, "ignored", " ", "a note is required", id="no-note"),
    ],
)
def test_bad_decisions_are_refused_and_nothing_is_written(
    payments, key, status, note, message
):
    found = reconcile_payouts(payments)
    key = key or found["matched"]["open_ids"][0]
    with pytest.raises(DataValidationError, match=message):
        decide_discrepancy(payments, key=key, status=status, note=note)
    assert list_discrepancies(payments, include_closed=True)["closed"] == 0
