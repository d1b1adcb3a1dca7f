import email
import email.policy
import sys
import types

import pytest
from tests.service.conftest import NOW, write_service_toml

from tradepilot.domain.errors import DataValidationError
from tradepilot.service.service import (
    approve_draft,
    draft_reply,
    edit_draft,
    import_messages,
    list_messages,
    send_reply,
)
from tradepilot.service.templates import LANGUAGES, SHIPPED, load_templates


@pytest.fixture
def text_models(monkeypatch):
    """A stand-in for tradepilot.text.service: language from the first word."""
    languages = {"Wo": "de", "Où": "fr", "Where": "en", "Dónde": "es", "Gdzie": "pl"}
    fake = types.ModuleType("tradepilot.text.service")
    fake.detect_languages = lambda texts: [
        (languages.get(t.split()[0], "en"), 0.95) for t in texts
    ]
    fake.classify_intents = lambda texts, home=None, name=None: [
        ("track_order", 0.9) if "?" in t else ("unknown", 0.2) for t in texts
    ]
    fake.sentiment = lambda texts: [("neutral", 0.7) for _ in texts]
    monkeypatch.setitem(sys.modules, "tradepilot.text.service", fake)


def _message(engine, home, write_eml, **kwargs):
    import_messages(engine, home=home, path=write_eml(**kwargs), now=NOW)
    return list_messages(engine, now=NOW)["messages"][0]["id"]


def test_every_language_has_every_intent_template():
    english = load_templates(None, "en")

    for language in LANGUAGES:
        found = load_templates(None, language)
        assert set(found) == set(english), language
        assert set(found["_words"]) == set(english["_words"]), language


def test_a_german_track_order_draft_states_the_facts_of_the_store(
    shop, home, write_eml, text_models
):
    write_service_toml(home)
    message = _message(
        shop, home, write_eml, body="Wo ist meine Bestellung K-2024-0001?"
    )

    draft = draft_reply(shop, message_id=message, home=home, now=NOW)

    assert (draft["language"], draft["intent"], draft["template"]) == (
        "de",
        "track_order",
        "track_order/de",
    )
    assert draft["draft"].startswith("Hallo Anna,\n\nvielen Dank für Ihre Nachricht")
    assert "Ihre Nachricht zur Bestellung K-2024-0001." in draft["draft"]
    assert f"am {draft['facts']['ship_date']} verlassen" in draft["draft"]
    assert draft["facts"]["ship_date"] == "2024-03-06"  # ordered 03-05, 1 day handling
    assert draft["draft"].endswith(
        "Mit freundlichen Grüßen\nAnna Lindqvist\nLindqvist Home"
    )
    assert draft["facts"]["refund_amount"] == "25.00 EUR"


def test_a_refund_follows_the_return_policy(shop, home, write_eml, monkeypatch):
    write_service_toml(home, extra="[return_policy]\nrestocking_fee = 0.1\n")
    fake = types.ModuleType("tradepilot.text.service")
    fake.detect_languages = lambda texts: [("fr", 0.9) for _ in texts]
    fake.classify_intents = lambda texts, home=None, name=None: [("get_refund", 0.95)]
    fake.sentiment = lambda texts: [("neutral", 0.5)]
    monkeypatch.setitem(sys.modules, "tradepilot.text.service", fake)
    message = _message(shop, home, write_eml, body="Remboursement K-2024-0001 svp")

    draft = draft_reply(shop, message_id=message, home=home, now=NOW)

    assert "nous vous rembourserons alors 22.50 EUR" in draft["draft"]


def test_a_language_the_seller_does_not_read_is_flagged(
    shop, home, write_eml, text_models
):
    write_service_toml(home)
    message = _message(shop, home, write_eml, body="Gdzie jest paczka K-2024-0001?")

    draft = draft_reply(shop, message_id=message, home=home, now=NOW)

    assert draft["language"] == "pl"
    assert any("cannot be translated here" in f for f in draft["flags"])


