"""SQLite's staged insert: a large frame is written to a staging file and copied
inside the caller's transaction; it stores what row-by-row inserts store, and
leaves nothing behind."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from tradepilot.config import Settings
from tradepilot.store import bulk
from tradepilot.store.bulk import STAGE_PREFIX, insert_frame, remove_stale_stages
from tradepilot.store.engine import STAGE_ALIAS, create_engine, migrate

AT = dt.datetime(2024, 3, 5, 9, 30, 15, 250000, tzinfo=dt.UTC)


@pytest.fixture
def sqlite_engine(sqlite_settings: Settings) -> Iterator[sa.Engine]:
    engine = create_engine(sqlite_settings)
    migrate(engine)
    yield engine
    engine.dispose()


def seed(conn: sa.Connection) -> None:
    conn.exec_driver_sql(
        "INSERT INTO import_runs (id, format, source_name, file_sha256, started_at,"
        " finished_at, rows_read, accepted, quarantined, duplicates, report)"
        " VALUES (1, 'online-retail', 'f.csv', '0', '2024-03-05 00:00:00.000000',"
        " '2024-03-05 00:00:00.000000', 0, 0, 0, 0, '{}')"
    )
    conn.exec_driver_sql("INSERT INTO channels (id, name) VALUES (1, 'web')")
    conn.exec_driver_sql("INSERT INTO products (sku, kind) VALUES ('A', 'product')")


def orders(numbers: range) -> pl.DataFrame:
    n = len(numbers)
    return pl.DataFrame(
        {
            "source": ["s"] * n,
            "order_number": [str(i) for i in numbers],
            "kind": ["sale"] * n,
            "channel_id": [1] * n,
            "customer_id": [None] * n,
            "country": ["FR"] * n,
            "currency": ["EUR"] * n,
            "ordered_at": [AT + dt.timedelta(minutes=i) for i in numbers],
            "import_run_id": [1] * n,
        },
        schema_overrides={"customer_id": pl.Int64},
    )


def lines(order_ids: list[int]) -> pl.DataFrame:
    n = len(order_ids)
    return pl.DataFrame(
        {
            "order_id": order_ids,
            "line_key": [f"k{i}" for i in range(n)],
            "sku": ["A"] * n,
            "description": [None if i % 2 else "Mug, blue" for i in range(n)],
            "quantity": [i - 1 for i in range(n)],
            "unit_price": ["2.50"] * n,
            "kind": ["product"] * n,
            "import_run_id": [1] * n,
        },
        schema_overrides={"description": pl.String},
    )


def stored(engine: sa.Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        found = conn.exec_driver_sql(
            "SELECT o.*, typeof(o.ordered_at), l.*, typeof(l.quantity),"
            " typeof(l.unit_price), typeof(l.description)"
            " FROM order_lines l JOIN orders o ON o.id = l.order_id ORDER BY l.id"
        )
        return [tuple(r) for r in found]


def stage_folders(engine: sa.Engine) -> list[Path]:
    database = engine.url.database
    assert database is not None
    return sorted(Path(database).parent.glob(f"{STAGE_PREFIX}*"))


def load(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        seed(conn)
        insert_frame(conn, "orders", orders(range(1, 4)))
        insert_frame(conn, "order_lines", lines([1, 2, 3, 3]))


def test_a_staged_insert_stores_what_row_by_row_inserts_store(
    sqlite_engine, tmp_path, monkeypatch
):
    other = create_engine(Settings(home=tmp_path, database_url=None))
    migrate(other)
    load(other)  # row by row: 3 orders and 4 lines are far below STAGED_ROWS
    monkeypatch.setattr(bulk, "STAGED_ROWS", 1)

    load(sqlite_engine)  # two staged inserts in one transaction

    assert stored(sqlite_engine) == stored(other)
    assert len(stored(other)) == 4
    assert stage_folders(sqlite_engine) == []
    other.dispose()


def load_lines_of_a_missing_order(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        seed(conn)
        insert_frame(conn, "orders", orders(range(1, 4)))
        insert_frame(conn, "order_lines", lines([1, 2, 3, 99]))  # no order 99


def test_a_failed_transaction_with_a_staged_insert_stores_nothing(
    sqlite_engine, monkeypatch
):
    monkeypatch.setattr(bulk, "STAGED_ROWS", 1)

    with pytest.raises(sa.exc.IntegrityError):
        load_lines_of_a_missing_order(sqlite_engine)

    assert stored(sqlite_engine) == []
    assert stage_folders(sqlite_engine) == []
    with sqlite_engine.connect() as conn:  # the pooled connection: nothing attached
        names = [r[1] for r in conn.exec_driver_sql("PRAGMA database_list")]
    assert [n for n in names if n.startswith(STAGE_ALIAS)] == []
    assert "main" in names


def test_a_staged_insert_fills_a_temporary_table(sqlite_engine, monkeypatch):
    monkeypatch.setattr(bulk, "STAGED_ROWS", 1)

    with sqlite_engine.begin() as conn:
        conn.exec_driver_sql("CREATE TEMP TABLE tp_keys (k VARCHAR(200))")
        insert_frame(conn, "tp_keys", pl.DataFrame({"k": ["a", "b"]}))
        found = conn.exec_driver_sql("SELECT k FROM tp_keys ORDER BY k").all()

    assert [r[0] for r in found] == ["a", "b"]


def test_the_staging_folder_of_a_killed_process_is_removed(tmp_path):
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = tmp_path / f"{STAGE_PREFIX}{dead.pid}-abc"
    stale.mkdir()
    (stale / "stage.db").write_bytes(b"")
    live = tmp_path / f"{STAGE_PREFIX}1-def"  # pid 1 always runs
    live.mkdir()

    remove_stale_stages(tmp_path)

    assert sorted(p.name for p in tmp_path.iterdir()) == [live.name]
