"""``tradepilot recommend for|together|export|evaluate`` end to end on a SQLite
workspace holding a small Online Retail file."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from tests.recommend.shop import import_shop
from typer.testing import CliRunner

from tradepilot.cli.main import app
from tradepilot.config import Settings
from tradepilot.workspace import init_workspace


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("recommend")
    home = folder / "ws"
    engine = init_workspace(Settings(home=home, database_url=None), base_currency="GBP")
    import_shop(engine, folder)
    engine.dispose()
    return home


def test_export_writes_the_contract_columns(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "recs.csv"

    code, stdout, stderr = run(
        "recommend", "export", "--out", str(out), "--k", "2", "-w", str(home), "--json"
    )

    assert code == 0, stderr
    summary = json.loads(stdout)
    with out.open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["list", "customer", "rank", "sku", "score", "reason"]
    assert summary["rows"] == len(rows) - 1
    assert rows[1][:4] == ["next", "12583", "1", "TEA"]
    assert {r[1] for r in rows[1:]} == {"12583", "13047", "14000", "15000", "17850"}
    assert {r[0] for r in rows[1:]} == {"next", "new"}


def test_for_prints_both_lists_and_json(home: Path) -> None:
    code, stdout, stderr = run("recommend", "for", "17850", "-w", str(home), "--json")
    text_code, text, _ = run("recommend", "for", "17850", "-w", str(home))

    assert code == 0, stderr
    found = json.loads(stdout)
    assert found["customer"] == "17850"
    assert found["next"][0]["sku"] == "TEA"
    assert found["next"][0]["reason"] == "bought every 4 weeks, last 4 weeks ago"
    assert text_code == 0
    assert "Next to buy" in text
    assert "New to try" in text


def test_together_and_evaluate(home: Path) -> None:
    code, stdout, stderr = run(
        "recommend", "together", "TEA", "-w", str(home), "--json"
    )
    eval_code, evaluation, eval_err = run(
        "recommend", "evaluate", "--cutoff", "2011-05-01", "--test-weeks", "8",
        "-w", str(home), "--json",
    )  # fmt: skip
    text_code, text, _ = run(
        "recommend", "evaluate", "--cutoff", "2011-05-01", "-w", str(home)
    )

    assert code == 0, stderr
    assert json.loads(stdout)["together"][0]["sku"] == "CUPS"
    assert eval_code == 0, eval_err
    found = json.loads(evaluation)
    assert {"methods", "blends", "ratios", "customers"} <= set(found)
    assert text_code == 0
    assert "p_topfreq" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("for", "99999"), "no customer '99999' with purchases"),
        (("for", "17850", "--k", "0"), "--k must be between 1 and 100"),
        (("together", "NOPE"), "no SKU 'NOPE' in the catalogue"),
        (("together", "POST"), "POST is a shipping line, not a product"),
        (
            ("evaluate", "--cutoff", "2013-01-01"),
            "cutoff 2013-01-01 is outside the data",
        ),
        (("for", "17850", "--as-of", "2009-01-01"), "no purchases before 2009-01-01"),
    ],
    ids=["customer", "k", "sku", "postage", "cutoff", "as-of"],
)
def test_bad_input_is_one_line_without_traceback(
    home: Path, args: tuple[str, ...], message: str
) -> None:
    code, stdout, stderr = run("recommend", *args, "-w", str(home))

    assert code == 1
    assert message in " ".join(stderr.split())
    assert "Traceback" not in stdout + stderr


def test_commands_start_without_the_numeric_libraries() -> None:
    code = (
        "import sys, tradepilot.cli.recommend, tradepilot.recommend.service;"
        "print(sorted(m for m in ('scipy', 'sklearn', 'implicit', 'threadpoolctl')"
        " if m in sys.modules))"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert found.stdout.strip() == "[]"
