"""Triage with the real text capability (tradepilot.text.service): language,
intent and sentiment beyond English."""

from __future__ import annotations

import importlib
import sys

import pytest
from tests.service.conftest import NOW

from tradepilot.service.service import import_messages, list_messages


@pytest.fixture
def real_text_models(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "tradepilot.text.service", raising=False)
    importlib.import_module("tradepilot.text.service")


@pytest.mark.parametrize("store_settings", ["sqlite"], indirect=True)
def test_messages_in_several_languages_are_triaged(
    shop, home, tmp_path, real_text_models
):
    folder = tmp_path / "mail"
    folder.mkdir()
    texts = {
        "de": "Wo ist mein Paket? Die Bestellung K-2024-0001 ist immer noch nicht angekommen.",
        "fr": "Bonjour, je voudrais être remboursé pour la commande K-2024-0004, merci.",
        "en": "This is unacceptable, the parcel arrived broken and nobody answers!",
    }
    for i, (language, text) in enumerate(texts.items()):
        from tests.service.conftest import make_eml

        (folder / f"{language}.eml").write_bytes(
            make_eml(message_id=f"<t{i}@x>", body=text, sender=f"{language}@x.example")
        )

    import_messages(shop, home=home, path=folder, now=NOW)
    rows = {r["sender"][:2]: r for r in list_messages(shop, now=NOW)["messages"]}

    assert {k: r["language"] for k, r in rows.items()} == {
        "de": "de",
        "fr": "fr",
        "en": "en",
    }
    assert rows["de"]["intent"] == "track_order"
    assert rows["de"]["order"] == "K-2024-0001"
    assert rows["fr"]["order"] == "K-2024-0004"
    assert rows["en"]["sentiment"] == "negative"
    assert all(0 <= r["confidence"] <= 1 for r in rows.values())
