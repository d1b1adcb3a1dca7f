from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from tradepilot.ingest.service import import_file

SAMPLE = """InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom
536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom
536366,POST,POSTAGE,1,2010-12-01 08:28:00,18.00,12583.0,EIRE
C536379,85123A,WHITE HANGING HEART T-LIGHT HOLDER,-1,2010-12-01 09:41:00,2.55,17850.0,United Kingdom
536380,22139,,-24,2010-12-01 09:45:00,0,,United Kingdom
536381,22140,ROBOT,2,2010-12-01 09:45:00,1.50,,Narnia
"""


def write(tmp_path: Path, text: str, name: str = "retail.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_sample_is_accounted_for_and_reimport_adds_nothing(engine, tmp_path):
    path = write(tmp_path, SAMPLE)

    first = import_file(engine, fmt="online-retail", path=path)
    second = import_file(engine, fmt="online-retail", path=path)

    assert (first.rows_read, first.accepted, first.quarantined, first.duplicates) == (
        6,
        4,
        2,
        0,
    )
    assert first.quarantine_reasons == {
        "zero price and no customer: a stock adjustment or write-off, not a sale": 1,
        "country 'Narnia' is not a known country or alias": 1,
    }
    assert (second.accepted, second.quarantined, second.duplicates) == (0, 0, 6)
    with engine.connect() as conn:
        count = conn.execute(sa.text("SELECT count(*) FROM order_lines")).scalar_one()
        q = conn.execute(sa.text("SELECT count(*) FROM quarantine")).scalar_one()
    assert (count, q) == (4, 2)


def test_repeated_line_in_one_invoice_is_kept_and_cancellation_linked(engine, tmp_path):
    import_file(engine, fmt="online-retail", path=write(tmp_path, SAMPLE))

    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT o.order_number, l.quantity, l.reverses_line_id, l.kind"
                " FROM order_lines l JOIN orders o ON o.id = l.order_id ORDER BY l.id"
            )
        ).all()
        sale_ids = (
            conn.execute(
                sa.text("SELECT id FROM order_lines WHERE quantity = 6 ORDER BY id")
            )
            .scalars()
            .all()
        )
    assert [r[0] for r in rows] == ["536365", "536365", "536366", "C536379"]
    assert rows[2][3] == "shipping"
    assert rows[3][2] in sale_ids


def test_overlapping_export_adds_only_the_new_lines(engine, tmp_path):
    header, *lines = SAMPLE.splitlines()
    first = write(tmp_path, "\n".join([header, *lines[:3]]), "a.csv")
    extra = "536366,22633,HAND WARMER,6,2010-12-01 08:28:00,1.85,12583.0,EIRE"
    second = write(tmp_path, "\n".join([header, *lines[1:4], extra]), "b.csv")

    import_file(engine, fmt="online-retail", path=first)
    report = import_file(engine, fmt="online-retail", path=second)

    assert (report.rows_read, report.accepted, report.duplicates) == (4, 2, 2)
    assert report.orders_new == 1  # C536379; 536366 existed and gained a line


def test_stock_code_longer_than_the_store_holds_is_quarantined(engine, tmp_path):
    header, first, *_ = SAMPLE.splitlines()
    long_code = "X" * 65  # products.sku and order_lines.sku are VARCHAR(64)
    long = "536390,{},LONG CODE,1,2010-12-01 10:00:00,1.25,17850.0,United Kingdom"
    path = write(tmp_path, "\n".join([header, first, long.format(long_code)]))

    report = import_file(engine, fmt="online-retail", path=path)

    assert (report.rows_read, report.accepted, report.quarantined) == (2, 1, 1)
    assert report.quarantine_reasons == {"sku is longer than 64 characters": 1}
    with engine.connect() as conn:
        skus = conn.execute(sa.text("SELECT sku FROM order_lines")).scalars().all()
        row = conn.execute(sa.text("SELECT row_number FROM quarantine")).scalar_one()
    assert (skus, row) == (["85123A"], 3)


def test_online_retail_ii_xlsx_with_typed_cells(engine, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    # A workbook date cell is a naive local time: Excel has no time zones.
    sheet.append(
        [
            "Invoice",
            "StockCode",
            "Description",
            "Quantity",
            "InvoiceDate",
            "Price",
            "Customer ID",
            "Country",
        ]
    )
    sheet.append(
        [
            "489434",
            "85048",
            "15CM LIGHTS",
            12,
            dt.datetime(2009, 12, 1, 7, 45),  # noqa: DTZ001
            6.95,
            13085,
            "United Kingdom",
        ]
    )
    sheet.append(
        [
            "C489449",
            "22087",
            "BUNTING",
            -12,
            dt.datetime(2009, 12, 1, 10, 33),  # noqa: DTZ001
            2.95,
            16321.0,
            "Australia",
        ]
    )
    path = tmp_path / "online_retail_II.xlsx"
    book.save(path)

    report = import_file(engine, fmt="online-retail", path=path)

    assert (report.rows_read, report.accepted, report.encoding) == (2, 2, "xlsx")
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT o.order_number, o.kind, o.country, c.external_id, l.quantity,"
                " l.unit_price FROM order_lines l JOIN orders o ON o.id = l.order_id"
                " JOIN customers c ON c.id = o.customer_id ORDER BY l.id"
            )
        ).all()
    assert [(r[0], r[1], r[2], r[3], r[4], Decimal(str(r[5]))) for r in rows] == [
        ("489434", "sale", "GB", "13085", 12, Decimal("6.95")),
        ("C489449", "cancellation", "AU", "16321", -12, Decimal("2.95")),
    ]
    assert report.date_min == "2009-12-01T07:45:00+00:00"  # GMT in winter


def test_reimport_recognises_lines_whose_stock_code_holds_a_bar(engine, tmp_path):
    path = tmp_path / "bars.csv"
    path.write_text(
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,"
        "Country\n"
        "536365,A|1,BAR,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom\n"
        "536365,A,BAR,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom\n"
        "536366,B,PLAIN,1,2010-12-01 09:00:00,1.00,17850.0,United Kingdom\n",
        encoding="utf-8",
    )
    import_file(engine, fmt="online-retail", path=path)

    again = import_file(engine, fmt="online-retail", path=path)

    assert (again.accepted, again.quarantined, again.duplicates) == (0, 0, 3)
