from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tradepilot.cli.main import app

HEADER = (
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"
)
ECB = "Date,USD,GBP,\n2010-12-01,1.3,0.84,\n"


def invoke(*args: str):
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout) if "--json" in args else result.stdout


def test_status_reports_counts_range_and_revenue_in_base_currency(tmp_path: Path):
    home = str(tmp_path / "ws")
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "\n".join(
            [
                HEADER,
                "1,A,x,2,2010-12-01 08:26:00,2.50,1.0,France",
                "2,B,y,1,2010-12-01 09:00:00,10,2.0,EIRE",
                "C3,A,x,-1,2010-12-01 10:00:00,2.50,1.0,France",
            ]
        )
    )
    rates = tmp_path / "eurofxref-hist.csv"
    rates.write_text(ECB)

    invoke("init", "-w", home, "--base-currency", "EUR", "--json")
    imported = invoke("import", "online-retail", str(orders), "-w", home, "--json")
    before_fx = invoke("status", "-w", home, "--json")
    invoke("fx", "import", str(rates), "-w", home, "--json")
    status = invoke("status", "-w", home, "--json")

    assert {
        k: imported[k]
        for k in ("rows_read", "accepted", "quarantined", "duplicates", "orders")
    } == {
        "rows_read": 3,
        "accepted": 3,
        "quarantined": 0,
        "duplicates": 0,
        "orders": 3,
    }
    assert (imported["date_min"], imported["date_max"]) == (
        "2010-12-01T08:26:00+00:00",
        "2010-12-01T10:00:00+00:00",
    )
    assert before_fx["revenue_base"] is None
    assert before_fx["fx_gaps"] == [
        {
            "currency": "GBP",
            "first_date": "2010-12-01",
            "last_date": "2010-12-01",
            "days": 1,
        }
    ]
    assert {
        k: status[k]
        for k in ("orders", "all_orders", "order_lines", "customers", "products")
    } == {
        "orders": 2,  # sale orders; the cancellation C3 is not an order
        "all_orders": 3,
        "order_lines": 3,
        "customers": 2,
        "products": 2,
    }
    assert status["countries"] == ["FR", "IE"]
    assert status["base_currency"] == "EUR"
    # 2*2.50 + 10 - 2.50 = 12.50 GBP at 0.84 GBP per EUR
    assert status["revenue_base"] == round(12.5 / 0.84, 2)


def test_base_currency_defaults_to_the_dominant_currency(tmp_path: Path):
    home = str(tmp_path / "ws")
    orders = tmp_path / "orders.csv"
    orders.write_text(f"{HEADER}\n1,A,x,2,2010-12-01 08:26:00,2.50,1.0,France\n")

    invoke("init", "-w", home)
    invoke("import", "online-retail", str(orders), "-w", home, "--json")

    assert invoke("status", "-w", home, "--json")["base_currency"] == "GBP"
