"""``tradepilot plan ...`` and ``tradepilot leadtimes`` end to end on a SQLite workspace."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from tests.simstore import import_store
from typer.testing import CliRunner

from tradepilot.cli import output
from tradepilot.cli.main import app
from tradepilot.config import Settings
from tradepilot.forecasting.service import ForecastSettings, forecast_demand
from tradepilot.replenishment.sim_policies import ORACLE_NOTE
from tradepilot.workspace import init_workspace


def invoke(*args: str) -> dict:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def home(tmp_path_factory, sim_files) -> Path:
    """A workspace with the small simulated store, forecast 12 weeks ahead."""
    home = tmp_path_factory.mktemp("plan") / "ws"
    engine = init_workspace(Settings(home=home, database_url=None), base_currency="EUR")
    import_store(engine, sim_files)
    forecast_demand(engine, ForecastSettings(horizon=12, n_jobs=1))
    engine.dispose()
    (home / "purchasing.toml").write_text(
        '[suppliers."Porto Ceramica Lda"]\nmin_order_value = 100.0\n'
    )
    return home


def test_restock_export_and_approve(home: Path, tmp_path: Path):
    out = tmp_path / "plan.csv"

    plan = invoke(
        "plan", "restock", "--service-level", "0.9", "-w", str(home), "--json"
    )
    exported = invoke("plan", "export", "--out", str(out), "-w", str(home), "--json")
    line = plan["lines"][0]
    approved = invoke(
        "plan", "approve", str(line["id"]), "--by", "me", "-w", str(home), "--json"
    )
    text = CliRunner().invoke(app, ["plan", "restock", "-w", str(home)])

    assert {"status", "explanation", "budget", "spent_base", "lines"} <= set(plan)
    assert set(line) >= {"id", "sku", "supplier", "mode", "qty", "order_by",
                         "arrival", "cost", "currency", "cost_base", "reason"}  # fmt: skip
    assert exported["rows"] == len(plan["lines"])
    with out.open() as f:
        rows = list(csv.DictReader(f))
    assert rows[0].keys() >= {"id", "sku", "qty", "order_by", "reason"}
    assert approved["purchase_orders"][0]["units"] == line["qty"]
    assert approved["approved_by"] == "me"
    assert text.exit_code == 0
    assert "Plan" in text.stdout


def test_allocate_ranks_best_first_within_the_cash(home: Path):
    result = invoke("plan", "allocate", "--cash", "2000", "-w", str(home), "--json")

    allocations = result["allocations"]
    assert result["cash"] == 2000
    assert 0 < result["allocated_base"] <= 2000 + 1e-6
    assert allocations
    assert set(allocations[0]) >= {"sku", "market", "qty", "cash_base",
                                   "expected_return_base"}  # fmt: skip
    ratios = [a["expected_return_base"] / a["cash_base"] for a in allocations]
    assert ratios == sorted(ratios, reverse=True)


def test_leadtimes_positions_and_simulate(home: Path):
    leadtimes = invoke("leadtimes", "-w", str(home), "--json")
    positions = invoke("plan", "positions", "-w", str(home), "--json")
    simulated = invoke("plan", "simulate", "-w", str(home), "--json")

    assert {r["source"] for r in leadtimes["suppliers"]} <= {
        "history",
        "supplier setting",
        "global setting",
    }
    assert all(r["n_pos"] >= 0 for r in leadtimes["suppliers"])
    assert positions["positions"]
    assert set(simulated["policies"]) == {
        "tradepilot",
        "min_max",
        "days_of_cover",
        "order_up_to",
        "oracle",
    }
    for policy in simulated["policies"].values():
        assert 0 <= policy["fill_rate"] <= 1
        assert {"stockout_days", "lost_units", "avg_inventory_value",
                "total_cost", "cost_ratio", "ci95"} <= set(policy)  # fmt: skip
        for low, high in policy["ci95"].values():
            assert low <= high
        assert set(policy["ci95"]) == {"total_cost", "fill_rate", "cost_ratio"}
        assert len(policy["by_seed"]["total_cost"]) == len(simulated["seeds"])
    assert simulated["seeds"] == [1, 2, 3, 4, 5]
    assert simulated["best_baseline"] in {"min_max", "days_of_cover", "order_up_to"}
    assert simulated["protocol"].startswith("Every policy starts from the same stock")
    assert simulated["opening_source"].startswith("stock on hand on")
    assert simulated["days"] > 0
    assert simulated["warmup_days"] > 0


def test_simulate_text_names_the_oracle_a_heuristic(
    home: Path, monkeypatch: pytest.MonkeyPatch
):
    # One table row per policy, unwrapped. The console is made once per process,
    # so COLUMNS set now would not reach it (another test may have made it).
    monkeypatch.setattr(output.stdout, "_width", 240)
    result = CliRunner().invoke(app, ["plan", "simulate", "-w", str(home)])

    assert result.exit_code == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "Perfect-foresight heuristic (oracle)" in text
    assert "Order-up-to (s, S), tuned" in text
    assert "Every policy starts from the same stock" in text
    assert " ".join(ORACLE_NOTE.split()) in text


def test_restock_takes_the_service_level_as_fraction_or_percent(home: Path):
    fraction = invoke(
        "plan", "restock", "--service-level", "0.95", "-w", str(home), "--json"
    )
    percent = invoke(
        "plan", "restock", "--service-level", "95", "-w", str(home), "--json"
    )

    def lines(plan: dict) -> list[tuple]:
        return [(x["sku"], x["mode"], x["qty"], x["reason"]) for x in plan["lines"]]

    assert lines(percent) == lines(fraction)
    assert lines(percent)
    assert "at 95% service" in percent["lines"][0]["reason"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["plan", "restock", "--budget", "-3"], "budget"),
        (
            ["plan", "restock", "--service-level", "150"],
            "service level must be 50 to 99.99 % (a percent such as 95, or a"
            " fraction such as 0.95); received 150",
        ),
        (["plan", "allocate", "--cash", "0"], "cash"),
        (["plan", "approve", "999999"], "no plan line"),
    ],
    ids=["negative-budget", "service-level-150", "zero-cash", "unknown-line"],
)
def test_bad_input_gets_a_message_not_a_traceback(home: Path, args, message):
    result = CliRunner().invoke(app, [*args, "-w", str(home)])

    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_plan_without_a_forecast_says_what_to_run(tmp_path: Path, sim_files):
    home = tmp_path / "ws"
    init_workspace(Settings(home=home, database_url=None)).dispose()

    result = CliRunner().invoke(app, ["plan", "restock", "-w", str(home)])

    assert result.exit_code == 1
    assert "tradepilot forecast run" in result.stderr
