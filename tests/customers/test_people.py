"""Profiles, merges, erasure and the access export on a real store (SQLite and
PostgreSQL), from the hand-made shop of conftest.import_shop."""

import json

import pytest
import sqlalchemy as sa
from tests.customers.conftest import DATA, import_shop

from tradepilot.customers.privacy import (
    export_person,
    forget_customer,
    merge_customers,
    unmerge_customer,
)
from tradepilot.customers.reading import read_profiles
from tradepilot.domain.errors import DataValidationError
from tradepilot.ingest.service import import_file

ANNA = "Anna.Mueller+shop@Gmail.com"


@pytest.fixture
def shop(engine):
    import_shop(engine)
    return engine


def _profiles(engine):
    with engine.connect() as conn:
        return read_profiles(conn)


def _members(engine, ref):
    profiles = _profiles(engine)
    records = profiles.records
    profile = profiles.find(ref)
    return sorted(
        f"{s}:{e}"
        for s, e, p in records.select("source", "external_id", "profile_id").iter_rows()
        if p == profile
    )


def test_one_buyer_across_the_web_store_and_the_wholesale_sheet_is_one_profile(shop):
    assert _members(shop, ANNA) == [
        "web:Anna.Mueller+shop@Gmail.com",
        "web:anna.mueller+shop@gmail.com",
        "wholesale:ANNAMUELLER@gmail.com",
    ]
    profiles = _profiles(shop)
    assert profiles.find("wholesale:ANNAMUELLER@gmail.com") == profiles.find(ANNA)
    assert profiles.find("annamueller@googlemail.com") == profiles.find(ANNA)


def test_guests_and_namesakes_stay_apart(shop):
    profiles = _profiles(shop)

    # W-6 was a guest checkout: no record; Anna Schmidt is not Anna Mueller
    assert profiles.records.height == 7
    assert profiles.find("anna.schmidt@example.org") != profiles.find(ANNA)


def test_an_unknown_customer_is_named_in_the_error(shop):
    with pytest.raises(DataValidationError, match="no customer 'nobody@example.org'"):
        _profiles(shop).find("nobody@example.org")


def test_merge_joins_and_unmerge_separates_for_good(shop):
    merged = merge_customers(
        shop, left="W-0042", right="ben@example.org", reason="same firm"
    )

    assert sorted(r["external_id"] for r in merged["records"]) == [
        "W-0042",
        "ben@example.org",
    ]
    assert _members(shop, "W-0042") == ["web:ben@example.org", "wholesale:W-0042"]

    result = unmerge_customer(shop, ref="web:ben@example.org")

    assert result["now"]["customer"] == "ben@example.org"
    assert _members(shop, "W-0042") == ["wholesale:W-0042"]
    with pytest.raises(DataValidationError, match="not merged"):
        unmerge_customer(shop, ref="W-0042")


def test_unmerge_takes_a_record_out_of_automatic_matching(shop):
    unmerge_customer(shop, ref="wholesale:ANNAMUELLER@gmail.com")

    assert _members(shop, ANNA) == [
        "web:Anna.Mueller+shop@Gmail.com",
        "web:anna.mueller+shop@gmail.com",
    ]
    assert _members(shop, "ANNAMUELLER@gmail.com") == [
        "wholesale:ANNAMUELLER@gmail.com"
    ]


def test_merging_a_customer_with_itself_is_refused(shop):
    with pytest.raises(DataValidationError, match="already one customer"):
        merge_customers(shop, left=ANNA, right="ANNAMUELLER@gmail.com")


