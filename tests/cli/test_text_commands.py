"""``tradepilot support intents ...`` and ``tradepilot reviews ...`` end to end."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from tradepilot.cli.main import app
from tradepilot.config import Settings
from tradepilot.workspace import init_workspace

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_intents_train_predict_use(tmp_path: Path) -> None:
    home = str(tmp_path / "ws")
    labels = str(EXAMPLES / "intents.example.csv")
    out = tmp_path / "out.csv"

    code, stdout, stderr = run(
        "support", "intents", "train", labels, "--text-col", "message",
        "--label-col", "intent", "--name", "shop", "-w", home, "--json",
    )  # fmt: skip
    trained = json.loads(stdout)
    code_p, _, stderr_p = run(
        "support", "intents", "predict", labels, "--name", "shop", "--text-col",
        "message", "--out", str(out), "-w", home,
    )  # fmt: skip
    code_u, stdout_u, _ = run("support", "intents", "use", "shop", "-w", home, "--json")
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))

    assert code == 0, stderr
    assert set(trained) >= {"name", "classes", "examples", "cv_accuracy", "threshold"}
    assert trained["examples"] == 20
    assert code_p == 0, stderr_p
    assert len(rows) == 20
    assert list(rows[0]) == ["message", "intent", "confidence"]
    assert rows[0]["message"] == "Where is my parcel?"
    assert code_u == 0
    assert json.loads(stdout_u)["active"] == "shop"


def test_intents_train_with_one_class_says_so(tmp_path: Path) -> None:
    labels = tmp_path / "one.csv"
    labels.write_text("text,label\nhello,a\nhi,a\n", encoding="utf-8")

    code, _, stderr = run(
        "support", "intents", "train", str(labels), "--text-col", "text",
        "--label-col", "label", "--name", "x", "-w", str(tmp_path),
    )  # fmt: skip

    assert code == 1
    assert "one class only" in stderr
    assert "Traceback" not in stderr


def test_intents_use_of_an_unknown_model_lists_the_trained_ones(tmp_path: Path) -> None:
    code, _, stderr = run("support", "intents", "use", "nope", "-w", str(tmp_path))

    assert code == 1
    assert "no intents model named 'nope'" in stderr


def test_reviews_import_and_report(tmp_path: Path) -> None:
    home = str(tmp_path / "ws")
    init_workspace(Settings(home=Path(home), database_url=None)).dispose()

    code, stdout, stderr = run(
        "reviews", "import", str(EXAMPLES / "reviews.example.csv"), "-w", home, "--json"
    )
    code_r, stdout_r, stderr_r = run("reviews", "report", "-w", home, "--json")

    assert code == 0, stderr
    assert json.loads(stdout)["imported"] == 10
    assert code_r == 0, stderr_r
    report = json.loads(stdout_r)
    assert report["reviews"] == 10
    assert set(report) >= {"trend", "complaints", "skus", "returns", "topics"}


def test_reviews_predict_names_a_missing_column(tmp_path: Path) -> None:
    code, _, stderr = run(
        "reviews", "predict", str(EXAMPLES / "reviews.example.csv"), "--text-col",
        "review", "--out", str(tmp_path / "o.csv"), "-w", str(tmp_path),
    )  # fmt: skip

    assert code == 1
    assert "column 'review' is missing" in stderr
