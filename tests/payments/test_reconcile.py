"""Reconciliation: the matcher's tolerances on hand-made records, and the demo's
injected discrepancies found in the store (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal

import pytest
from tests.simstore import import_store

from tradepilot.demo import PAYMENT_IMPORTS
from tradepilot.ingest.service import import_file
from tradepilot.payments.config import PaymentsConfig
from tradepilot.payments.model import BankTxn, OrderTotal, PaymentTxn
from tradepilot.payments.rates import MidRates
from tradepilot.payments.reconcile import report
from tradepilot.payments.service import fx_exposure, reconcile_payouts

DAY = dt.datetime(2024, 3, 4, 10, 0, tzinfo=dt.UTC)
RATES = MidRates(
    [("USD", dt.date(2024, 3, 1), 1.08), ("GBP", dt.date(2024, 3, 1), 0.85)]
)


def order(number="#1001", amount="50.00", *, country="DE", currency="EUR",
          refunded="0", at=DAY, source="shopify"):  # fmt: skip
    return OrderTotal(source, number, country, currency, at - dt.timedelta(hours=1),
                      Decimal(amount), Decimal(refunded))  # fmt: skip


_ids = iter(range(1, 10_000))


def txn(kind="charge", amount="50.00", *, order_ref="#1001", fee="0", at=DAY,
        provider="shopify-payments", currency="EUR", payout=None, **extra):  # fmt: skip
    gross, paid = Decimal(amount), Decimal(fee)
    return PaymentTxn(next(_ids), provider, kind, kind, at, currency, gross, paid,
                      gross - paid, order_ref=order_ref, payout_id=payout, **extra)  # fmt: skip


def bank(amount, day, text="SHOPIFY PAYOUT", currency="EUR"):
    return BankTxn(next(_ids), "main", day, Decimal(amount), currency, description=text)


def kinds(txns, orders=(), lines=(), **config):
    found = report(list(txns), list(lines), list(orders), base="EUR", rates=RATES,
                   config=PaymentsConfig(**config))  # fmt: skip
    return [(d["kind"], d["order"] or d["payout"], d["amount"]) for d in found["discrepancies"]], found  # fmt: skip


def test_an_exact_id_match_reports_nothing():
    found, result = kinds([txn(order_ref="1001", fee="1.20")], [order()])
    assert found == []
    assert result["matched"]["orders"] == {"by_id": 1, "by_window": 0, "unmatched": 0}


@pytest.mark.parametrize(
    ("paid", "expected"),
    [
        pytest.param("49.99", [], id="a-cent-short-is-within-tolerance"),
        pytest.param(
            "49.98", [("amount_differs", "#1001", -0.02)], id="two-cents-short"
        ),
        pytest.param("45.00", [("amount_differs", "#1001", -5.0)], id="short-payment"),
    ],
)
def test_amounts_are_equal_within_the_tolerance(paid, expected):
    found, _ = kinds([txn(amount=paid)], [order()])
    assert found == expected


@pytest.mark.parametrize(
    ("country", "paid", "expected"),
    [
        pytest.param("US", "53.50", [], id="us-sales-tax-added-at-checkout"),
        pytest.param(
            "US", "57.52", [("amount_differs", "#1001", 7.52)], id="us-beyond-15pct"
        ),
        pytest.param(
            "DE",
            "53.50",
            [("amount_differs", "#1001", 3.5)],
            id="de-prices-include-vat",
        ),
    ],
)
def test_checkout_tax_is_allowed_only_where_prices_exclude_it(country, paid, expected):
    found, _ = kinds([txn(amount=paid)], [order(country=country)])
    assert found == expected


@pytest.mark.parametrize(
    ("hours", "matched"),
    [
        pytest.param(2, True, id="paid-an-hour-after-the-order"),
        pytest.param(24 * 3, True, id="three-days-after"),
        pytest.param(24 * 4 + 2, False, id="beyond-the-3-day-window"),
    ],
)
def test_a_charge_without_order_id_matches_by_amount_and_date_window(hours, matched):
    late = DAY + dt.timedelta(hours=hours) - dt.timedelta(hours=1)
    found, result = kinds([txn(order_ref=None, at=late)], [order()])
    assert result["matched"]["orders"]["by_window"] == int(matched)
    assert found == ([] if matched else [("payment_without_order", None, 50.0)])


def test_a_duplicate_charge_is_reported_once_and_not_as_an_amount_difference():
    charges = [txn(), txn(at=DAY + dt.timedelta(minutes=3), external_id="second")]
    found, _ = kinds(charges, [order()])
    assert found == [("duplicate_charge", "#1001", 50.0)]


def test_refunds_paid_but_not_recorded_and_recorded_but_not_paid():
    found, _ = kinds([txn(), txn("refund", "-15.00")], [order()])
    assert found == [("refund_not_recorded", "#1001", 15.0)]
    found, _ = kinds([txn()], [order(refunded="15.00")])
    assert found == [("refund_not_paid", "#1001", -15.0)]


def test_fees_above_the_schedule_are_reported_with_the_excess():
    # Shopify Payments' default ceiling: 2.9% + EUR 0.30 -> 1.75 on 50.00
    assert kinds([txn(fee="1.75")], [order()])[0] == []
    found, _ = kinds([txn(fee="2.50")], [order()])
    assert found == [("fee_above_schedule", "#1001", 0.75)]


def test_an_order_without_payment_inside_the_covered_period_is_unpaid():
    later = DAY + dt.timedelta(days=30)
    paid = [
        txn(order_ref="#1002", at=DAY - dt.timedelta(days=20)),
        txn(order_ref="#1003", at=later),
    ]
    orders = [order("#1001"), order("#1002", at=DAY - dt.timedelta(days=20)),
              order("#1003", at=later), order("#1004", at=later)]  # fmt: skip
    found, _ = kinds(paid, orders)
    # 1004 is younger than the 14-day grace at the end of the payment data
    assert found == [("order_not_paid", "#1001", 50.0)]


@pytest.mark.parametrize(
    ("lag_days", "text", "how"),
    [
        pytest.param(1, "SHOPIFY PAYOUT 80000001", "by_reference", id="id-in-text"),
        pytest.param(5, "SHOPIFY PAYOUT", "by_window", id="five-days-later"),
        pytest.param(6, "SHOPIFY PAYOUT", None, id="beyond-the-window"),
    ],
)
def test_payouts_match_the_bank_by_reference_then_window(lag_days, text, how):
    payout = txn("payout", "-100.00", order_ref=None, payout="80000001")
    day = DAY.date() + dt.timedelta(days=lag_days)
    lines = [
        bank("-5.00", DAY.date() - dt.timedelta(days=10), "rent"),
        bank("100.00", day, text),
        bank("-5.00", DAY.date() + dt.timedelta(days=30), "rent"),
    ]
    found, result = kinds([payout], lines=lines)
    if how is None:
        assert found == [("payout_missing_from_bank", "80000001", 100.0)]
    else:
        assert result["matched"]["payouts"][how] == 1
        assert found == []


def test_a_payout_credited_twice_is_reported_with_both_bank_lines():
    payout = txn("payout", "-100.00", order_ref=None, payout="80000001")
    lines = [bank("100.00", DAY.date() + dt.timedelta(days=1)),
             bank("100.00", DAY.date() + dt.timedelta(days=3))]  # fmt: skip
    found, result = kinds([payout], lines=lines)
    assert found == [("payout_paid_twice", "80000001", 100.0)]
    assert [e["source"] for e in result["discrepancies"][0]["evidence"]] == [
        "shopify-payments", "bank", "bank",
    ]  # fmt: skip


def test_a_converted_payout_matches_within_the_fx_tolerance_and_its_spread_is_paid():
    # 100 GBP at the mid rate 0.85 GBP/EUR is 117.65 EUR; the bank got 115.88 (1.5% less)
    payout = txn("payout", "-100.00", order_ref=None, currency="GBP",
                 provider="amazon-settlement", payout="13000000001")  # fmt: skip
    lines = [
        bank("115.88", DAY.date() + dt.timedelta(days=1), "AMAZON PAYMENTS EUROPE")
    ]
    found, result = kinds([payout], lines=lines)
    assert found == []
    assert result["matched"]["payouts"]["by_fx_window"] == 1
    assert result["fx_spread_cost_base"] == pytest.approx(1.77, abs=0.01)
    spread = result["matched"]["fx_spreads"]["amazon-settlement"]["average_spread"]
    assert spread == pytest.approx(0.015, abs=0.0005)


AMAZON_RATES = MidRates(
    [("AUD", dt.date(2024, 2, 29), 1.6181), ("PLN", dt.date(2024, 2, 29), 4.4712),
     ("SEK", dt.date(2024, 2, 29), 11.6389)]
)  # fmt: skip
# the demo store's settlements of 2024-02-29: at mid less 1.5%, the AUD payout's
# nearest bank line is the PLN payout's, and the PLN's is the SEK's
SETTLEMENTS = [("13000000024", "256.34", "AUD", "156.04"),
               ("13000000029", "729.17", "PLN", "160.64"),
               ("13000000030", "1994.95", "SEK", "168.83")]  # fmt: skip


def settlements(named):
    at = dt.datetime(2024, 2, 29, tzinfo=dt.UTC)
    payouts = [txn("payout", f"-{amount}", order_ref=None, currency=ccy, at=at,
                   provider="amazon-settlement", payout=ident)
               for ident, amount, ccy, _ in SETTLEMENTS]  # fmt: skip
    lines = [bank(eur, dt.date(2024, 3, 1),
                  f"AMAZON SETTLEMENT {ident if named else ''}")
             for ident, _, _, eur in SETTLEMENTS]  # fmt: skip
    return payouts, lines


@pytest.mark.parametrize("named", [True, False], ids=["id-in-text", "no-id"])
def test_converted_payouts_of_one_day_each_get_their_own_bank_line(named):
    # given three settlements in three currencies converted to EUR the same day
    payouts, lines = settlements(named)
    # when they are reconciled
    found = report(payouts, lines, [], base="EUR", rates=AMAZON_RATES,
                   config=PaymentsConfig())  # fmt: skip
    # then each matches its own line (no payout_missing_from_bank) at a 1.5% spread
    assert found["discrepancies"] == []
    how = found["matched"]["payouts"]
    assert (how["by_fx_reference"], how["by_fx_window"]) == (
        (3, 0) if named else (0, 3)
    )
    spread = found["matched"]["fx_spreads"]["amazon-settlement"]["average_spread"]
    assert spread == pytest.approx(0.015, abs=0.0005)


def test_a_currency_without_rates_is_a_note_not_an_error():
    found, result = kinds([txn(currency="XAU", order_ref=None, amount="1.00")])
    assert result["discrepancies"][0]["amount_base"] is None
    assert any("no ECB rate for XAU" in note for note in result["matched"]["notes"])


@pytest.fixture
def demo_engine(engine, sim_files):
    import_store(engine, sim_files)
    for key, fmt in PAYMENT_IMPORTS:
        import_file(engine, fmt=fmt, path=sim_files[key])
    return engine


def test_the_demo_store_s_injected_discrepancies_are_all_found(demo_engine, sim_files):
    # given the small simulated store with its payment files imported
    with sim_files["truth_payments"].open(encoding="utf-8") as handle:
        truth = {(t["kind"], t["order"] or t["payout"]) for t in csv.DictReader(handle)}
    # when it is reconciled
    result = reconcile_payouts(demo_engine)
    found = {(d["kind"], d["order"] or d["payout"]) for d in result["discrepancies"]}
    # then every injected discrepancy is found, and nothing else
    assert len(truth) == 6
    assert found == truth
    assert set(result) == {
        "payouts", "matched", "discrepancies", "fees_base", "fx_spread_cost_base",
    }  # fmt: skip
    for d in result["discrepancies"]:
        assert set(d) == {"kind", "provider", "order", "payout", "amount", "currency",
                          "amount_base", "evidence", "action"}  # fmt: skip
        assert d["evidence"]
        assert d["action"]
    payouts = result["payouts"]
    unmatched = result["matched"]["payouts"]["unmatched"]
    assert payouts["matched_to_bank"] + unmatched == payouts["count"]
    spreads = result["matched"]["fx_spreads"]
    assert spreads["paypal"]["average_spread"] == pytest.approx(0.035, abs=0.001)
    assert spreads["shopify-payments"]["average_spread"] == pytest.approx(
        0.015, abs=0.001
    )


def test_fx_exposure_of_the_demo_store(demo_engine):
    result = fx_exposure(demo_engine)
    rows = {r["currency"]: r for r in result["currencies"]}
    assert rows["EUR"]["move_5pct_cash_base"] == 0.0
    usd = rows["USD"]
    assert usd["move_5pct_margin_base"] == pytest.approx(
        0.05 * usd["sales_12m_base"], abs=0.01
    )
    cheapest = result["cheapest"]
    assert cheapest["provider"] in {"shopify-payments", "amazon-settlement"}
    assert cheapest["saving_base"] > 0
