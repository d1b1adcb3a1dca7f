"""Payment imports: each provider's real layout, idempotence, undo, bad input."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from tradepilot.domain.errors import ImportFormatError
from tradepilot.ingest.service import import_file
from tradepilot.ingest.undo import undo_import
from tradepilot.payments.service import (
    bank_transactions,
    cash_balances,
    payment_transactions,
)

FIXTURES = Path(__file__).parent / "fixtures"
FILES = {
    "stripe": "stripe_payout_reconciliation.csv",
    "paypal": "paypal_activity.csv",
    "amazon-settlement": "amazon_settlement_v2.txt",
    "shopify-payments": "shopify_payments_transactions.csv",
    "bank": "bank_statement.csv",
}


@pytest.mark.parametrize(
    ("fmt", "kinds"),
    [
        pytest.param(
            "stripe", {"charge": 2, "refund": 1, "chargeback": 1}, id="stripe"
        ),
        pytest.param(
            "paypal",
            {"charge": 1, "conversion": 2, "refund": 1, "payout": 1, "memo": 1},
            id="paypal",
        ),
        pytest.param(
            "amazon-settlement",
            {"payout": 1, "charge": 2, "fee": 1, "reserve": 1},
            id="amazon-settlement",
        ),
        pytest.param(
            "shopify-payments",
            {"charge": 2, "refund": 1, "payout": 1},
            id="shopify-payments",
        ),
    ],
)
def test_each_provider_layout_is_stored_row_for_row(engine, fmt, kinds):
    # when the provider's file is imported
    report = import_file(engine, fmt=fmt, path=FIXTURES / FILES[fmt])
    # then every row is stored, with its kind
    assert report.rows_read == report.accepted == sum(kinds.values())
    assert report.quarantined == report.duplicates == 0
    assert report.data_quality["kinds"] == kinds
    stored = payment_transactions(engine)
    assert len(stored) == report.rows_read
    assert all(t["net"] == t["gross"] - t["fee"] for t in stored)


def test_stripe_amounts_fees_payouts_and_conversions_are_exact(engine):
    import_file(engine, fmt="stripe", path=FIXTURES / FILES["stripe"])
    rows = {t["external_id"]: t for t in payment_transactions(engine)}
    converted = rows["txn_1OaA02"]
    assert converted["gross"] == Decimal("48.21")
    assert converted["fee"] == Decimal("1.82")
    assert converted["original_amount"] == Decimal("52.00")
    assert converted["original_currency"] == "USD"
    assert converted["order_number"] == "1002"
    assert converted["payout_id"] == "po_1OcP01"
    assert converted["occurred_at"] == dt.datetime(
        2024, 3, 4, 18, 40, 11, tzinfo=dt.UTC
    )


def test_paypal_fees_are_positive_and_times_are_in_the_account_zone(engine):
    import_file(engine, fmt="paypal", path=FIXTURES / FILES["paypal"])
    rows = {t["external_id"]: t for t in payment_transactions(engine)}
    payment = rows["5TY05013RG002845M"]
    assert (payment["gross"], payment["fee"], payment["net"]) == (
        Decimal("45.99"),
        Decimal("1.62"),
        Decimal("44.37"),
    )
    # 10:15:02 CET is 09:15:02 UTC
    assert payment["occurred_at"] == dt.datetime(2024, 3, 4, 9, 15, 2, tzinfo=dt.UTC)
    assert rows["0KL12345AB678901C"]["reference"] == "5TY05013RG002845M"
    assert rows["3CD45678EF901234G"]["payout_id"] == "3CD45678EF901234G"


def test_amazon_settlement_summary_is_the_payout_and_rows_take_its_currency(engine):
    import_file(
        engine, fmt="amazon-settlement", path=FIXTURES / FILES["amazon-settlement"]
    )
    rows = payment_transactions(engine)
    payout = next(t for t in rows if t["kind"] == "payout")
    assert payout["gross"] == Decimal("-38.07")
    assert payout["payout_id"] == "11789456321"
    assert {t["currency"] for t in rows} == {"EUR"}
    fee = next(t for t in rows if t["kind"] == "fee")
    assert (fee["gross"], fee["fee"]) == (Decimal(0), Decimal("6.90"))
    # the items add up to the deposit
    assert sum(t["net"] for t in rows if t["kind"] != "payout") == Decimal("38.07")


def test_shopify_payout_is_the_sum_of_its_rows(engine):
    import_file(
        engine, fmt="shopify-payments", path=FIXTURES / FILES["shopify-payments"]
    )
    rows = payment_transactions(engine)
    payout = next(t for t in rows if t["kind"] == "payout")
    others = [t for t in rows if t["kind"] != "payout"]
    assert -payout["net"] == sum(t["net"] for t in others) == Decimal("105.85")
    gbp = next(t for t in rows if t["original_currency"] == "GBP")
    assert gbp["original_amount"] == Decimal("45.99")


def test_bank_statement_with_usual_headers_and_with_a_mapping(engine):
    import_file(engine, fmt="bank", path=FIXTURES / FILES["bank"])
    report = import_file(
        engine,
        fmt="bank",
        path=FIXTURES / "bank_statement_de.csv",
        mapping=FIXTURES / "bank_mapping_de.yaml",
    )
    assert report.accepted == 2
    lines = bank_transactions(engine)
    german = [b for b in lines if b["account"] == "DE-main"]
    assert [b["amount"] for b in german] == [Decimal("105.85"), Decimal("-850.00")]
    assert german[0]["date"] == dt.date(2024, 3, 9)
    balances = {
        (b["holder"], b["currency"]): b["amount"]
        for b in cash_balances(engine)["balances"]
    }
    assert balances[("bank:DE-main", "EUR")] == Decimal("-744.15")


def test_reimport_is_idempotent_and_undo_removes_the_run(engine):
    path = FIXTURES / FILES["paypal"]
    first = import_file(engine, fmt="paypal", path=path)
    again = import_file(engine, fmt="paypal", path=path)
    assert (again.accepted, again.duplicates) == (0, first.rows_read)
    assert len(payment_transactions(engine)) == first.rows_read
    result = undo_import(engine, run_id=first.import_run_id)
    assert result["removed"]["payment_transactions"] == first.rows_read
    assert payment_transactions(engine) == []


@pytest.mark.parametrize(
    ("fmt", "other", "named"),
    [
        pytest.param(
            "stripe", "paypal", "a PayPal activity download", id="paypal-as-stripe"
        ),
        pytest.param("paypal", "stripe", "a Stripe balance", id="stripe-as-paypal"),
        pytest.param(
            "shopify-payments",
            "amazon-settlement",
            "an Amazon settlement",
            id="amazon-as-shopify",
        ),
        pytest.param(
            "amazon-settlement",
            "shopify-payments",
            "a Shopify Payments",
            id="shopify-as-amazon",
        ),
    ],
)
def test_a_file_of_another_provider_is_refused_naming_both(engine, fmt, other, named):
    with pytest.raises(ImportFormatError) as caught:
        import_file(engine, fmt=fmt, path=FIXTURES / FILES[other])
    message = str(caught.value)
    assert f"looks like {named}" in message
    assert f"tradepilot import {other}" in message
    assert "found:" in message
    assert payment_transactions(engine) == []


def test_unknown_currency_and_bad_amounts_are_quarantined_with_reasons(
    engine, tmp_path
):
    source = (FIXTURES / FILES["shopify-payments"]).read_text().splitlines()
    bad = tmp_path / "shopify.csv"
    rows = [
        source[0],
        source[1].replace(",EUR,EUR", ",EUR,XYZ"),
        source[2].replace("1.27", "x"),
    ]
    bad.write_text("\n".join(rows) + "\n")
    report = import_file(engine, fmt="shopify-payments", path=bad)
    assert (report.accepted, report.quarantined) == (0, 2)
    assert set(report.quarantine_reasons) == {
        "Currency 'XYZ' is not an ISO 4217 currency code",
        "Amount, Fee or Net is not a number ('53.61', 'x', '52.34')",
    }


def test_a_bank_file_without_date_or_amount_asks_for_a_mapping(engine, tmp_path):
    odd = tmp_path / "odd.csv"
    odd.write_text("When,How much\n2024-01-02,5\n")
    with pytest.raises(ImportFormatError, match="--mapping"):
        import_file(engine, fmt="bank", path=odd)


def _lines(engine):
    return [
        (b["date"], b["amount"], b["currency"], b["counterparty"], b["description"],
         b["reference"])
        for b in bank_transactions(engine)
    ]  # fmt: skip


def test_a_camt053_statement_gives_the_same_bank_lines_as_the_csv(engine, tmp_path):
    # given the same statement as CAMT.053 XML (plus a pending entry) and as CSV
    from tradepilot.config import Settings
    from tradepilot.workspace import init_workspace

    other = init_workspace(Settings(home=tmp_path / "csv", database_url=None))
    import_file(other, fmt="bank", path=FIXTURES / "bank_statement.csv")
    # when the XML is imported as a bank statement
    report = import_file(
        engine, fmt="bank", path=FIXTURES / "bank_statement_camt053.xml"
    )
    # then its booked entries are the CSV's lines; the pending one is quarantined
    assert (report.rows_read, report.accepted, report.quarantined) == (5, 4, 1)
    assert report.quarantine_reasons == {"entry status 'PDNG' is not BOOK (booked)": 1}
    assert _lines(engine) == _lines(other)
    assert _lines(engine)[1][1] == Decimal("-850.00")
    other.dispose()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("<Document><BkToCstmrStmt>", "not well-formed XML", id="broken"),
        pytest.param('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x/>',
                     "DOCTYPE is refused", id="doctype"),
        pytest.param("<Document><pain.001/></Document>",
                     "not a CAMT.053 bank statement", id="other-xml"),
    ],
)  # fmt: skip
def test_bad_camt_files_are_refused_and_nothing_is_written(
    engine, tmp_path, text, message
):
    path = tmp_path / "statement.xml"
    path.write_text(text)
    with pytest.raises(ImportFormatError, match=message):
        import_file(engine, fmt="bank", path=path)
    assert bank_transactions(engine) == []
