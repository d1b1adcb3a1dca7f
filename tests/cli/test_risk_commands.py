"""``tradepilot monitors run``, ``alerts list|snooze``, ``risk orders|mark`` as a
person reads them (the JSON documents are checked in test_json_output.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.simstore import import_store
from typer.testing import CliRunner

from tradepilot.cli.main import app
from tradepilot.config import Settings
from tradepilot.workspace import init_workspace


def run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def home(tmp_path_factory, sim_files) -> Path:
    home = tmp_path_factory.mktemp("risk") / "ws"
    engine = init_workspace(Settings(home=home, database_url=None), base_currency="EUR")
    import_store(engine, sim_files)
    engine.dispose()
    return home


def test_monitors_run_counts_alerts_and_notes_what_it_skipped(home):
    out = run("monitors", "run", "-w", str(home))

    assert "open alerts (" in out
    # the small store has no reviews and no payment files
    assert "note: review_sentiment: skipped, no data" in out
    assert "note: payment_discrepancy: skipped, no data" in out


def test_alerts_list_snooze_and_order_marks_print_lines(home):
    run("monitors", "run", "-w", str(home))
    table = run("alerts", "list", "-w", str(home))
    assert "Alerts" in table
    assert "money" in table
    orders = run("risk", "orders", "--limit", "3", "-w", str(home))
    assert "Order risk" in orders

    alerts = json.loads(run("alerts", "list", "--json", "-w", str(home)))["alerts"]
    alert_id = str(alerts[0]["id"])
    assert "is now snoozed" in run("alerts", "snooze", alert_id, "-w", str(home))


def test_a_bad_order_mark_is_a_message_not_a_traceback(home):
    result = CliRunner().invoke(
        app, ["risk", "mark", "#nope", "maybe", "-w", str(home)]
    )

    assert result.exit_code != 0
    assert "Traceback" not in result.stdout + result.stderr
    assert "fraud" in result.stderr
