"""An order file imported before, unchanged, is recognised by its hash: the report is
the one reading it gives, and anything that could change that outcome reads it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from tradepilot.ingest.report import ImportReport
from tradepilot.ingest.service import import_file, list_import_runs
from tradepilot.ingest.undo import undo_import

FIXTURES = Path(__file__).parent / "fixtures"
HEADER = (
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"
)
ROWS = [
    "536365,85123A,WHITE HANGING HEART,6,2024-05-01 08:26:00,2.55,17850.0,United Kingdom",
    "536365,71053,WHITE METAL LANTERN,6,2024-05-01 08:26:00,3.39,17850.0,United Kingdom",
    "536365,71053,WHITE METAL LANTERN,6,2024-05-01 08:26:00,3.39,17850.0,United Kingdom",
    "536366,22633,HAND WARMER,6,2024-05-02 08:28:00,1.85,17851.0,France",
    "C536367,22633,HAND WARMER,-1,2024-05-03 09:00:00,1.85,17851.0,France",
    "536368,DAMAGED,?,-10,2024-05-03 10:00:00,0,,United Kingdom",
    # 10:00 in London on 3 June is 09:00 UTC: after NOW, so refused until then.
    "536369,22633,HAND WARMER,2,2024-06-03 10:00:00,1.85,17852.0,Germany",
]
NOW = dt.datetime(2024, 6, 1, 12, tzinfo=dt.UTC)
DUE = dt.datetime(2024, 6, 3, 9, tzinfo=dt.UTC)
# What the report says about the rows, whichever path gave it.
OUTCOME = [
    "rows_read",
    "accepted",
    "quarantined",
    "duplicates",
    "quarantine_reasons",
    "orders",
    "orders_new",
    "date_min",
    "date_max",
    "data_quality",
    "source",
    "conflicts",
    "truncated",
    "encoding",
    "recheck_after",
]


def retail_file(path: Path, rows: list[str] = ROWS) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def outcome(report: ImportReport) -> dict[str, object]:
    return {name: getattr(report, name) for name in OUTCOME}


def counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("order_lines", "orders", "customers", "products", "quarantine")
        }


@pytest.mark.parametrize(
    ("fmt", "name"),
    [
        ("online-retail", None),
        ("shopify", "shopify_orders.csv"),  # rows of several lines
        ("amazon", "amazon_all_orders.txt"),
    ],
    ids=["online-retail", "shopify", "amazon"],
)
def test_an_unchanged_file_is_recognised_with_the_full_paths_report(
    engine, tmp_path, fmt, name
):
    path = FIXTURES / name if name else retail_file(tmp_path / "retail.csv")
    first = import_file(engine, fmt=fmt, path=path, now=NOW)
    stored = counts(engine)

    again = import_file(engine, fmt=fmt, path=path, now=NOW + dt.timedelta(hours=1))
    read = import_file(
        engine, fmt=fmt, path=path, now=NOW + dt.timedelta(hours=1), full=True
    )

    assert first.same_file_as_run is None
    assert again.same_file_as_run == first.import_run_id
    assert read.same_file_as_run is None
    assert outcome(again) == outcome(read)
    assert (again.accepted, again.quarantined) == (0, 0)
    assert again.duplicates == again.rows_read == first.rows_read
    assert counts(engine) == stored
    assert again.notes[0].startswith(f"{path.name} is byte for byte the file of")


def test_rows_refused_as_future_are_read_again_once_their_day_has_come(
    engine, tmp_path
):
    path = retail_file(tmp_path / "retail.csv")
    first = import_file(engine, fmt="online-retail", path=path, now=NOW)
    assert (first.accepted, first.quarantined) == (5, 2)
    assert first.recheck_after == DUE.isoformat()

    before_due = import_file(
        engine, fmt="online-retail", path=path, now=DUE - dt.timedelta(minutes=1)
    )
    due = import_file(engine, fmt="online-retail", path=path, now=DUE)
    after = import_file(
        engine, fmt="online-retail", path=path, now=DUE + dt.timedelta(days=1)
    )

    assert before_due.same_file_as_run == first.import_run_id
    assert (before_due.accepted, before_due.duplicates) == (0, 7)
    assert due.same_file_as_run is None  # read: the future row is accepted now
    assert (due.accepted, due.quarantined, due.duplicates) == (1, 0, 6)
    assert due.recheck_after is None
    assert after.same_file_as_run == due.import_run_id
    assert (after.accepted, after.duplicates) == (0, 7)
    assert counts(engine)["order_lines"] == 6


def test_an_undo_since_the_earlier_import_reads_the_file_again(engine, tmp_path):
    path = retail_file(tmp_path / "retail.csv")
    first = import_file(engine, fmt="online-retail", path=path, now=NOW)
    # A forced re-read stores nothing: every row is a duplicate of the first run's.
    reread = import_file(engine, fmt="online-retail", path=path, now=NOW, full=True)
    assert reread.duplicates == 7
    assert first.import_run_id is not None
    undo_import(engine, run_id=first.import_run_id)

    again = import_file(engine, fmt="online-retail", path=path, now=NOW)

    # The re-read run is not undone, but the lines it recognised are gone.
    assert again.same_file_as_run is None
    assert (again.accepted, again.quarantined, again.duplicates) == (5, 2, 0)
    assert counts(engine)["order_lines"] == 5


def test_a_one_byte_change_reads_the_file(engine, tmp_path):
    path = retail_file(tmp_path / "retail.csv")
    import_file(engine, fmt="online-retail", path=path, now=NOW)
    changed = [ROWS[0].replace(",2.55,", ",2.56,"), *ROWS[1:]]

    again = import_file(
        engine, fmt="online-retail", path=retail_file(path, changed), now=NOW
    )

    assert again.same_file_as_run is None
    assert (again.accepted, again.quarantined, again.duplicates) == (1, 0, 6)


def test_other_options_read_the_file(engine, tmp_path):
    path = retail_file(tmp_path / "retail.csv")
    import_file(engine, fmt="online-retail", path=path, now=NOW)

    shop2 = import_file(
        engine, fmt="online-retail", path=path, now=NOW, source="shop-2"
    )
    euro = import_file(engine, fmt="online-retail", path=path, now=NOW, currency="EUR")

    assert shop2.same_file_as_run is None
    # Another namespace: its orders and quarantine are its own.
    assert (shop2.accepted, shop2.quarantined, shop2.duplicates) == (5, 2, 0)
    assert euro.same_file_as_run is None
    assert euro.conflicts == 5  # same orders in another currency: refused


def test_lines_missing_from_the_store_read_the_file(engine, tmp_path):
    path = retail_file(tmp_path / "retail.csv")
    import_file(engine, fmt="online-retail", path=path, now=NOW)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "DELETE FROM order_lines WHERE id = (SELECT max(id) FROM order_lines)"
            )
        )

    again = import_file(engine, fmt="online-retail", path=path, now=NOW)

    assert again.same_file_as_run is None
    assert (again.accepted, again.duplicates) == (1, 6)


def test_a_recognised_import_is_recorded_and_undoable(engine, tmp_path):
    path = retail_file(tmp_path / "retail.csv")
    first = import_file(engine, fmt="online-retail", path=path, now=NOW)
    again = import_file(engine, fmt="online-retail", path=path, now=NOW)
    assert again.import_run_id is not None
    recorded = list_import_runs(engine)["data"][0]

    result = undo_import(engine, run_id=again.import_run_id)

    # Looking for an earlier import spends no run id (PostgreSQL's ids have no gaps).
    assert (first.import_run_id, again.import_run_id) == (1, 2)
    assert recorded["report"] == again.to_dict()
    assert (recorded["accepted"], recorded["duplicates"]) == (0, 7)

    assert sum(result["removed"].values()) == 0
    assert counts(engine)["order_lines"] == first.accepted
