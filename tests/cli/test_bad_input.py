"""Every kind of bad input gets one clear line on stderr and a non-zero exit code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradepilot.cli.main import app

HEADER = (
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"
)
GOOD = "536365,85123A,WHITE HEART,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    home = tmp_path / "ws"
    result = CliRunner().invoke(app, ["init", "-w", str(home)])
    assert result.exit_code == 0, result.output
    return home


def run(workspace: Path, *args: str):
    return CliRunner().invoke(app, [*args, "-w", str(workspace)])


def import_bytes(workspace: Path, tmp_path: Path, data: bytes, name: str = "f.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return run(workspace, "import", "online-retail", str(path), "--json")


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        pytest.param(b"", "empty.csv", "the file is empty", id="empty"),
        pytest.param(b"\n \n", "blank.csv", "the file is empty", id="blank"),
        pytest.param(
            HEADER.encode() + b"\n",
            "header.csv",
            "has a header but no data rows",
            id="header-only",
        ),
        pytest.param(b"%PDF-1.4\n%\xe2\xe3", "x.csv", "found a PDF document", id="pdf"),
        pytest.param(b"\x89PNG\r\n\x1a\n\0\0", "x.csv", "found a PNG image", id="png"),
        pytest.param(b"PK\x03\x04junk", "x.xlsx", "damaged ZIP/XLSX", id="bad-zip"),
        pytest.param(
            b"amazon-order-id\tsku\tquantity\n1\tA\t2\n",
            "orders.txt",
            "missing column(s) 'InvoiceNo' or 'Invoice', 'StockCode'",
            id="another-format",
        ),
        pytest.param(
            b"InvoiceNo,StockCode,Quantity\n1,A,2\n",
            "partial.csv",
            "found: InvoiceNo, StockCode, Quantity",
            id="missing-columns-lists-found",
        ),
        pytest.param(
            b"\x1f\x8b\x08\x00broken", "x.csv.gz", "damaged gzip", id="bad-gzip"
        ),
    ],
)
def test_wrong_files_get_a_clear_error(workspace, tmp_path, data, name, message):
    result = import_bytes(workspace, tmp_path, data, name)

    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert result.stdout == ""


def test_missing_file_and_unknown_format(workspace, tmp_path):
    missing = run(workspace, "import", "online-retail", str(tmp_path / "nope.csv"))
    unknown = run(workspace, "import", "ebay", str(tmp_path / "nope.csv"))

    assert missing.exit_code == 2
    assert "no such file" in missing.stderr
    assert unknown.exit_code == 2
    assert "unknown import format 'ebay'; choose from" in unknown.stderr


def test_uninitialised_workspace_is_named(tmp_path):
    result = CliRunner().invoke(app, ["status", "-w", str(tmp_path / "none")])

    assert result.exit_code == 1
    assert "run 'tradepilot init' first" in result.stderr


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [
        pytest.param("windows-1252", b"", id="cp1252"),
        pytest.param("utf-8", b"\xef\xbb\xbf", id="bom"),
    ],
)
def test_windows_1252_and_bom_files_import(workspace, tmp_path, encoding, bom):
    line = "536366,22633,CAFÉ MUG £ SET,6,2010-12-01 08:28:00,1.85,17850.0,France"
    data = bom + f"{HEADER}\n{line}\n".encode(encoding)

    result = import_bytes(workspace, tmp_path, data)
    report = json.loads(result.stdout)

    assert result.exit_code == 0, result.stderr
    assert (report["rows_read"], report["accepted"]) == (1, 1)
    assert report["files"][0]["encoding"] == ("utf-8-sig" if bom else "windows-1252")
    listing = run(workspace, "status", "--json")
    assert json.loads(listing.stdout)["countries"] == ["FR"]


def test_unparseable_and_absurd_rows_are_quarantined_with_reasons(workspace, tmp_path):
    rows = [
        GOOD,
        "536367,A1,X,six,2010-12-01 08:26:00,2.55,1,France",
        "536368,A2,X,6,01-12-2010 8h26,2.55,1,France",
        "536369,A3,X,6,2010-12-01 08:26:00,2;55,1,France",
        "536370,A4,X,5000000,2010-12-01 08:26:00,2.55,1,France",
        "536371,A5,X,6,1970-01-01 00:00:00,2.55,1,France",
        "536372,A6,X,6,2010-12-01 08:26:00,2.55,1,Atlantis",
        ",A7,X,6,2010-12-01 08:26:00,2.55,1,France",
    ]
    data = "\n".join([HEADER, *rows]).encode()

    result = import_bytes(workspace, tmp_path, data)
    report = json.loads(result.stdout)

    assert result.exit_code == 0
    assert (report["rows_read"], report["accepted"], report["quarantined"]) == (8, 1, 7)
    assert report["quarantine_reasons"] == {
        "quantity is missing or not a whole number": 1,
        "order date is missing or not a date": 1,
        "unit price is missing or not a number": 1,
        "absurd quantity (over 1,000,000)": 1,
        "order date is before 1990 or in the future": 1,
        "country 'Atlantis' is not a known country or alias": 1,
        "order number is missing": 1,
    }
    listing = json.loads(run(workspace, "quarantine", "list", "--json").stdout)
    assert listing["count"] == 7
    by_row = {r["row_number"]: r for r in listing["data"]}
    assert by_row[3]["raw"]["Quantity"] == "six"
    assert by_row[8]["raw"]["Country"] == "Atlantis"


def test_quarantine_export_writes_every_row(workspace, tmp_path):
    import_bytes(
        workspace,
        tmp_path,
        "\n".join([HEADER, GOOD, GOOD.replace("6,", "x,", 1)]).encode(),
    )
    out = tmp_path / "q.csv"

    result = run(workspace, "quarantine", "export", "--out", str(out), "--json")

    assert json.loads(result.stdout)["rows"] == 1
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "id,format,source_name,row_number,reason,raw"
    assert len(lines) == 2
