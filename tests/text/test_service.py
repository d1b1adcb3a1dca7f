"""The text service: languages, intents (with abstention), sentiment."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradepilot.domain.errors import DataValidationError
from tradepilot.text import service

TRACK = [
    "where is my parcel",
    "my parcel has not arrived",
    "track my order",
    "where is my package",
    "has my order shipped",
    "tracking number please",
]
REFUND = ["i want my money back", "refund please", "give me a refund",
          "please refund my order", "money back now", "i demand a refund"]  # fmt: skip


def write_labels(path: Path, rows: list[tuple[str, str]]) -> Path:
    lines = ["message,label"] + [f'"{text}",{label}' for text, label in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "code"),
    [
        pytest.param("Wo ist mein Paket? Ich warte seit zwei Wochen.", "de", id="de"),
        pytest.param("Je voudrais un remboursement pour ma commande.", "fr", id="fr"),
        pytest.param("Gdzie jest moja paczka? Czekam od tygodnia.", "pl", id="pl"),
        pytest.param("Var är mitt paket? Jag har väntat i två veckor.", "sv", id="sv"),
        pytest.param("12345 !!", "und", id="no-letters"),
    ],
)
def test_detect_languages_names_the_language(text: str, code: str) -> None:
    found = service.detect_languages([text])

    assert found[0][0] == code


def test_sentiment_reads_several_languages() -> None:
    found = service.sentiment(
        ["I love this dress", "Das Paket kam kaputt an", "Commande 123"]
    )

    assert [label for label, _ in found] == ["positive", "negative", "neutral"]


def test_train_predict_and_use_an_intent_model(tmp_path: Path) -> None:
    labels = write_labels(
        tmp_path / "labels.csv",
        [(t, "track") for t in TRACK * 2] + [(t, "refund") for t in REFUND * 2],
    )
    home = tmp_path / "ws"

    summary = service.train_intents_file(
        home, path=labels, text_col="message", label_col="label", name="mine"
    )
    service.use_intents(home, name="mine")
    found = service.classify_intents(["where is my parcel", ""], home=home)

    assert summary["classes"] == ["refund", "track"]
    assert summary["examples"] == 24
    assert 0 <= summary["threshold"] <= 1
    assert found[0][0] == "track"
    assert found[1] == ("unknown", 0.0)


def test_predict_file_keeps_rows_in_order(tmp_path: Path) -> None:
    labels = write_labels(
        tmp_path / "labels.csv",
        [(t, "track") for t in TRACK * 2] + [(t, "refund") for t in REFUND * 2],
    )
    home = tmp_path / "ws"
    service.train_intents_file(
        home, path=labels, text_col="message", label_col="label", name="mine"
    )
    messages = write_labels(
        tmp_path / "in.csv",
        [("refund please", "x"), ("", "y"), ("track my order", "z")],
    )

    done = service.predict_intents_file(
        home, path=messages, text_col="message", out=tmp_path / "out.csv", name="mine"
    )
    written = (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()

    assert done["rows"] == 3
    assert written[0] == "message,label,intent,confidence"
    assert [line.split(",")[1] for line in written[1:]] == ["x", "y", "z"]
    assert written[1].split(",")[2] == "refund"
    assert written[2].split(",")[2] == "unknown"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        pytest.param([("a", "x"), ("b", "x")], "one class only", id="one-class"),
        pytest.param([("a", "x"), ("", "y"), ("c", "y")], "empty", id="empty-text"),
    ],
)
def test_training_refuses_bad_labels(tmp_path: Path, rows, message) -> None:
    labels = write_labels(tmp_path / "labels.csv", rows)

    with pytest.raises(DataValidationError, match=message):
        service.train_intents_file(
            tmp_path, path=labels, text_col="message", label_col="label", name="m"
        )


def test_training_names_a_missing_column(tmp_path: Path) -> None:
    labels = write_labels(tmp_path / "labels.csv", [("a", "x"), ("b", "y")])

    with pytest.raises(DataValidationError, match="column 'intent' is missing"):
        service.train_intents_file(
            tmp_path, path=labels, text_col="message", label_col="intent", name="m"
        )


def test_default_model_knows_the_bitext_intents_in_several_languages() -> None:
    found = service.classify_intents(
        [
            "where is my parcel?",
            "Ich möchte mein Geld zurück",
            "Je veux annuler ma commande",
        ]
    )

    assert [intent for intent, _ in found] == [
        "track_order",
        "get_refund",
        "cancel_order",
    ]
