import polars as pl
import pytest

from tradepilot.customers.identity import Merge, mask, normalise_email, resolve


def _records(*rows):
    return pl.DataFrame(
        rows,
        schema=["id", "source", "external_id", "email", "shop_customer_id",
                "marketplace_buyer_id"],
        orient="row",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Anna@Example.ORG", "anna@example.org", id="case"),
        pytest.param(" ben+news@example.org ", "ben@example.org", id="plus-tag"),
        pytest.param("a.n.n.a@googlemail.com", "anna@gmail.com", id="gmail-dots"),
        pytest.param("a.nna@example.org", "a.nna@example.org", id="dots-elsewhere"),
        pytest.param("17850", None, id="not-an-email"),
        pytest.param("+tag@example.org", None, id="empty-local"),
    ],
)
def test_emails_are_normalised_to_a_mailbox(text, expected):
    assert normalise_email(text) == expected


def test_records_with_the_same_mailbox_are_one_person_across_sources():
    records = _records(
        (1, "web", "Anna.Mueller+shop@Gmail.com", None, None, None),
        (2, "wholesale", "W-17", "annamueller@gmail.com", None, None),
        (3, "till", "10017", None, None, None),
    )

    resolved = resolve(records, merges=[])

    assert resolved.rows() == [
        (1, 1, "its own record"),
        (2, 1, "same e-mail a***@gmail.com as record 1"),
        (3, 3, "its own record"),
    ]


def test_a_shop_customer_id_or_a_buyer_id_joins_records():
    records = _records(
        (1, "web", "anna@example.org", None, "5001", None),
        (2, "wholesale", "W-17", None, "5001", None),
        (3, "amazon", "A1", None, None, "AMZ-9"),
        (4, "web", "a9@example.org", None, None, "AMZ-9"),
    )

    resolved = resolve(records, merges=[])

    assert resolved["profile_id"].to_list() == [1, 1, 3, 3]


def test_names_never_join_records():
    # identical names, different mailboxes: two people (names are not a key)
    records = _records(
        (1, "web", "anna.schmidt@example.org", None, None, None),
        (2, "web", "anna.schmidt@example.com", None, None, None),
    )

    assert resolve(records, merges=[])["profile_id"].to_list() == [1, 2]


def test_merges_by_hand_join_and_separation_undoes_them():
    records = _records(
        (1, "web", "a@example.org", None, None, None),
        (2, "till", "10017", None, None, None),
        (3, "web", "A@example.org", None, None, None),
    )

    merged = resolve(records, merges=[Merge(1, 2)])
    separated = resolve(records, merges=[Merge(1, 2), Merge(3, None)])
    undone = resolve(records, merges=[Merge(1, 2), Merge(1, None)])

    assert merged["profile_id"].to_list() == [1, 1, 1]
    assert merged["reason"][1] == "merged by hand with record 1"
    assert separated["profile_id"].to_list() == [1, 1, 3]
    assert separated["reason"][2] == "separated by hand"
    assert undone["profile_id"].to_list() == [1, 2, 3]


def test_identifiers_are_shown_masked():
    assert mask("carla@example.org") == "c***@example.org"
    assert mask("W-0042") == "W-***42"
