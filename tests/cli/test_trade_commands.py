"""``tradepilot landed-cost|margins|markets score|lanes best|rules impact`` end to
end on a SQLite workspace holding the small simulated store."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.simstore import import_store
from typer.testing import CliRunner

from tradepilot.cli.main import app
from tradepilot.config import Settings
from tradepilot.ingest.service import import_file
from tradepilot.logistics.impact import example_path
from tradepilot.workspace import init_workspace, open_store


def invoke(*args: str) -> dict:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def refused(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code != 0
    assert "Traceback" not in result.stdout + result.stderr
    return result.stderr


@pytest.fixture(scope="module")
def home(tmp_path_factory, sim_files) -> Path:
    home = tmp_path_factory.mktemp("trade") / "ws"
    engine = init_workspace(Settings(home=home, database_url=None), base_currency="EUR")
    import_store(engine, sim_files)
    engine.dispose()
    return home


def test_landed_cost_of_a_parcel_has_the_contract_fields(home: Path) -> None:
    found = invoke(
        "landed-cost", "--value", "200", "--currency", "USD", "--country", "US",
        "--weight-kg", "1.5", "--hs", "610910", "--date", "2025-08-28",
        "-w", str(home), "--json",
    )  # fmt: skip

    assert {"duty", "vat", "fees", "shipping", "fx", "landed_cost", "currency",
            "rules"} <= set(found)  # fmt: skip
    assert found["currency"] == "USD"
    assert found["duty"] == "0.00"  # USD 800 de minimis until 2025-08-28
    assert any(rule["kind"] == "import_regime" for rule in found["rules"])
    assert found["route"]["legs"]


def test_landed_cost_of_a_sku_and_margins(home: Path) -> None:
    margins = invoke("margins", "--date", "2026-03-01", "-w", str(home), "--json")
    row = next(r for r in margins["data"] if r["country"] == "FR")

    quote = invoke(
        "landed-cost", "--sku", row["sku"], "--country", "FR", "--qty", "3",
        "--incoterm", "DAP", "--date", "2026-03-01", "-w", str(home), "--json",
    )  # fmt: skip
    text = CliRunner().invoke(app, ["margins", "-w", str(home)])

    assert margins["count"] == len(margins["data"]) > 0
    assert {"sku", "country", "units", "landed_cost", "margin", "margin_rate",
            "yearly_margin", "suggested_price"} <= set(row)  # fmt: skip
    assert quote["quantity"] == 3
    assert quote["kind"] == "eu"
    assert text.exit_code == 0
    assert "Worst margins" in text.stdout


def test_landed_cost_of_a_stored_order_line_by_line(home: Path) -> None:
    engine = open_store(Settings(home=home, database_url=None))
    with engine.connect() as conn:
        number = conn.execute(
            sa.text(
                "SELECT o.order_number FROM orders o JOIN order_lines l"
                " ON l.order_id = o.id WHERE o.kind = 'sale' AND o.country = 'GB'"
                " AND l.kind = 'product' AND l.quantity > 0"
                " GROUP BY o.order_number HAVING COUNT(*) > 1 LIMIT 1"
            )
        ).scalar_one()
    engine.dispose()

    found = invoke("landed-cost", "--order", number, "-w", str(home), "--json")

    assert found["order"] == number
    assert found["country"] == "GB"
    assert len(found["lines"]) > 1
    total = sum(Decimal(line["landed_cost"]) for line in found["lines"])
    assert Decimal(found["landed_cost"]) == total
    assert "unknown" not in found["date"]


def test_markets_lanes_and_rules(home: Path) -> None:
    scores = invoke("markets", "score", "--weight", "margin=0.6", "-w", str(home),
                    "--json")  # fmt: skip
    lane = invoke("lanes", "best", "--from", "CN", "--to", "US", "--max-days", "60",
                  "--weight-kg", "2", "-w", str(home), "--json")  # fmt: skip
    impact = invoke("rules", "impact", "--what-if", str(example_path("de_vat_21")),
                    "-w", str(home), "--json")  # fmt: skip

    assert scores["count"] > 200  # every country, sold to or not
    assert [r["rank"] for r in scores["data"][:3]] == [1, 2, 3]
    assert scores["data"][0]["explanation"]
    assert len(lane["best"]["legs"]) >= 1
    assert impact["count"] > 0
    assert {r["country"] for r in impact["data"]} == {"DE"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["landed-cost", "--country", "DE"], "give --order NUMBER",
                     id="nothing-to-price"),
        pytest.param(["landed-cost", "--sku", "NOPE", "--country", "DE"],
                     "unknown SKU", id="unknown-sku"),
        pytest.param(["landed-cost", "--sku", "X", "--country", "Germany"],
                     "alpha-2", id="bad-country"),
        pytest.param(["landed-cost", "--value", "10", "--currency", "EUR",
                      "--country", "DE", "--weight-kg", "1", "--incoterm", "FOB"],
                     "DDP or DAP", id="bad-incoterm"),
        pytest.param(["landed-cost", "--value", "10", "--currency", "EUR",
                      "--country", "XQ", "--weight-kg", "1"],
                     "'XQ' is not an ISO 3166-1 country code", id="unknown-country"),
        pytest.param(["landed-cost", "--sku", "TP-0001", "--country", "xq"],
                     "'XQ' is not an ISO 3166-1 country code",
                     id="unknown-country-of-a-sku"),
        pytest.param(["landed-cost", "--value", "10", "--currency", "EUR",
                      "--country", "EU", "--weight-kg", "1"],
                     "'EU' is not one country", id="pseudo-country"),
        pytest.param(["lanes", "best", "--from", "DE", "--to", "XQ"],
                     "'XQ' is not an ISO 3166-1 country code",
                     id="unknown-lane-destination"),
        pytest.param(["markets", "score", "--weight", "luck=1"], "luck",
                     id="unknown-weight"),
        pytest.param(["rules", "impact", "--what-if", "/nonexistent.yaml"],
                     "nonexistent", id="missing-file"),
    ],
)  # fmt: skip
def test_bad_input_gets_a_message_not_a_traceback(home, args, message) -> None:
    assert message in refused(*args, "-w", str(home))


FX_HINT = "import exchange rates first: tradepilot fx import eurofxref-hist.csv"


@pytest.fixture(scope="module")
def home_without_fx(tmp_path_factory, sim_files) -> Path:
    """The simulated store's orders (EUR, GBP, USD, ...) without any FX rate."""
    home = tmp_path_factory.mktemp("no-fx") / "ws"
    engine = init_workspace(Settings(home=home, database_url=None), base_currency="EUR")
    for key, fmt in [("products", "products"), ("shopify_orders", "shopify"),
                     ("amazon_all_orders", "amazon")]:  # fmt: skip
        import_file(engine, fmt=fmt, path=sim_files[key])
    engine.dispose()
    return home


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["margins"], id="margins"),
        pytest.param(["margins", "--json"], id="margins-json"),
        pytest.param(["markets", "score"], id="markets"),
        pytest.param(["rules", "impact", "--what-if", str(example_path("de_vat_21"))],
                     id="rule-impact"),
    ],
)  # fmt: skip
def test_without_fx_rates_the_commands_say_what_to_do(home_without_fx, args):
    result = CliRunner().invoke(app, [*args, "-w", str(home_without_fx)])

    assert result.exit_code == 1
    assert result.stdout == ""
    assert "no FX rate for" in result.stderr
    assert FX_HINT in result.stderr
    assert "Traceback" not in result.stderr