def test_an_unknown_intent_gets_an_acknowledgement_and_a_flag(
    shop, home, write_eml, text_models
):
    write_service_toml(home)
    message = _message(shop, home, write_eml, body="Where things stand.")

    draft = draft_reply(shop, message_id=message, home=home, now=NOW)

    assert draft["template"] == "_default/en"
    assert "intent unknown: a general acknowledgement was drafted" in draft["flags"]


def test_the_sellers_edited_template_is_used(shop, home, write_eml, text_models):
    write_service_toml(home)
    message = _message(shop, home, write_eml, body="Where is K-2024-0001?")
    draft_reply(shop, message_id=message, home=home, now=NOW)  # copies the defaults
    copy = home / "replies" / "en.toml"
    copy.write_text(
        copy.read_text().replace(
            "Thank you for your message{about_order}.",
            "Thanks for writing about {order_number}.",
        )
    )

    draft = draft_reply(shop, message_id=message, home=home, now=NOW)

    assert "Thanks for writing about K-2024-0001." in draft["draft"]
    assert (SHIPPED / "en.toml").read_text().count("Thanks for writing") == 0


def test_nothing_is_sent_without_approval(shop, home, write_eml, text_models):
    write_service_toml(home)
    message = _message(shop, home, write_eml, body="Where is K-2024-0001?")
    draft_reply(shop, message_id=message, home=home, now=NOW)

    with pytest.raises(DataValidationError, match="is not approved: nothing is sent"):
        send_reply(shop, message_id=message, home=home)


def test_an_approved_reply_arrives_at_the_smtp_server(
    shop, home, write_eml, text_models, smtp_server
):
    port, received = smtp_server
    write_service_toml(home, smtp_port=port)
    message = _message(shop, home, write_eml, body="Where is K-2024-0001?")
    draft_reply(shop, message_id=message, home=home, now=NOW)
    edit_draft(shop, message_id=message, body="Hello Anna,\n\nIt ships today.")

    approve_draft(shop, message_id=message, by="anna")
    sent = send_reply(shop, message_id=message, home=home)

    assert sent["delivery"] == "smtp"
    assert [m["to"] for m in received.mails] == [["anna.schmidt@example.com"]]
    mail = email.message_from_string(
        received.mails[0]["data"], policy=email.policy.default
    )
    assert mail["In-Reply-To"] == "<m1@example.com>"
    assert mail.get_content().replace("\r\n", "\n").strip() == (
        "Hello Anna,\n\nIt ships today."
    )
    assert list_messages(shop, now=NOW)["messages"][0]["status"] == "sent"
    with pytest.raises(DataValidationError, match="was sent already"):
        send_reply(shop, message_id=message, home=home)


def test_a_marketplace_buyer_gets_a_draft_to_copy_not_an_email(
    shop, home, write_eml, text_models, smtp_server
):
    port, received = smtp_server
    write_service_toml(home, smtp_port=port)
    message = _message(
        shop,
        home,
        write_eml,
        body="Where is K-2024-0001?",
        sender="b1@marketplace.amazon.de",
    )
    draft = draft_reply(shop, message_id=message, home=home, now=NOW)

    approved = approve_draft(shop, message_id=message)

    assert any("answer through amazon's messaging" in f for f in draft["flags"])
    assert approved["delivery"] == "copy"
    assert approved["next"] == "copy the draft into amazon's buyer messaging"
    with pytest.raises(
        DataValidationError, match="answer it in amazon's own messaging"
    ):
        send_reply(shop, message_id=message, home=home)
    assert received.mails == []


def test_an_edit_after_approval_withdraws_it(shop, home, write_eml, text_models):
    write_service_toml(home)
    message = _message(shop, home, write_eml, body="Where is K-2024-0001?")
    draft_reply(shop, message_id=message, home=home, now=NOW)
    approve_draft(shop, message_id=message)

    edited = edit_draft(shop, message_id=message, body="Changed my mind")

    assert edited["approved_at"] is None
    with pytest.raises(DataValidationError, match="not approved"):
        send_reply(shop, message_id=message, home=home)
