"""Simulated support messages: an mbox the inbox reads, with exact truth."""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter

from tradepilot.service.sources import read_mbox
from tradepilot.simulate.support import LANGUAGES, simulate_support, write_support


def test_the_mbox_holds_every_message_with_its_truth(small_store, tmp_path) -> None:
    store = small_store

    messages = simulate_support(store.orders, n=80)
    paths = write_support(messages, tmp_path)
    batch = read_mbox(paths["support"], now=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    with paths["truth_support"].open(encoding="utf-8", newline="") as handle:
        truth = {row["message_id"]: row for row in csv.DictReader(handle)}

    assert [m.key for m in batch.messages] == list(truth)
    assert Counter(row["language"] for row in truth.values()) == dict.fromkeys(
        LANGUAGES, 10
    )
    assert set(Counter(row["kind"] for row in truth.values())) == {
        "number", "email", "none",
    }  # fmt: skip
    web = set(store.orders["order_ref"].to_list())
    for message in batch.messages:
        row = truth[message.key]
        assert (row["order"] in web) is (row["kind"] != "none")
        named = bool(row["order"]) and row["order"] in message.body
        assert named is (row["kind"] == "number")
        assert row["chargeback"] <= row["angry"]
        if row["kind"] == "email":
            assert message.sender_email == row["sender"]