def eur_workspace(home: Path, sim_files, *, only: str | None = None) -> Path:
    """Orders and costs all in EUR, no FX rates; ``only`` keeps one country."""
    engine = init_workspace(Settings(home=home, database_url=None), base_currency="EUR")
    import_file(engine, fmt="products", path=sim_files["products"])
    import_file(engine, fmt="shopify", path=sim_files["shopify_orders"])
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE orders SET currency = 'EUR'"))
        conn.execute(sa.text("UPDATE products SET cost_currency = 'EUR'"))
        if only:
            others = "SELECT id FROM orders WHERE country <> :c"
            conn.execute(
                sa.text(f"DELETE FROM order_lines WHERE order_id IN ({others})"),
                {"c": only},
            )
            conn.execute(sa.text("DELETE FROM orders WHERE country <> :c"), {"c": only})
    engine.dispose()
    return home


def test_when_no_cell_can_be_priced_for_want_of_rates_margins_fail_saying_so(
    tmp_path, sim_files
):
    # given EUR sales to the US only, whose import rules are in USD
    home = eur_workspace(tmp_path / "ws", sim_files, only="US")

    result = CliRunner().invoke(app, ["margins", "-w", str(home)])

    assert result.exit_code == 1
    assert "no FX rate for USD" in result.stderr
    assert "cells can be priced without rates for USD" in result.stderr
    assert FX_HINT in result.stderr


