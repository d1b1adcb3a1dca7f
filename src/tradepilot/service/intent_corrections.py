"""The seller's intent corrections, kept as a workspace file (see
:mod:`tradepilot.service.corrections`): reading, writing and applying them.

``<home>/inbox/intent_corrections.csv``, one row per corrected message (the latest
correction wins): ``message_key, text, language, intent, previous, by,
corrected_at``.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path
from typing import Any

from tradepilot.domain.errors import DataValidationError

FILE = Path("inbox") / "intent_corrections.csv"
COLUMNS = (
    "message_key",
    "text",
    "language",
    "intent",
    "previous",
    "by",
    "corrected_at",
)
_INTENT = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


def corrections_path(home: Path) -> Path:
    """Where the workspace keeps its intent corrections."""
    return home / FILE


def read_corrections(home: Path) -> dict[str, dict[str, str]]:
    """The corrections by message key (the latest of each message)."""
    path = corrections_path(home)
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["message_key"]: row for row in csv.DictReader(handle)}


def checked_intent(intent: str) -> str:
    """An intent label as the seller may give it: lower case letters, digits,
    ``_ . -``, at most 64 characters, and not ``unknown``.

    >>> checked_intent(" Track_Order ")
    'track_order'
    """
    label = (intent or "").strip().lower()
    if not _INTENT.match(label) or label == "unknown":
        raise DataValidationError(
            f"intent {intent!r} is not allowed: expected a label of lower-case "
            "letters, digits, '_', '.' or '-' (at most 64 characters), not 'unknown'"
        )
    return label


def save_correction(home: Path, row: Any, label: str, by: str, at: dt.datetime) -> int:
    """Write the correction (replacing the message's earlier one); the count."""
    found = read_corrections(home)
    earlier = found.get(row.message_key)
    found[row.message_key] = {
        "message_key": row.message_key,
        "text": row.text or "",
        "language": row.language or "",
        "intent": label,
        "previous": earlier["previous"] if earlier else (row.intent or ""),
        "by": by,
        "corrected_at": at.isoformat(),
    }
    path = corrections_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS)
        writer.writeheader()
        writer.writerows(found.values())
    partial.replace(path)
    return len(found)


def apply_corrections(
    keys: list[str], intents: list[tuple[str | None, float | None]], *, home: Path
) -> list[tuple[str | None, float | None]]:
    """``intents`` (label, confidence per message key) with the seller's
    corrections in place of the model's answers."""
    found = read_corrections(home)
    return [
        (found[key]["intent"], 1.0) if key in found else answer
        for key, answer in zip(keys, intents, strict=True)
    ]


def training_examples(home: Path) -> list[tuple[str, str, str]]:
    """The corrections usable for training: ``(text, intent, language)`` each,
    messages without text left out."""
    return [
        (row["text"], row["intent"], row["language"] or "und")
        for row in read_corrections(home).values()
        if row["text"].strip()
    ]
