"""``reviews train``: sentiment learnt from stars in a language the lexicon lacks."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tradepilot.domain.errors import DataValidationError
from tradepilot.text import service

# Indonesian: the lexicon knows none of these words.
GOOD = [
    "bagus sekali",
    "sangat puas",
    "kualitas mantap",
    "pengiriman cepat",
    "barang sesuai",
    "recommended seller",
    "suka banget",
    "bahan lembut",
]
BAD = ["jelek sekali", "sangat kecewa", "kualitas buruk", "pengiriman lambat",
       "barang rusak", "tidak sesuai", "ukuran salah", "bahan kasar"]  # fmt: skip


def _reviews(path: Path, n: int = 60) -> Path:
    rng = random.Random(0)
    lines = ["ulasan,bintang"]
    for _ in range(n):
        lines.append(f"{' '.join(rng.sample(GOOD, 2))},{rng.choice([4, 5])}")
        lines.append(f"{' '.join(rng.sample(BAD, 2))},{rng.choice([1, 2])}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_trained_model_reads_a_language_the_lexicon_does_not(tmp_path: Path) -> None:
    data = _reviews(tmp_path / "id.csv")
    before = service.sentiment(["barang rusak dan jelek"], home=tmp_path)

    summary = service.train_sentiment_file(
        tmp_path, path=data, text_col="ulasan", rating_col="bintang", name="indonesia"
    )
    after = service.sentiment(
        ["barang rusak dan jelek", "bagus, sangat puas"], home=tmp_path
    )

    assert before[0][0] == "neutral"
    assert summary["classes"] == ["negative", "positive"]
    assert summary["cv_accuracy"] >= 0.95
    assert [label for label, _ in after] == ["negative", "positive"]


def test_training_on_one_sentiment_only_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "r.csv"
    data.write_text("text,stars\ngood,5\ngreat,4\n", encoding="utf-8")

    with pytest.raises(DataValidationError, match="same sentiment"):
        service.train_sentiment_file(
            tmp_path, path=data, text_col="text", rating_col="stars", name="m"
        )
