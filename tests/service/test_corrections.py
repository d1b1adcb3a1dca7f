"""Intent corrections: used at once, kept through triage, kept as training data."""

from __future__ import annotations

import csv

import pytest
from tests.service.conftest import NOW

from tradepilot.domain.errors import DataValidationError
from tradepilot.service.intent_corrections import checked_intent, corrections_path
from tradepilot.service.service import (
    correct_intent,
    draft_reply,
    import_messages,
    list_messages,
    retriage,
    show_message,
    training_examples,
)


@pytest.fixture
def message(shop, home, write_eml) -> int:
    """One imported message, triaged "unknown" by the stand-in text models."""
    path = write_eml(body="I would like to cancel order K-2024-0001, please.")
    import_messages(shop, home=home, path=path, now=NOW)
    return int(list_messages(shop, now=NOW)["messages"][0]["id"])


def test_a_correction_is_used_at_once_and_kept_for_training(shop, home, message):
    draft_reply(shop, message_id=message, home=home, now=NOW)

    found = correct_intent(
        shop, message_id=message, intent="Cancel_Order", home=home, now=NOW
    )

    assert (found["intent"], found["previous"], found["corrections"]) == (
        "cancel_order", "unknown", 1,
    )  # fmt: skip
    assert found["draft"]["intent"] == "cancel_order"  # drafted again at once
    shown = show_message(shop, message_id=message, now=NOW)
    assert (shown["intent"], shown["confidence"]) == ("cancel_order", 1.0)
    assert shown["draft"]["intent"] == "cancel_order"
    assert training_examples(home) == [
        ("I would like to cancel order K-2024-0001, please.", "cancel_order", "en")
    ]


def test_triage_run_again_keeps_the_sellers_intent(shop, home, message):
    correct_intent(shop, message_id=message, intent="cancel_order", home=home)

    retriage(shop, home=home)

    assert show_message(shop, message_id=message)["intent"] == "cancel_order"


def test_correcting_twice_keeps_one_row_with_the_models_first_answer(
    shop, home, message
):
    correct_intent(shop, message_id=message, intent="get_refund", home=home)
    found = correct_intent(shop, message_id=message, intent="cancel_order", home=home)

    with corrections_path(home).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert found["corrections"] == 1
    assert [(r["intent"], r["previous"]) for r in rows] == [("cancel_order", "unknown")]
    assert found["draft"] is None  # no draft yet: the next one uses the new intent


@pytest.mark.parametrize(
    "intent",
    ["unknown", "", "two words", "x" * 65],
    ids=["unknown", "empty", "space", "long"],
)
def test_a_bad_intent_label_is_refused(intent):
    with pytest.raises(DataValidationError, match="expected a label"):
        checked_intent(intent)


def test_a_refused_intent_writes_nothing(shop, home, message):
    with pytest.raises(DataValidationError, match="expected a label"):
        correct_intent(shop, message_id=message, intent="unknown", home=home)

    assert not corrections_path(home).exists()
    assert show_message(shop, message_id=message)["intent"] == "unknown"


def test_an_unknown_message_is_refused(shop, home, message):
    with pytest.raises(DataValidationError, match="no message 999"):
        correct_intent(shop, message_id=999, intent="cancel_order", home=home)

    assert not corrections_path(home).exists()