def test_without_fx_rates_for_some_currencies_margins_say_so_first(tmp_path, sim_files):
    # given a workspace whose orders and costs are all in EUR but whose rules need
    # GBP, USD...
    home = eur_workspace(tmp_path / "ws", sim_files)

    text = CliRunner().invoke(app, ["margins", "-w", str(home)])
    found = invoke("margins", "-w", str(home), "--json")

    assert text.exit_code == 0
    first = text.stdout.replace("\n", " ")
    assert first.startswith("note:")
    assert first.index("no FX rate on or before") < first.index("Best margins")
    assert FX_HINT in first
    assert found["count"] > 0
    assert found["fx_rates"]["missing"]
    assert any(FX_HINT in note for note in found["assumptions"][:3])
    assert found["skipped"]
    assert all("no " in s["reason"] and FX_HINT in s["reason"]
               for s in found["skipped"] if "FX" in s["reason"])  # fmt: skip


def test_old_fx_rates_are_used_and_their_age_stated(home: Path) -> None:
    found = invoke("margins", "--date", "2030-01-01", "-w", str(home), "--json")
    quote = invoke(
        "landed-cost", "--value", "200", "--currency", "USD", "--country", "US",
        "--weight-kg", "1.5", "--date", "2030-01-01", "-w", str(home), "--json",
    )  # fmt: skip
    text = CliRunner().invoke(
        app, ["markets", "score", "--date", "2030-01-01", "-w", str(home)]
    )

    age = found["fx_rates"]["age_days"]
    newest = min(found["fx_rates"]["newest"].values())
    assert age > 365
    assert found["fx_rates"]["missing"] == []
    note = (
        f"FX: the newest rates on file are of {newest} ({age} days before 2030-01-01)"
    )
    assert any(n.startswith(note) for n in found["assumptions"])
    assert any(n.startswith(note) for n in quote["assumptions"])
    assert "import newer rates" in text.stdout.replace("\n", " ")


NOT_CHOSEN = "not chosen yet: goods ship from DE"


def test_defaults_not_chosen_are_stated_first_until_init_sets_them(home, tmp_path):
    # given a copy of the workspace whose trade.toml does not exist yet
    copy = tmp_path / "ws"
    shutil.copytree(home, copy)
    quote = ["landed-cost", "--sku", "TP-0001", "--country", "DE", "-w", str(copy)]

    before = {
        "margins": CliRunner().invoke(app, ["margins", "-w", str(copy)]).stdout,
        "markets": CliRunner()
        .invoke(app, ["markets", "score", "-w", str(copy)])
        .stdout,
        "landed": CliRunner().invoke(app, quote).stdout,
    }
    impact = ["rules", "impact", "--what-if", str(example_path("de_vat_21"))]
    json_before = [
        invoke("margins", "-w", str(copy), "--json")["assumptions"][:2],
        invoke("markets", "score", "-w", str(copy), "--json")["assumptions"][:2],
        invoke(*quote, "--json")["assumptions"][:2],
        invoke(*impact, "-w", str(copy), "--json")["assumptions"][:2],
    ]
    invoke("init", "-w", str(copy), "--origin", "DE", "--cost-ratio", "0.4", "--json")
    after = CliRunner().invoke(app, ["margins", "-w", str(copy)]).stdout
    json_after = invoke("margins", "-w", str(copy), "--json")["assumptions"]

    for text in before.values():
        assert text.startswith(f"note: {NOT_CHOSEN}")
        assert "note: not chosen yet: a product without a unit cost costs 40%" in (
            text.replace("\n", " ")
        )
    for notes in json_before:
        assert notes[0].startswith(NOT_CHOSEN)
        assert notes[1].startswith("not chosen yet: a product without a unit cost")
    assert "not chosen yet" not in after
    assert not any("not chosen yet" in note for note in json_after)
