"""Shared loader steps return typed frames even when the store holds nothing."""

from __future__ import annotations

import polars as pl

from tradepilot.ingest.loading import existing_keys, upsert_named


def test_upsert_of_nothing_on_an_empty_store_is_typed_for_joins(engine):
    rows = pl.DataFrame(schema={"external_id": pl.String, "source": pl.String})

    with engine.begin() as conn:
        ids = upsert_named(
            conn, table="customers", rows=rows, key="external_id", where={"source": "x"}
        )

    assert ids.schema == pl.Schema({"external_id": pl.String, "id": pl.Int64})


def test_upsert_returns_the_ids_of_the_rows_given(engine):
    first = pl.DataFrame({"name": ["web", "shop"]})
    again = pl.DataFrame({"name": ["shop", "till"]})

    with engine.begin() as conn:
        upsert_named(conn, table="channels", rows=first, key="name")
        ids = upsert_named(conn, table="channels", rows=again, key="name")

    assert ids.schema == pl.Schema({"name": pl.String, "id": pl.Int64})
    assert sorted(ids["name"].to_list()) == ["shop", "till"]


def test_known_keys_of_a_table_with_no_match_are_an_empty_text_series(engine):
    with engine.begin() as conn:
        upsert_named(
            conn, table="channels", rows=pl.DataFrame({"name": ["web"]}), key="name"
        )
        known = existing_keys(conn, "channels", "name", pl.Series(["shop"]))

    assert (known.dtype, known.len()) == (pl.String, 0)
