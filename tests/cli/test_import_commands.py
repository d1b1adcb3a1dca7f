"""``tradepilot import``: --source, ``import undo RUN``, exit 3 for a cut-off file, and
``quality`` naming merged orders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradepilot.cli.main import app

FIXTURES = Path(__file__).parents[1] / "ingest" / "fixtures"
SHOP1 = FIXTURES / "shopify_orders.csv"
SHOP2 = FIXTURES / "shopify_orders_shop2.csv"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    home = tmp_path / "ws"
    result = CliRunner().invoke(app, ["init", "-w", str(home)])
    assert result.exit_code == 0, result.output
    return home


def run(workspace: Path, *args: str):
    return CliRunner().invoke(app, [*args, "-w", str(workspace)])


def test_second_shop_conflicts_are_reported_and_undo_lets_it_in_under_a_source(
    workspace,
):
    assert run(workspace, "import", "shopify", str(SHOP1)).exit_code == 0

    merged = run(workspace, "import", "shopify", str(SHOP2), "--json")
    report = json.loads(merged.stdout)
    run_id = report["files"][0]["import_run_id"]
    text = run(workspace, "import", "undo", str(run_id))
    again = run(
        workspace, "import", "shopify", str(SHOP2), "--source", "shopify-in", "--json"
    )

    assert merged.exit_code == 0
    assert (report["accepted"], report["quarantined"], report["conflicts"]) == (1, 5, 5)
    assert f"tradepilot import undo {run_id}" in report["notes"][0]
    assert text.exit_code == 0, text.output
    assert " ".join(text.stdout.split()) == (
        f"Undid import run {run_id} (shopify_orders_shop2.csv): removed 1 order"
        " lines, 1 orders, 1 customers, 5 quarantined rows."
    )
    assert json.loads(again.stdout)["accepted"] == 6


def test_undo_json_and_refusals(workspace):
    imported = json.loads(
        run(workspace, "import", "shopify", str(SHOP1), "--json").stdout
    )
    run_id = imported["files"][0]["import_run_id"]

    undone = run(workspace, "import", "undo", str(run_id), "--json")
    twice = run(workspace, "import", "undo", str(run_id))
    unknown = run(workspace, "import", "undo", "99")
    not_a_number = run(workspace, "import", "undo", "last")
    with_option = run(workspace, "import", "undo", str(run_id), "--source", "x")

    assert undone.exit_code == 0
    result = json.loads(undone.stdout)
    assert (result["run_id"], result["removed"]["order_lines"]) == (run_id, 17)
    assert (twice.exit_code, unknown.exit_code, not_a_number.exit_code) == (1, 1, 1)
    assert "was already undone on" in twice.stderr
    assert "no import run 99" in unknown.stderr
    assert "usage: tradepilot import undo RUN" in not_a_number.stderr
    assert "--source do not apply to undo" in with_option.stderr
    status = json.loads(run(workspace, "status", "--json").stdout)
    assert status["orders"] == 0


def test_a_cut_off_file_exits_3_after_importing_the_rest(workspace, tmp_path):
    text = SHOP1.read_text(encoding="utf-8")
    path = tmp_path / "cut.csv"
    path.write_text(text[: text.rindex("Green")], encoding="utf-8")

    as_json = run(workspace, "import", "shopify", str(path), "--json")
    as_text = run(workspace, "import", "shopify", str(path))

    assert as_json.exit_code == 3
    summary = json.loads(as_json.stdout)
    assert summary["truncated"] is True
    assert summary["files"][0]["truncated"] is True
    assert (summary["rows_read"], summary["accepted"], summary["quarantined"]) == (
        10,
        8,
        2,
    )
    assert as_text.exit_code == 3
    assert "cut.csv ends in the middle of row 11 (18 of 47 fields)" in " ".join(
        as_text.stdout.split()
    )


def test_quality_names_merged_orders(workspace):
    assert run(workspace, "import", "shopify", str(SHOP1)).exit_code == 0

    found = json.loads(run(workspace, "quality", "--json").stdout)

    assert found["merged_orders"] == {"orders": 0, "lines": 0}
    assert found["merged_orders_repair"] == []


def test_an_unchanged_file_is_recognised_unless_full_is_given(workspace):
    first = json.loads(run(workspace, "import", "shopify", str(SHOP1), "--json").stdout)

    again = run(workspace, "import", "shopify", str(SHOP1), "--json")
    full = run(workspace, "import", "shopify", str(SHOP1), "--full", "--json")
    undo = run(workspace, "import", "undo", "1", "--full")

    recognised, read = json.loads(again.stdout), json.loads(full.stdout)
    assert (again.exit_code, full.exit_code) == (0, 0)
    assert (
        recognised["files"][0]["same_file_as_run"] == first["files"][0]["import_run_id"]
    )
    assert read["files"][0]["same_file_as_run"] is None
    totals = ["rows_read", "accepted", "quarantined", "duplicates", "conflicts"]
    assert [recognised[k] for k in totals] == [read[k] for k in totals]
    assert recognised["accepted"] == 0
    assert undo.exit_code != 0
    assert "--full" in undo.output
