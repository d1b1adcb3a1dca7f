import datetime as dt

from tests.service.conftest import NOW, make_eml

from tradepilot.service.cleaning import clean_text, html_to_text, strip_quoted
from tradepilot.service.mail import parse_email


def test_a_plain_message_is_read_with_its_sender_subject_and_time():
    raw = make_eml(body="Hi, where is order K-2024-0001?", subject="Order")

    message = parse_email(raw, default_time=NOW)

    assert message.key == "<m1@example.com>"
    assert message.sender_email == "anna.schmidt@example.com"
    assert message.sender_name == "Anna Schmidt"
    assert message.subject == "Order"
    assert message.body == "Hi, where is order K-2024-0001?"
    assert message.received_at == NOW - dt.timedelta(hours=2)
    assert message.channel == "email"


def test_an_html_only_message_is_reduced_to_text():
    html = "<html><style>p{}</style><body><p>Bonjour,</p><p>o&ugrave; est mon colis&nbsp;?</p></body></html>"
    raw = make_eml(body="", html=html)

    message = parse_email(raw, default_time=NOW)

    assert message.body == "Bonjour,\n\noù est mon colis ?"


def test_attachments_are_listed_not_kept():
    raw = make_eml(attachment=("invoice.pdf", b"%PDF-1.4 ten bytes"))

    message = parse_email(raw, default_time=NOW)

    assert [(a.name, a.content_type, a.size) for a in message.attachments] == [
        ("invoice.pdf", "application/pdf", 18)
    ]
    assert message.body == "Where is my order?"


def test_references_and_in_reply_to_make_the_thread():
    raw = make_eml(
        headers={"References": "<a@x> <b@x>", "In-Reply-To": "<c@x>"},
    )

    message = parse_email(raw, default_time=NOW)

    assert message.references == ("<a@x>", "<b@x>", "<c@x>")
    assert message.in_reply_to == "<c@x>"


def test_a_marketplace_relay_address_marks_the_channel():
    raw = make_eml(sender="Buyer <x7k2@marketplace.amazon.de>")

    assert parse_email(raw, default_time=NOW).channel == "amazon"


def test_quoted_history_and_signatures_are_stripped_in_every_reply_language():
    cases = {
        "Where is it?\n\nOn Mon, 4 Mar 2024, Shop wrote:\n> Your order": "Where is it?",
        "Wo ist es?\n\nAm 04.03.2024 schrieb Shop <a@b.c>:\n> Ihre Bestellung": "Wo ist es?",
        "Où est-il ?\n\nLe lun. 4 mars 2024, Shop a écrit :\n> Votre": "Où est-il ?",
        "Waar is het?\n\n-----Oorspronkelijk bericht-----\nVan: shop": "Waar is het?",
        "Gdzie jest?\n\nZ poważaniem\nJan Kowalski\n+48 600 000 000": "Gdzie jest?",
        "Var är det?\n\nMed vänliga hälsningar\nErik": "Var är det?",
        "Where is it?\n-- \nAnna\nCEO": "Where is it?",
        "¿Dónde está?\n\nEnviado desde mi iPhone": "¿Dónde está?",
    }

    assert {text: clean_text(text) for text in cases} == cases


def test_html_blockquotes_become_quotes_and_are_stripped():
    text = html_to_text("<p>New question</p><blockquote>old answer</blockquote>")

    assert strip_quoted(text) == "New question"