def test_forget_erases_personal_data_everywhere_and_keeps_anonymous_orders(shop):
    with shop.connect() as conn:
        orders_before = conn.execute(sa.text("SELECT COUNT(*) FROM orders")).scalar()
        assert (
            conn.execute(
                sa.text("SELECT COUNT(*) FROM quarantine WHERE raw LIKE '%Mueller%'")
            ).scalar()
            == 1
        )

    result = forget_customer(shop, ref=ANNA)

    assert result["records"] == 3
    assert result["orders_kept"] == 5
    assert result["quarantine_rows_scrubbed"] == 1
    with shop.connect() as conn:
        ids = conn.execute(sa.text("SELECT external_id FROM customers")).scalars().all()
        raw = conn.execute(sa.text("SELECT raw FROM quarantine")).scalars().all()
        contacts = (
            conn.execute(sa.text("SELECT email FROM customer_contacts")).scalars().all()
        )
        orders_after = conn.execute(sa.text("SELECT COUNT(*) FROM orders")).scalar()
    assert not any("mueller" in i.lower() for i in ids)
    assert sum(i.startswith("forgotten-") for i in ids) == 3
    assert not any("mueller" in r.lower() or "Müller" in r for r in raw)
    assert "anna.mueller+shop@gmail.com" not in contacts
    assert orders_after == orders_before
    with pytest.raises(DataValidationError):
        _profiles(shop).find(ANNA)


def test_a_forgotten_person_is_not_imported_again_from_a_customers_export(shop):
    forget_customer(shop, ref=ANNA)

    report = import_file(
        shop, fmt="customers", path=DATA / "customers_export.csv", channel="web"
    )

    assert report.data_quality["erased_skipped"] == 1
    with shop.connect() as conn:
        emails = (
            conn.execute(sa.text("SELECT email FROM customer_contacts")).scalars().all()
        )
    assert "anna.mueller+shop@gmail.com" not in emails


def test_export_person_holds_records_contact_consent_and_every_order(shop):
    document = export_person(shop, ref="ben@example.org")

    assert json.loads(json.dumps(document)) == document
    assert document["customer"]["customer"] == "ben@example.org"
    assert document["contacts"][0]["first_name"] == "Ben"
    assert document["contacts"][0]["accepts_marketing"] is False
    assert [o["order_number"] for o in document["orders"]] == ["W-4", "W-5"]
    assert document["orders"][0]["lines"] == [
        {
            "sku": "TEA",
            "description": None,
            "quantity": 3,
            "unit_price": document["orders"][0]["lines"][0]["unit_price"],
        }
    ]


def test_customers_import_accounts_for_every_row_and_keeps_consent(shop):
    report = import_file(
        shop, fmt="customers", path=DATA / "customers_export.csv", channel="web"
    )

    # the first import (in import_shop) stored 4 contacts and quarantined Dora
    assert (
        report.rows_read,
        report.accepted,
        report.quarantined,
        report.duplicates,
    ) == (5, 0, 0, 5)
    with shop.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT email, accepts_marketing FROM customer_contacts ORDER BY email"
            )
        ).all()
    assert [(e, bool(a)) for e, a in rows] == [
        ("anna.mueller+shop@gmail.com", True),
        ("anna.schmidt@example.org", True),
        ("ben@example.org", False),
        ("carla@example.org", True),
    ]


def test_a_marketplace_buyer_id_in_two_contact_files_joins_the_records(shop, tmp_path):
    wholesale = tmp_path / "wholesale_contacts.csv"
    wholesale.write_text(
        "Email,Customer ID,Buyer ID\n,W-0042,AMZ-77\n", encoding="utf-8"
    )
    web = tmp_path / "web_contacts.csv"
    web.write_text("Email,Buyer ID\nben@example.org,AMZ-77\n", encoding="utf-8")

    import_file(shop, fmt="customers", path=wholesale, channel="wholesale")
    import_file(shop, fmt="customers", path=web, channel="web")

    assert _members(shop, "W-0042") == ["web:ben@example.org", "wholesale:W-0042"]
    profiles = _profiles(shop)
    joined = profiles.records.filter(profiles.records["external_id"] == "W-0042")
    assert joined["reason"][0].startswith("same marketplace buyer id AM***77 as record")
