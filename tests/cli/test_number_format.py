"""CLI tables write numbers as the pages do: separators, whole units, no -0.00."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from typer.testing import CliRunner

from tradepilot.cli.main import app
from tradepilot.cli.output import rows_table

HEADER = (
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"
)


def rendered(table) -> str:
    console = Console(record=True, width=200)
    console.print(table)
    return console.export_text()


def test_a_table_writes_units_whole_rates_as_percent_and_no_negative_zero():
    rows = [{"id": 12345, "policy": "tradepilot", "fill_rate": 0.9712,
             "stockout_days": 1041, "lost_units": 3738.0, "total_cost": -0.001,
             "unit_price": 1999.5, "price_currency": "JPY"}]  # fmt: skip

    text = rendered(
        rows_table(
            "Simulation",
            rows,
            [
                "id",
                "policy",
                "fill_rate",
                "stockout_days",
                "lost_units",
                "total_cost",
                "unit_price",
            ],  # fmt: skip
            units=("lost_units",),
            percents=("fill_rate",),
            currency="EUR",
            currency_columns={"unit_price": "price_currency"},
        )
    )
    cells = text.splitlines()[-2].strip("│ ").split("│")

    assert [c.strip() for c in cells] == [
        "12345",
        "tradepilot",
        "97.1%",
        "1,041",
        "3,738",
        "0.00",
        "2,000",
    ]


def test_status_writes_revenue_with_separators_and_two_decimals(tmp_path: Path):
    orders = tmp_path / "orders.csv"
    orders.write_text(f"{HEADER}\n1,A,x,5017,2010-12-01 08:26:00,1000,1.0,France\n")
    home = str(tmp_path / "ws")
    runner = CliRunner()
    runner.invoke(app, ["init", "-w", home, "--base-currency", "GBP"])
    runner.invoke(app, ["import", "online-retail", str(orders), "-w", home])

    result = runner.invoke(app, ["status", "-w", home])

    assert result.exit_code == 0, result.stderr
    lines = {
        line.strip("│ ").split("│")[0].strip(): line.strip("│ ").split("│")[1].strip()
        for line in result.stdout.splitlines()
        if line.count("│") >= 2
    }
    assert lines["revenue base"] == "5,017,000.00"
    assert lines["orders"] == "1"
    assert lines["fx gaps"] == "-"
