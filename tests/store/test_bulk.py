"""Bulk loads: indexes built after a large load, values read back in one piece."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
import sqlalchemy as sa

from tradepilot.store import tables
from tradepilot.store.bulk import (
    indexes_after_load,
    insert_frame,
    read_texts,
    update_frame,
)

AT = dt.datetime(2024, 3, 5, 9, 30, tzinfo=dt.UTC)


def schema_of(conn: sa.Connection) -> dict[str, list[object]]:
    """Indexes, unique constraints and foreign keys of ``order_lines`` as stored."""
    inspector = sa.inspect(conn)
    return {
        "indexes": sorted(
            (i["name"], tuple(i["column_names"]), bool(i["unique"]))
            for i in inspector.get_indexes("order_lines")
        ),
        "unique": sorted(
            (u["name"], tuple(u["column_names"]))
            for u in inspector.get_unique_constraints("order_lines")
        ),
        "foreign_keys": sorted(
            (tuple(f["constrained_columns"]), f["referred_table"])
            for f in inspector.get_foreign_keys("order_lines")
        ),
    }


def seed(conn: sa.Connection) -> None:
    """One import run, channel, product and order for lines to refer to."""
    conn.execute(
        sa.insert(tables.import_runs).values(
            id=1,
            format="online-retail",
            source_name="f.csv",
            file_sha256="0" * 64,
            started_at=AT,
            finished_at=AT,
            rows_read=0,
            accepted=0,
            quarantined=0,
            duplicates=0,
            report="{}",
        )
    )
    conn.execute(sa.insert(tables.channels).values(id=1, name="web"))
    conn.execute(sa.insert(tables.products).values(sku="A", kind="product"))
    conn.execute(
        sa.insert(tables.orders).values(
            id=1,
            source="s",
            order_number="1",
            kind="sale",
            channel_id=1,
            country="FR",
            currency="EUR",
            ordered_at=AT,
            import_run_id=1,
        )
    )


def lines(keys: list[str]) -> pl.DataFrame:
    n = len(keys)
    return pl.DataFrame(
        {
            "order_id": [1] * n,
            "line_key": keys,
            "sku": ["A"] * n,
            "quantity": [1] * n,
            "unit_price": ["2.5"] * n,
            "kind": ["product"] * n,
            "import_run_id": [1] * n,
        }
    )


def test_a_load_into_an_empty_table_rebuilds_every_index_and_constraint(engine):
    with engine.connect() as conn:
        before = schema_of(conn)

    with engine.begin() as conn:
        seed(conn)
        rows = lines([f"k{i}" for i in range(50)])
        with indexes_after_load(conn, tables.order_lines, rows=rows.height) as dropped:
            insert_frame(conn, "order_lines", rows)

    with engine.connect() as conn:
        assert schema_of(conn) == before
        stored = conn.execute(sa.text("SELECT count(*) FROM order_lines")).scalar()
    assert (dropped, stored) == (True, 50)
    assert len(before["indexes"]) >= 3


def test_a_small_load_into_a_larger_table_keeps_the_indexes(engine):
    with engine.begin() as conn:
        seed(conn)
        insert_frame(conn, "order_lines", lines(["a", "b", "c"]))
        with indexes_after_load(conn, tables.order_lines, rows=2) as dropped:
            names = {i["name"] for i in sa.inspect(conn).get_indexes("order_lines")}
            insert_frame(conn, "order_lines", lines(["d", "e"]))

    assert dropped is False
    assert "ix_order_lines_sku" in names


def load_then_fail(engine: sa.Engine) -> None:
    """Load two lines, then break a unique constraint inside the same block."""
    with engine.begin() as conn:
        seed(conn)
        with indexes_after_load(conn, tables.order_lines, rows=2):
            insert_frame(conn, "order_lines", lines(["a", "b"]))
            conn.execute(sa.text("INSERT INTO channels (id, name) VALUES (1, 'x')"))


def test_the_indexes_come_back_when_the_load_fails(engine):
    with engine.connect() as conn:
        before = schema_of(conn)

    with pytest.raises(sa.exc.IntegrityError):
        load_then_fail(engine)

    engine.dispose()
    with engine.connect() as conn:
        assert schema_of(conn) == before
        stored = conn.execute(sa.text("SELECT count(*) FROM order_lines")).scalar()
    assert stored == 0


@pytest.mark.parametrize(
    "values",
    [
        pytest.param(["a", "b", "a"], id="plain"),
        pytest.param(["a\x1fb", "c"], id="holding-the-separator"),
        pytest.param([], id="none"),
    ],
)
def test_read_texts_returns_every_value(engine, values):
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TEMP TABLE tp_t (k VARCHAR(20))")
        insert_frame(conn, "tp_t", pl.DataFrame({"k": values}, schema={"k": pl.String}))
        conn.exec_driver_sql("INSERT INTO tp_t VALUES (NULL)")
        found = read_texts(conn, "SELECT k AS v FROM tp_t")

    assert found.dtype == pl.String
    assert sorted(found.to_list()) == sorted(values)


def test_update_frame_sets_the_columns_of_the_rows_named(engine):
    with engine.begin() as conn:
        seed(conn)
        insert_frame(conn, "order_lines", lines(["a", "b", "c"]))
        ids = dict(conn.execute(sa.text("SELECT line_key, id FROM order_lines")).all())
        links = pl.DataFrame(
            {"id": [ids["b"], ids["c"]], "reverses_line_id": [ids["a"], ids["a"]]}
        )
        update_frame(conn, "order_lines", links, key="id")
        stored = conn.execute(
            sa.text("SELECT line_key, reverses_line_id FROM order_lines")
        ).all()

    assert sorted(stored) == [("a", None), ("b", ids["a"]), ("c", ids["a"])]
