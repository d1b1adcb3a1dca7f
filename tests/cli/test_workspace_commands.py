from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
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


def test_init_records_the_origin_and_cost_ratio_the_seller_chose(tmp_path: Path):
    home = tmp_path / "ws"

    result = invoke("init", "-w", str(home), "--origin", "cn", "--cost-ratio", "0.35",
                    "--json")  # fmt: skip
    trade = tomllib.loads((home / "trade.toml").read_text())
    purchasing = tomllib.loads((home / "purchasing.toml").read_text())
    again = invoke("init", "-w", str(home), "--cost-ratio", "30%", "--json")

    assert (result["origin"], result["cost_ratio"]) == ("CN", 0.35)
    assert result["not_chosen"] == []
    assert trade == {"origin": "CN", "default_cost_share": 0.35}
    assert purchasing == {"default_cost_share": 0.35}
    assert (again["origin"], again["cost_ratio"]) == ("CN", 0.3)


def test_init_without_choices_says_which_defaults_stand(tmp_path: Path):
    home = tmp_path / "ws"

    found = invoke("init", "-w", str(home), "--json")
    text = invoke("init", "-w", str(home))

    assert (found["origin"], found["cost_ratio"]) == ("DE", 0.4)
    assert len(found["not_chosen"]) == 2
    assert not (home / "trade.toml").exists()
    assert "Not chosen yet: --origin (goods ship from DE" in text
    assert "Not chosen yet: --cost-ratio" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--origin", "XQ"], "'XQ' is not an ISO 3166-1 country code",
                     id="unknown-origin"),
        pytest.param(["--cost-ratio", "150%"], "between 0 and 1", id="over-100-percent"),
        pytest.param(["--cost-ratio", "lots"], "received 'lots'", id="not-a-number"),
        pytest.param(["--cost-ratio", "0"], "between 0 and 1", id="zero"),
    ],
)  # fmt: skip
def test_init_refuses_a_bad_choice_before_creating_anything(tmp_path, args, message):
    home = tmp_path / "ws"

    result = CliRunner().invoke(app, ["init", "-w", str(home), *args])

    assert result.exit_code == 1
    assert message in result.stderr
    assert not home.exists()
