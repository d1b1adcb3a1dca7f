from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from tradepilot.domain.errors import ImportFormatError
from tradepilot.ingest.service import import_file
from tradepilot.store import tables

FIXTURES = Path(__file__).parent / "fixtures"
FMT = "products"


def write(tmp_path: Path, text: str, name: str = "catalogue.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def counts(report) -> tuple[int, int, int, int]:
    return (report.rows_read, report.accepted, report.quarantined, report.duplicates)


def products(engine) -> list[tuple]:
    with engine.connect() as conn:
        columns = [c for c in tables.products.c if c.name != "import_run_id"]
        rows = conn.execute(sa.select(*columns).order_by(tables.products.c.sku)).all()
    return [tuple(r) for r in rows]


def test_catalogue_is_accounted_for_and_reimport_adds_nothing(engine):
    path = FIXTURES / "products.csv"

    first = import_file(engine, fmt=FMT, path=path)
    second = import_file(engine, fmt=FMT, path=path)

    assert counts(first) == (9, 3, 5, 1)
    assert first.quarantine_reasons == {
        "hs_code is not 6 to 10 digits (expected e.g. 691200)": 1,
        "weight_kg must be > 0": 1,
        "unit_cost must be >= 0": 1,
        "unit_cost is given without cost_currency": 1,
        "sku TP-0002 is listed again with different attributes (first on row 3)": 1,
    }
    assert first.data_quality == {"products_new": 3, "products_updated": 0}
    assert counts(second) == (9, 0, 0, 9)
    assert products(engine) == [
        ("POST", "Postage", "shipping", *[None] * 10),
        (
            "TP-0001",
            "Stoneware Mug - Sand",
            "product",
            "Kitchen",
            "Porto Ceramica",
            Decimal("2.1"),
            "EUR",
            0.35,
            "691200",
            12,
            48,
            Decimal("12.9"),
            "EUR",
        ),
        (
            "TP-0002",
            "Linen Napkin - Ivory",
            "product",
            "Textiles",
            "Lisbon Linen",
            Decimal("1.05"),
            "EUR",
            0.08,
            "6302910000",
            20,
            100,
            Decimal("6.5"),
            "EUR",
        ),
    ]


def test_catalogue_fills_a_product_created_by_an_order_import(engine, tmp_path):
    retail = write(
        tmp_path,
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,"
        "Country\n536365,TP-0001,MUG SAND,6,2010-12-01 08:26:00,2.55,17850,France\n",
        "retail.csv",
    )
    import_file(engine, fmt="online-retail", path=retail)
    catalogue = write(tmp_path, "sku,weight_kg,hs_code\nTP-0001,0.35,691200\n")

    first = import_file(engine, fmt=FMT, path=catalogue)
    second = import_file(engine, fmt=FMT, path=catalogue)

    assert counts(first) == (1, 1, 0, 0)
    assert first.data_quality == {"products_new": 0, "products_updated": 1}
    assert counts(second) == (1, 0, 0, 1)
    assert products(engine) == [
        ("TP-0001", "MUG SAND", "product", None, None, None, None, 0.35, "691200")
        + (None,) * 4
    ]


def test_partial_file_updates_only_what_it_gives(engine, tmp_path):
    import_file(engine, fmt=FMT, path=FIXTURES / "products.csv")
    update = "sku,list_price,price_currency,description\nTP-0001,13.50,EUR,\n"

    report = import_file(engine, fmt=FMT, path=write(tmp_path, update))

    stored = products(engine)[1]
    assert counts(report) == (1, 1, 0, 0)
    assert stored[1] == "Stoneware Mug - Sand"  # an empty cell erases nothing
    assert stored[5:] == (
        Decimal("2.1"),
        "EUR",
        0.35,
        "691200",
        12,
        48,
        Decimal("13.5"),
        "EUR",
    )


@pytest.mark.parametrize(
    ("hs_code", "accepted"),
    [
        pytest.param("691200", True, id="6-digits"),
        pytest.param("0901110000", True, id="10-digits-leading-zero"),
        pytest.param("69120", False, id="5-digits"),
        pytest.param("69120000001", False, id="11-digits"),
        pytest.param("6912.00", False, id="dotted"),
        pytest.param("691200.0", False, id="float-text"),
    ],
)
def test_hs_code_must_be_6_to_10_digits(engine, tmp_path, hs_code, accepted):
    path = write(tmp_path, f"sku,hs_code\nTP-0001,{hs_code}\n")

    report = import_file(engine, fmt=FMT, path=path)

    assert (report.accepted, report.quarantined) == (int(accepted), int(not accepted))


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        pytest.param(
            "weight_kg", "nan", "weight_kg is not a number of kilograms", id="nan"
        ),
        pytest.param(
            "weight_kg", "-0.2", "weight_kg must be > 0", id="negative-weight"
        ),
        pytest.param("case_pack", "0", "case_pack must be > 0", id="zero-pack"),
        pytest.param("moq", "2.5", "moq is not a whole number", id="fractional-moq"),
        pytest.param(
            "list_price", "1,299.00", "list_price is not a decimal", id="thousands"
        ),
        pytest.param(
            "cost_currency", "EURO", "cost_currency is not a known", id="currency"
        ),
    ],
)
def test_bad_attribute_is_quarantined(engine, tmp_path, column, value, reason):
    path = write(tmp_path, f'sku,{column}\nTP-0001,"{value}"\n')

    report = import_file(engine, fmt=FMT, path=path)

    assert counts(report) == (1, 0, 1, 0)
    assert list(report.quarantine_reasons)[0].startswith(reason)


def test_file_without_sku_column_is_refused(engine, tmp_path):
    path = write(tmp_path, "StockCode,Description\n85123A,HEART\n")
    expected = (
        "catalogue.csv is not a products file: missing column(s) 'sku';"
        " found: StockCode, Description"
    )

    with pytest.raises(ImportFormatError, match=re.escape(expected)):
        import_file(engine, fmt=FMT, path=path)
