import mailbox
import sys
import types
from pathlib import Path

import pytest
from tests.service.conftest import ANNA, NOW, make_eml

from tradepilot.domain.errors import DataValidationError, ImportFormatError
from tradepilot.service.service import import_messages, list_messages, show_message


def _import(engine, home, path, **kwargs):
    return import_messages(engine, home=home, path=path, now=NOW, **kwargs)


def test_an_eml_file_is_imported_once(shop, home, write_eml):
    path = write_eml(body="Where is order K-2024-0001? It has not arrived.")

    first = _import(shop, home, path)
    again = _import(shop, home, path)

    assert (first["read"], first["added"], first["duplicates"]) == (1, 1, 0)
    assert (again["read"], again["added"], again["duplicates"]) == (1, 0, 1)
    assert list_messages(shop, now=NOW)["count"] == 1


def test_a_message_is_linked_to_the_order_it_names(shop, home, write_eml):
    path = write_eml(body="Wo bleibt meine Bestellung K-2024-0004?", sender="x@y.z")

    _import(shop, home, path)
    row = list_messages(shop, now=NOW)["messages"][0]

    assert (row["order"], row["customer"]) == ("K-2024-0004", "10031")


def test_without_an_order_number_the_senders_email_links_customer_and_order(
    shop, home, write_eml
):
    path = write_eml(body="Hello, I have a question about my parcel.")

    _import(shop, home, path)
    row = list_messages(shop, now=NOW)["messages"][0]

    assert row["customer"] == "10017"
    assert row["order"] == "K-2024-0001"  # the latest sale of customer 10017


def test_an_mbox_keeps_threads_and_lists_attachments(shop, home, tmp_path):
    path = tmp_path / "support.mbox"
    box = mailbox.mbox(path)
    box.add(make_eml(message_id="<q1@x>", subject="Refund?", body="Refund please"))
    box.add(
        make_eml(
            message_id="<q2@x>",
            subject="Re: Refund?",
            body="Any news?\n\nOn Tue, Shop wrote:\n> We are on it",
            headers={"In-Reply-To": "<q1@x>", "References": "<q1@x>"},
            when=NOW - dt_hours(1),
            attachment=("photo.pdf", b"12345"),
        )
    )
    box.add(make_eml(message_id="<other@x>", subject="Invoice", sender="b@c.d"))
    box.close()

    report = _import(shop, home, path)
    shown = show_message(shop, message_id=3, now=NOW)  # ids in order of time

    assert report["added"] == 3
    assert shown["subject"] == "Re: Refund?"
    assert [t["id"] for t in shown["thread"]] == [1, 3]
    assert shown["text"] == "Any news?"
    assert shown["attachments"] == [
        {"name": "photo.pdf", "type": "application/pdf", "size": 5}
    ]


def dt_hours(hours):
    import datetime as dt

    return dt.timedelta(hours=hours)


def test_a_broken_mbox_is_refused_with_a_clear_message(shop, home, tmp_path):
    path = tmp_path / "broken.mbox"
    path.write_text("Subject: not an mbox\n\nhello\n")

    with pytest.raises(ImportFormatError, match="not an mbox mailbox: it must begin"):
        _import(shop, home, path)


def test_a_message_without_text_is_kept_and_flagged(shop, home, write_eml):
    path = write_eml(body="", attachment=("scan.pdf", b"123"))

    report = _import(shop, home, path)
    shown = show_message(shop, message_id=1, now=NOW)

    assert (report["added"], report["without_text"]) == (1, 1)
    assert shown["text"] == ""
    assert "the message has no text" in shown["notes"]


MAPPING = """\
channel: amazon
columns:
  message_id: Message ID
  received_at: Date
  sender_email: Buyer
  subject: Subject
  body: Text
  order_number: Order
"""


def test_a_csv_export_with_a_mapping_is_imported(shop, home, tmp_path):
    csv = tmp_path / "buyer_messages.csv"
    csv.write_text(
        "Message ID,Date,Buyer,Subject,Text,Order\n"
        "a-1,2024-03-08T09:00:00Z,x1@marketplace.amazon.de,Lieferung,"
        "Wann kommt mein Paket?,K-2024-0004\n"
        "a-2,2024-03-08T10:00:00Z,x2@marketplace.amazon.de,Size,Too small,\n"
    )
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING)

    report = _import(shop, home, csv, mapping=mapping)
    rows = {r["id"]: r for r in list_messages(shop, now=NOW)["messages"]}

    assert report["added"] == 2
    assert rows[1]["order"] == "K-2024-0004"
    assert rows[1]["marketplace"] is True
    assert rows[1]["reply_due_at"] == "2024-03-09T09:00:00+00:00"  # 24 h


