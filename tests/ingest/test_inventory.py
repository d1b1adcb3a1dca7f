from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from tradepilot.domain.errors import ImportFormatError
from tradepilot.ingest.service import import_file
from tradepilot.store import tables

FIXTURES = Path(__file__).parent / "fixtures"
FMT = "inventory"


def write(tmp_path: Path, text: str, name: str = "stock.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def counts(report) -> tuple[int, int, int, int]:
    return (report.rows_read, report.accepted, report.quarantined, report.duplicates)


def snapshots(engine) -> list[tuple[dt.date, str, str, int]]:
    snap = tables.inventory_snapshots
    query = sa.select(snap.c.date, snap.c.sku, snap.c.warehouse, snap.c.on_hand)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(snap.c.date, snap.c.sku)).all()
    return [tuple(r) for r in rows]


def test_snapshots_are_accounted_for_and_reimport_adds_nothing(engine):
    path = FIXTURES / "inventory_snapshots.csv"

    first = import_file(engine, fmt=FMT, path=path)
    second = import_file(engine, fmt=FMT, path=path)

    assert counts(first) == (9, 3, 5, 1)
    assert first.quarantine_reasons == {
        "on_hand 117 conflicts with on_hand 115 on row 4 for the same date, sku and"
        " warehouse": 1,
        "on_hand must be >= 0": 1,
        "date is not a date (expected YYYY-MM-DD)": 1,
        "warehouse is missing": 1,
        "on_hand is not a whole number": 1,
    }
    assert (first.date_min, first.date_max) == ("2024-03-01", "2024-03-02")
    assert first.data_quality == {
        "layout": "snapshots",
        "skus": 2,
        "warehouses": ["WH-MAIN"],
    }
    assert counts(second) == (9, 0, 0, 9)
    assert snapshots(engine) == [
        (dt.date(2024, 3, 1), "TP-0001", "WH-MAIN", 120),
        (dt.date(2024, 3, 1), "TP-0002", "WH-MAIN", 0),
        (dt.date(2024, 3, 2), "TP-0001", "WH-MAIN", 115),
    ]
    with engine.connect() as conn:
        warehouses = conn.execute(sa.select(tables.warehouses.c.code)).scalars().all()
    assert warehouses == ["WH-MAIN"]


def test_snapshot_contradicting_the_store_is_quarantined_not_overwritten(
    engine, tmp_path
):
    header = "date,sku,warehouse,on_hand\n"
    import_file(engine, fmt=FMT, path=write(tmp_path, header + "2024-03-01,A,W,10\n"))
    later = header + "2024-03-01,A,W,12\n2024-03-01,A,W,10\n2024-03-02,A,W,9\n"

    report = import_file(engine, fmt=FMT, path=write(tmp_path, later, "later.csv"))

    assert counts(report) == (3, 1, 1, 1)
    assert report.quarantine_reasons == {
        "on_hand 12 conflicts with the stored on_hand 10 for this date, sku and"
        " warehouse (stored values are not overwritten)": 1
    }
    assert snapshots(engine) == [
        (dt.date(2024, 3, 1), "A", "W", 10),
        (dt.date(2024, 3, 2), "A", "W", 9),
    ]


def test_movements_keep_identical_rows_and_reimport_adds_nothing(engine):
    path = FIXTURES / "inventory_movements.csv"

    first = import_file(engine, fmt=FMT, path=path)
    second = import_file(engine, fmt=FMT, path=path)

    assert counts(first) == (7, 4, 3, 0)
    assert first.quarantine_reasons == {
        "change must not be 0": 1,
        "reason is missing": 1,
        "change is not a whole number": 1,
    }
    assert first.data_quality["layout"] == "movements"
    assert counts(second) == (7, 0, 0, 7)
    move = tables.inventory_movements
    with engine.connect() as conn:
        stored = conn.execute(
            sa.select(
                move.c.date, move.c.change, move.c.reason, move.c.movement_key
            ).order_by(move.c.id)
        ).all()
    assert stored == [
        (
            dt.date(2024, 3, 1),
            120,
            "receipt",
            "2024-03-01|TP-0001|WH-MAIN|120|receipt|1",
        ),
        (dt.date(2024, 3, 2), -2, "sale", "2024-03-02|TP-0001|WH-MAIN|-2|sale|1"),
        (dt.date(2024, 3, 2), -2, "sale", "2024-03-02|TP-0001|WH-MAIN|-2|sale|2"),
        (dt.date(2024, 3, 2), 1, "return", "2024-03-02|TP-0001|WH-MAIN|1|return|1"),
    ]


def test_overlapping_movement_export_adds_only_new_movements(engine, tmp_path):
    header = "date,sku,warehouse,change,reason\n"
    sale = "2024-03-02,A,W,-2,sale\n"
    import_file(engine, fmt=FMT, path=write(tmp_path, header + sale, "a.csv"))

    report = import_file(
        engine, fmt=FMT, path=write(tmp_path, header + sale + sale, "b.csv")
    )

    assert counts(report) == (2, 1, 0, 1)


def test_movement_with_long_texts_gets_a_digest_key(engine, tmp_path):
    sku, warehouse, reason = "S" * 64, "W" * 64, "R" * 64
    path = write(
        tmp_path,
        f"date,sku,warehouse,change,reason\n2024-03-02,{sku},{warehouse},-1,{reason}\n",
    )

    first = import_file(engine, fmt=FMT, path=path)
    second = import_file(engine, fmt=FMT, path=path)

    with engine.connect() as conn:
        key = conn.execute(
            sa.select(tables.inventory_movements.c.movement_key)
        ).scalar()
    assert (first.accepted, second.duplicates) == (1, 1)
    assert key.startswith("#")
    assert len(key) == 49


@pytest.mark.parametrize(
    ("header", "message"),
    [
        pytest.param(
            "date,sku,qty",
            "stock.csv is not an inventory file: snapshots need date, sku, warehouse,"
            " on_hand (missing warehouse, on_hand); movements need date, sku,"
            " warehouse, change, reason (missing warehouse, change, reason);"
            " found: date, sku, qty",
            id="neither",
        ),
        pytest.param(
            "date,sku,warehouse,on_hand,change,reason",
            "stock.csv has the columns of both inventory layouts; keep 'on_hand' for"
            " snapshots or 'change' and 'reason' for movements; found: date, sku,"
            " warehouse, on_hand, change, reason",
            id="both",
        ),
    ],
)
def test_file_in_no_single_layout_is_refused(engine, tmp_path, header, message):
    cells = ",".join("1" for _ in header.split(","))
    path = write(tmp_path, f"{header}\n{cells}\n")

    with pytest.raises(ImportFormatError, match=re.escape(message)):
        import_file(engine, fmt=FMT, path=path)


def test_xlsx_snapshot_with_date_cells(engine, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["date", "sku", "warehouse", "on_hand"])
    sheet.append([dt.date(2024, 3, 3), "TP-0001", "WH-MAIN", 7])
    path = tmp_path / "stock.xlsx"
    book.save(path)

    report = import_file(engine, fmt=FMT, path=path)

    assert counts(report) == (1, 1, 0, 0)
    assert snapshots(engine) == [(dt.date(2024, 3, 3), "TP-0001", "WH-MAIN", 7)]
