"""A file cut off mid-row: the rest is imported, the partial row quarantined, and the
report says ``truncated``."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
import sqlalchemy as sa

from tradepilot.domain.errors import ImportFormatError
from tradepilot.ingest.files import read_table
from tradepilot.ingest.service import import_file

FIXTURES = Path(__file__).parent / "fixtures"
SHOPIFY = (FIXTURES / "shopify_orders.csv").read_text(encoding="utf-8")
LAST_ROW = SHOPIFY.rstrip("\n").rsplit("\n", 1)[1]
CREATED_AT = "Created at is missing or not a time like 2024-03-05 14:07:33 +0100"
CUT = "it was cut off; export the file again and import it to add this row"
HEADER = (
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"
)
RETAIL = [
    "536365,85123A,HEART,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom",
    "536366,22633,WARMER,6,2010-12-01 08:28:00,1.85,12583.0,France",
    '536367,22634,"WARMER, RED",3,2010-12-01 08:29:00,1.85,12583.0,France',
]


def cut_shopify(tmp_path: Path, before: str) -> Path:
    """The Shopify fixture cut off just before ``before`` in its last row."""
    text = SHOPIFY.rstrip("\n")
    cut = text[: len(text) - len(LAST_ROW) + LAST_ROW.index(before)]
    path = tmp_path / "cut.csv"
    path.write_text(cut, encoding="utf-8")
    return path


def order_lines(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM order_lines")).scalar_one()


@pytest.mark.parametrize(
    ("before", "detail"),
    [
        pytest.param("Green", "18 of 47 fields", id="fewer-fields"),
        pytest.param(',50"', "inside a quoted field", id="unterminated-quote"),
    ],
)
def test_cut_off_row_is_quarantined_and_the_rest_imported(
    engine, tmp_path, before, detail
):
    path = cut_shopify(tmp_path, before)

    report = import_file(engine, fmt="shopify", path=path)

    assert report.truncated is True
    assert (report.rows_read, report.accepted, report.quarantined) == (10, 8, 2)
    assert report.duplicates == 0
    assert report.quarantine_reasons == {
        CREATED_AT: 1,
        f"the file ends in the middle of this row ({detail}): {CUT}": 1,
    }
    assert report.notes == [
        f"cut.csv ends in the middle of row 11 ({detail}): the file was cut off."
        " That row is quarantined and the rows before it are imported; export the"
        " file again and import it to add the rest"
    ]
    assert order_lines(engine) == 17  # as from the whole file, whose row 11 is bad


def test_reimporting_a_cut_off_file_adds_nothing(engine, tmp_path):
    path = cut_shopify(tmp_path, "Green")
    import_file(engine, fmt="shopify", path=path)

    again = import_file(engine, fmt="shopify", path=path)

    assert (again.accepted, again.quarantined, again.duplicates) == (0, 0, 10)
    assert again.truncated is True


def test_cut_off_gzip_imports_what_it_holds(engine, tmp_path):
    whole = gzip.compress(("\n".join([HEADER, *RETAIL * 400]) + "\n").encode())
    path = tmp_path / "retail.csv.gz"
    path.write_bytes(whole[: len(whole) * 2 // 3])
    table = read_table(path)

    report = import_file(engine, fmt="online-retail", path=path)

    assert table.truncated is True
    assert report.truncated is True
    assert report.rows_read == table.frame.height
    whole_rows = table.frame.height - (table.partial_row is not None)
    assert report.accepted + report.duplicates == whole_rows
    assert 0 < whole_rows < 1200


@pytest.mark.parametrize(
    ("text", "rows"),
    [
        pytest.param("\n".join([HEADER, *RETAIL]), 3, id="no-final-line-break"),
        pytest.param("\n".join([HEADER, *RETAIL]) + "\r\n", 3, id="crlf"),
        pytest.param(
            "\n".join([HEADER, *RETAIL, "536368,22635,KEY,1"]) + "\n",
            4,
            id="short-row-with-line-break",
        ),
    ],
)
def test_a_whole_file_is_not_truncated(tmp_path, text, rows):
    path = tmp_path / "retail.csv"
    path.write_text(text, encoding="utf-8")

    table = read_table(path)

    assert (table.truncated, table.partial_row, table.frame.height) == (
        False,
        None,
        rows,
    )
    assert table.frame["Description"].to_list()[2] == "WARMER, RED"


def test_cut_inside_a_character_is_still_utf8(tmp_path):
    data = ("\n".join([HEADER, *RETAIL, "536368,22635,KÄSE"])).encode()
    path = tmp_path / "retail.csv"
    path.write_bytes(data[:-3])  # the second byte of Ä and what follows are gone

    table = read_table(path)

    assert (table.encoding, table.partial_row, table.partial_detail) == (
        "utf-8",
        5,
        "3 of 8 fields",
    )
    assert table.frame.row(-1)[:3] == ("536368", "22635", "K")


@pytest.mark.parametrize(
    ("text", "partial"),
    [
        pytest.param("\n".join([HEADER, *RETAIL]) + "\n", None, id="whole"),
        pytest.param("\ufeff" + "\n".join([HEADER, *RETAIL]), None, id="bom"),
        pytest.param(
            "\n".join([HEADER, *RETAIL, "536368,22635,KEY,1"]), 5, id="short-last-row"
        ),
        pytest.param(
            "\n".join([HEADER, *RETAIL, '536368,22635,"KEY']), 5, id="open-quote"
        ),
        pytest.param(
            "\n".join([HEADER, *RETAIL, "536368,22635,KEY,1,,,,"]), None, id="empty-end"
        ),
    ],
)
def test_a_gzipped_file_reads_as_its_text(tmp_path, text, partial):
    plain, packed = tmp_path / "retail.csv", tmp_path / "retail.csv.gz"
    plain.write_text(text, encoding="utf-8")
    packed.write_bytes(gzip.compress(text.encode()))

    expected, table = read_table(plain), read_table(packed)

    assert table.frame.equals(expected.frame)
    assert (table.encoding, table.partial_row, table.truncated) == (
        expected.encoding,
        partial,
        partial is not None,
    )


def test_a_gzipped_file_with_bytes_after_its_end_is_refused(tmp_path):
    path = tmp_path / "retail.csv.gz"
    path.write_bytes(gzip.compress(("\n".join([HEADER, *RETAIL])).encode()) + b"junk")

    with pytest.raises(ImportFormatError, match="unexpected bytes after its end"):
        read_table(path)