def test_a_mapping_naming_a_missing_column_is_refused(shop, home, tmp_path):
    csv = tmp_path / "messages.csv"
    csv.write_text("Date,Text\n2024-03-08,hello\n")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("columns:\n  received_at: Date\n  body: Message\n")

    with pytest.raises(ImportFormatError) as caught:
        _import(shop, home, csv, mapping=mapping)

    assert str(caught.value) == (
        "messages.csv: the mapping names columns the file does not have:"
        " 'Message' (for body); found: Date, Text"
    )


def test_urgent_messages_come_first(shop, home, tmp_path):
    folder = tmp_path / "mails"
    folder.mkdir()
    (folder / "a.eml").write_bytes(
        make_eml(message_id="<calm@x>", body="Could you send the invoice?")
    )
    (folder / "b.eml").write_bytes(
        make_eml(
            message_id="<angry@x>",
            body="This is unacceptable. I will open a PayPal dispute and call my lawyer",
        )
    )

    _import(shop, home, folder)
    rows = list_messages(shop, now=NOW)["messages"]

    assert [r["id"] for r in rows] == [2, 1]
    assert rows[0]["urgency"] == 1.0


def test_an_unknown_message_id_is_an_error_once_messages_exist(shop, home, write_eml):
    _import(shop, home, write_eml())

    with pytest.raises(DataValidationError, match="no message 99"):
        show_message(shop, message_id=99, now=NOW)


def test_an_empty_inbox_answers_with_a_note(shop):
    assert show_message(shop, message_id=1)["notes"] == [
        "no messages yet: import some with `tradepilot inbox import`"
    ]


def test_the_text_capability_fills_language_intent_and_sentiment(
    shop, home, write_eml, monkeypatch
):
    fake = types.ModuleType("tradepilot.text.service")
    fake.detect_languages = lambda texts: [("de", 0.99) for _ in texts]
    fake.classify_intents = lambda texts, home=None, name=None: [
        ("track_order", 0.91) for _ in texts
    ]
    fake.sentiment = lambda texts: [("negative", 0.8) for _ in texts]
    monkeypatch.setitem(sys.modules, "tradepilot.text.service", fake)

    _import(shop, home, write_eml(body="Wo ist mein Paket K-2024-0001?"))
    row = list_messages(shop, now=NOW)["messages"][0]

    assert (row["language"], row["intent"], row["confidence"]) == (
        "de",
        "track_order",
        0.91,
    )
    assert row["sentiment"] == "negative"
    assert "negative sentiment" in row["urgency_reasons"]


def test_without_the_text_capability_triage_fields_are_empty_with_a_note(
    shop, home, write_eml, monkeypatch
):
    monkeypatch.setattr(
        "tradepilot.service.triage.TEXT_SERVICE", "tradepilot.absent_text.service"
    )

    report = _import(shop, home, write_eml())
    row = list_messages(shop, now=NOW)["messages"][0]

    assert (row["language"], row["intent"], row["sentiment"]) == (None, None, None)
    assert report["notes"][0].startswith("text capability absent")


def test_the_sender_email_is_kept_lower_case(shop, home, write_eml):
    _import(shop, home, write_eml(sender=f"Anna <{ANNA.upper()}>"))

    assert show_message(shop, message_id=1, now=NOW)["sender"] == ANNA


def test_an_imap_import_without_settings_says_what_it_needs(shop, home: Path):
    from tradepilot.domain.errors import ExternalServiceError

    with pytest.raises(ExternalServiceError, match=r"\[imap\] needs host and user"):
        import_messages(shop, home=home, imap=True)


def test_an_order_older_than_the_newest_numbers_shape_is_found(
    engine, home, write_eml, tmp_path, monkeypatch
):
    # a counter that grew a digit: #998 is old, #1001 and #1002 are new
    from tradepilot.ingest.service import import_file

    orders = tmp_path / "orders.csv"
    orders.write_text(
        "order_number,ordered_at,sku,quantity,unit_price,country\n"
        "#998,2023-01-01 10:00:00,A,1,5.00,DE\n"
        "#1002,2024-03-03 10:00:00,A,1,5.00,DE\n"
        "#1001,2024-03-02 10:00:00,A,1,5.00,DE\n"
    )
    mapping = tmp_path / "orders.yaml"
    mapping.write_text(
        "source: web\ncolumns:\n  order_number: order_number\n"
        "  ordered_at: ordered_at\n  sku: sku\n  quantity: quantity\n"
        "  unit_price: unit_price\n  country: country\ncurrency: EUR\n"
    )
    import_file(engine, fmt="generic", path=orders, mapping=mapping)
    monkeypatch.setattr("tradepilot.service.inbox.FORMAT_SAMPLE", 2)
    path = write_eml(body="Where is order #998?", sender="x@y.z")

    _import(engine, home, path)

    assert list_messages(engine, now=NOW)["messages"][0]["order"] == "#998"
