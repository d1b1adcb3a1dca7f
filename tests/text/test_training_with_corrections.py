"""`support intents train --with-corrections`: the Inbox's corrections as examples."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tradepilot.cli.main import app
from tradepilot.text.service import classify_intents, train_intents_file

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CORRECTIONS = [
    ("Can I pay by bank transfer instead?", "payment_methods", "en"),
    ("Do you take bank transfers or only cards?", "payment_methods", "en"),
    ("Is paying by bank transfer possible?", "payment_methods", "en"),
]


def test_corrections_add_examples_and_a_label_the_file_lacks(tmp_path: Path) -> None:
    found = train_intents_file(
        tmp_path,
        path=EXAMPLES / "intents.example.csv",
        text_col="message",
        label_col="intent",
        name="mine",
        extra=CORRECTIONS,
    )

    assert found["corrections"] == 3
    assert found["examples"] == 23
    assert "payment_methods" in found["classes"]
    answer = classify_intents(
        ["Can I pay by bank transfer?"], home=tmp_path, name="mine"
    )
    assert answer[0][0] in {"payment_methods", "unknown"}


def test_training_with_corrections_needs_some(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["support", "intents", "train", "--with-corrections", "--name", "x",
         "-w", str(tmp_path)],
    )  # fmt: skip

    assert result.exit_code != 0
    assert "no intent corrections in this workspace yet" in result.stderr
    assert not (tmp_path / "models" / "intents" / "x.joblib").exists()


def test_training_without_a_file_or_corrections_says_what_it_needs(
    tmp_path: Path,
) -> None:
    result = CliRunner().invoke(
        app, ["support", "intents", "train", "--name", "x", "-w", str(tmp_path)]
    )

    assert result.exit_code != 0
    assert "give a labelled CSV file" in result.stderr


def test_the_cli_trains_on_a_file_plus_the_corrections(tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    rows = ["message_key,text,language,intent,previous,by,corrected_at"] + [
        f"k{i},{text},{language},{label},unknown,owner,2024-03-08T12:00:00+00:00"
        for i, (text, label, language) in enumerate(CORRECTIONS)
    ]
    (folder / "intent_corrections.csv").write_text("\n".join(rows) + "\n")

    result = CliRunner().invoke(
        app,
        ["support", "intents", "train", str(EXAMPLES / "intents.example.csv"),
         "--text-col", "message", "--label-col", "intent", "--name", "mine",
         "--with-corrections", "-w", str(tmp_path), "--json"],
    )  # fmt: skip

    assert result.exit_code == 0, result.stderr
    found = json.loads(result.stdout)
    assert (found["corrections"], found["examples"]) == (3, 23)
