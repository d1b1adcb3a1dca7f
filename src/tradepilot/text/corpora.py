"""Where the public training corpora are, and how they are read.

The Bitext customer-support set (CDLA-Sharing-1.0) is not shipped with TradePilot:
it is read from the shared data folder, ``$TRADEPILOT_SHARED_DATA`` or else
``../shared/data`` beside the repository or the current directory. The intent
seed phrases in ``data/intent_seeds.csv`` are TradePilot's own, in English and the
seven other reply languages (de, fr, es, it, nl, pl, sv).
"""

from __future__ import annotations

import csv
import gzip
import os
from pathlib import Path

BITEXT_FILE = "bitext_customer_support/bitext_customer_support_intents_21k.csv.gz"
REVIEWS_FILE = "womens_clothing_reviews/womens_clothing_ecommerce_reviews.csv.gz"
SEEDS = Path(__file__).resolve().parent / "data" / "intent_seeds.csv"


def shared_data_dir() -> Path | None:
    """The shared datasets folder, or None when it cannot be found."""
    configured = os.environ.get("TRADEPILOT_SHARED_DATA")
    candidates = [Path(configured)] if configured else []
    repository = Path(__file__).resolve().parents[3]
    candidates += [
        repository.parent / "shared" / "data",
        Path.cwd().parent / "shared" / "data",
    ]
    return next((path for path in candidates if path.is_dir()), None)


def bitext_path() -> Path | None:
    """The Bitext 21k intents file, or None."""
    folder = shared_data_dir()
    if folder is None or not (folder / BITEXT_FILE).is_file():
        return None
    return folder / BITEXT_FILE


def read_bitext(path: Path) -> tuple[list[str], list[str]]:
    """Utterances and intents of the Bitext 21k file (27 intents)."""
    with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [r["utterance"] for r in rows], [r["intent"] for r in rows]


def read_seeds() -> tuple[list[str], list[str], list[str]]:
    """TradePilot's multilingual intent seed phrases: texts, intents, languages."""
    with SEEDS.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return (
        [r["text"] for r in rows],
        [r["intent"] for r in rows],
        [r["language"] for r in rows],
    )


def reviews_path() -> Path | None:
    """The women's clothing reviews file (off-topic English text), or None."""
    folder = shared_data_dir()
    if folder is None or not (folder / REVIEWS_FILE).is_file():
        return None
    return folder / REVIEWS_FILE


def review_sentences(path: Path, half: int | None = None) -> list[str]:
    """Sentences (over 20 characters) of the reviews: ``half`` 0 takes the reviews
    at even rows, 1 those at odd rows, None every review. The default intent model
    chooses its off-topic threshold on half 0; the text bench reports on half 1.
    """
    import re

    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    sentences = []
    for row in rows if half is None else rows[half::2]:
        for part in re.split(r"[.!?]", row["Review Text"] or ""):
            if len(part.strip()) > 20:
                sentences.append(part.strip())
    return sentences
