from __future__ import annotations

import datetime as dt
import re
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradepilot.config import Settings
from tradepilot.domain.errors import ImportFormatError
from tradepilot.ingest.adapters.purchase_order_rows import receipt_limit
from tradepilot.ingest.service import import_file
from tradepilot.store import tables
from tradepilot.store.engine import create_engine, migrate

FIXTURES = Path(__file__).parent / "fixtures"
HEADER = (
    "po_number,supplier,ordered_date,sku,quantity_ordered,unit_cost,currency,"
    "promised_date,received_date,quantity_received,mode,warehouse"
)
FMT = "purchase-orders"


def write(tmp_path: Path, lines: list[str], name: str = "po.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def counts(report) -> tuple[int, int, int, int]:
    return (report.rows_read, report.accepted, report.quarantined, report.duplicates)


def receipts(engine) -> list[tuple[str, str, dt.date, int]]:
    po, line, rec = (
        tables.purchase_orders,
        tables.purchase_order_lines,
        tables.po_receipts,
    )
    query = (
        sa.select(po.c.po_number, line.c.sku, rec.c.received_date, rec.c.quantity)
        .join(line, line.c.id == rec.c.po_line_id)
        .join(po, po.c.id == line.c.po_id)
        .order_by(po.c.po_number, line.c.sku, rec.c.received_date, rec.c.id)
    )
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(query)]


def test_fixture_is_accounted_for_and_reimport_adds_nothing(engine):
    path = FIXTURES / "purchase_orders.csv"

    first = import_file(engine, fmt=FMT, path=path)
    second = import_file(engine, fmt=FMT, path=path)

    assert counts(first) == (14, 5, 8, 1)
    assert first.quarantine_reasons == {
        "over-receipt: line PO-2/TP-0004 would have 16 units received of 10 ordered;"
        " at most 11 are accepted (10% over, at least 1 unit)": 1,
        "ordered_date is not a date (expected YYYY-MM-DD)": 1,
        "unit_cost must be >= 0": 1,
        "PO PO-2 has supplier 'Porto Ceramica' on row 5; this row has 'Lisbon Linen'": 1,
        "currency is not a known ISO-4217 code (expected e.g. EUR, USD, CNY)": 1,
        "mode is not a shipping mode (expected one of sea, air, rail, road, express,"
        " unknown or empty)": 1,
        "received_date is before ordered_date": 1,
        "quantity_ordered must be > 0": 1,
    }
    assert (first.orders, first.orders_new) == (2, 2)
    assert (first.date_min, first.date_max) == ("2024-01-08", "2024-01-15")
    assert first.data_quality == {"lines_new": 4, "receipts_new": 4}
    assert counts(second) == (14, 0, 0, 14)
    with engine.connect() as conn:
        quarantined = conn.execute(sa.text("SELECT count(*) FROM quarantine")).scalar()
    assert quarantined == 8


def test_fixture_stores_suppliers_orders_lines_and_receipts(engine):
    import_file(engine, fmt=FMT, path=FIXTURES / "purchase_orders.csv")

    po, line = tables.purchase_orders, tables.purchase_order_lines
    with engine.connect() as conn:
        suppliers = conn.execute(
            sa.select(tables.suppliers.c.name, tables.suppliers.c.country).order_by(
                tables.suppliers.c.name
            )
        ).all()
        warehouses = conn.execute(sa.select(tables.warehouses)).all()
        orders = conn.execute(
            sa.select(
                po.c.po_number,
                tables.suppliers.c.name,
                po.c.ordered_date,
                po.c.mode,
                po.c.warehouse,
            )
            .join(tables.suppliers)
            .order_by(po.c.po_number)
        ).all()
        lines = conn.execute(
            sa.select(
                po.c.po_number,
                line.c.sku,
                line.c.quantity_ordered,
                line.c.unit_cost,
                line.c.currency,
                line.c.promised_date,
            )
            .join(po)
            .order_by(po.c.po_number, line.c.sku)
        ).all()
    assert suppliers == [("Porto Ceramica", "PT"), ("Shenzhen Homeware", "CN")]
    assert warehouses == [("WH-MAIN", None)]
    assert orders == [
        ("PO-1", "Shenzhen Homeware", dt.date(2024, 1, 8), "sea", "WH-MAIN"),
        ("PO-2", "Porto Ceramica", dt.date(2024, 1, 15), "unknown", "WH-MAIN"),
    ]
    promised = dt.date(2024, 2, 20)
    assert lines == [
        ("PO-1", "TP-0001", 100, Decimal("2.1"), "USD", promised),
        ("PO-1", "TP-0002", 50, Decimal("3.4"), "USD", promised),
        ("PO-2", "TP-0003", 24, Decimal("4.5"), "EUR", None),
        ("PO-2", "TP-0004", 10, Decimal("1.2"), "EUR", None),
    ]
    assert receipts(engine) == [
        ("PO-1", "TP-0001", dt.date(2024, 2, 19), 60),
        ("PO-1", "TP-0001", dt.date(2024, 3, 4), 40),
        ("PO-2", "TP-0003", dt.date(2024, 1, 29), 26),
        ("PO-2", "TP-0004", dt.date(2024, 1, 29), 8),
    ]


def test_later_export_adds_only_the_new_receipts(engine, tmp_path):
    po = "PO-7,Acme,2024-01-08,{sku},100,2.10,USD,,{received},{qty},sea,WH-MAIN"
    first_receipt = po.format(sku="A", received="2024-02-01", qty=60)
    unreceived = po.format(sku="B", received="", qty="")
    earlier = write(tmp_path, [first_receipt, unreceived], "june.csv")
    later = write(
        tmp_path,
        [
            first_receipt,
            po.format(sku="A", received="2024-02-15", qty=40),
            po.format(sku="B", received="2024-02-15", qty=100),
        ],
        "july.csv",
    )

    import_file(engine, fmt=FMT, path=earlier)
    report = import_file(engine, fmt=FMT, path=later)

    assert counts(report) == (3, 2, 0, 1)
    assert (report.orders, report.orders_new) == (1, 0)
    assert receipts(engine) == [
        ("PO-7", "A", dt.date(2024, 2, 1), 60),
        ("PO-7", "A", dt.date(2024, 2, 15), 40),
        ("PO-7", "B", dt.date(2024, 2, 15), 100),
    ]


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        pytest.param(
            "PO-7,Other Ltd,2024-01-08,C,10,2.10,USD,,,,sea,WH-MAIN",
            "PO PO-7 has supplier 'Acme' in the store; this row has 'Other Ltd'",
            id="supplier",
        ),
        pytest.param(
            "PO-7,Acme,2024-01-09,C,10,2.10,USD,,,,sea,WH-MAIN",
            "PO PO-7 has ordered_date '2024-01-08' in the store;"
            " this row has '2024-01-09'",
            id="ordered-date",
        ),
        pytest.param(
            "PO-7,Acme,2024-01-08,A,100,2.15,USD,,2024-02-15,40,sea,WH-MAIN",
            "line PO-7/A has unit_cost '2.1' in the store; this row has '2.15'",
            id="unit-cost",
        ),
        pytest.param(
            "PO-7,Acme,2024-01-08,A,100,2.10,USD,2024-02-01,2024-02-15,40,sea,WH-MAIN",
            "line PO-7/A has promised_date (empty) in the store;"
            " this row has '2024-02-01'",
            id="promised-date",
        ),
    ],
)
def test_row_contradicting_the_stored_po_is_quarantined(engine, tmp_path, row, reason):
    stored = "PO-7,Acme,2024-01-08,A,100,2.10,USD,,2024-02-01,60,sea,WH-MAIN"
    import_file(engine, fmt=FMT, path=write(tmp_path, [stored], "a.csv"))

    report = import_file(engine, fmt=FMT, path=write(tmp_path, [row], "b.csv"))

    assert counts(report) == (1, 0, 1, 0)
    assert report.quarantine_reasons == {reason: 1}
    assert receipts(engine) == [("PO-7", "A", dt.date(2024, 2, 1), 60)]


@pytest.mark.parametrize(
    ("ordered", "shipments", "accepted"),
    [
        pytest.param(100, [60, 50], [60, 50], id="exactly-10-percent-over"),
        pytest.param(100, [60, 51], [60], id="over-10-percent"),
        pytest.param(5, [6], [6], id="one-unit-over-small-line"),
        pytest.param(5, [7], [], id="two-units-over-small-line"),
        pytest.param(10, [8, 8, 3], [8, 3], id="later-receipt-fits-again"),
    ],
)
def test_over_receipt_tolerance(engine, tmp_path, ordered, shipments, accepted):
    rows = [
        f"PO-9,Acme,2024-01-08,A,{ordered},1.00,EUR,,2024-02-{day + 1:02d},{qty},,"
        for day, qty in enumerate(shipments)
    ]

    report = import_file(engine, fmt=FMT, path=write(tmp_path, rows))

    assert (report.accepted, report.quarantined) == (
        len(accepted),
        len(shipments) - len(accepted),
    )
    assert [r[3] for r in receipts(engine)] == accepted


def test_over_receipt_counts_stored_receipts_and_date_order(engine, tmp_path):
    full = "PO-9,Acme,2024-01-08,A,100,1.00,EUR,,2024-02-01,100,,"
    late = "PO-9,Acme,2024-01-08,A,100,1.00,EUR,,2024-03-01,5,,"
    early = "PO-9,Acme,2024-01-08,A,100,1.00,EUR,,2024-02-15,8,,"
    import_file(engine, fmt=FMT, path=write(tmp_path, [full], "a.csv"))

    report = import_file(engine, fmt=FMT, path=write(tmp_path, [late, early], "b.csv"))

    assert counts(report) == (2, 1, 1, 0)
    assert report.quarantine_reasons == {
        "over-receipt: line PO-9/A would have 113 units received of 100 ordered;"
        " at most 110 are accepted (10% over, at least 1 unit)": 1
    }
    assert [r[2:] for r in receipts(engine)] == [
        (dt.date(2024, 2, 1), 100),
        (dt.date(2024, 2, 15), 8),
    ]


@pytest.mark.parametrize(
    ("received", "quantity", "reason"),
    [
        pytest.param(
            "2024-02-01", "", "received_date and quantity_received", id="no-qty"
        ),
        pytest.param("", "5", "received_date and quantity_received", id="no-date"),
        pytest.param("2024-02-01", "0", "quantity_received must be > 0", id="zero"),
        pytest.param("01/02/2024", "5", "received_date is not a date", id="us-date"),
        pytest.param(
            "2024-02-01", "5.5", "quantity_received is not a whole", id="frac"
        ),
    ],
)
def test_bad_receipt_cells_are_quarantined(
    engine, tmp_path, received, quantity, reason
):
    row = f"PO-9,Acme,2024-01-08,A,10,1.00,EUR,,{received},{quantity},,"

    report = import_file(engine, fmt=FMT, path=write(tmp_path, [row]))

    assert counts(report) == (1, 0, 1, 0)
    assert list(report.quarantine_reasons)[0].startswith(reason)


def test_optional_columns_may_be_absent(engine, tmp_path):
    path = tmp_path / "minimal.csv"
    path.write_text(
        "PO_Number,Supplier,Ordered_Date,SKU,Quantity_Ordered,Unit_Cost,Currency,"
        "Received_Date,Quantity_Received\n"
        "PO-3,Acme,2024-01-08,A,10,1.5,eur,,\n",
        encoding="utf-8",
    )

    report = import_file(engine, fmt=FMT, path=path)

    po = tables.purchase_orders
    with engine.connect() as conn:
        stored = conn.execute(sa.select(po.c.mode, po.c.warehouse)).all()
        currency = conn.execute(
            sa.select(tables.purchase_order_lines.c.currency)
        ).scalar()
    assert counts(report) == (1, 1, 0, 0)
    assert (stored, currency) == ([("unknown", None)], "EUR")


def test_supplier_country_comes_from_the_first_row_that_gives_it(engine, tmp_path):
    path = tmp_path / "countries.csv"
    path.write_text(
        f"{HEADER},supplier_country\n"
        "PO-3,Acme,2024-01-08,A,10,1.5,EUR,,,,,,\n"
        "PO-3,Acme,2024-01-08,B,10,1.5,EUR,,,,,,China\n"
        "PO-4,Acme,2024-01-09,A,10,1.5,EUR,,,,,,DE\n",
        encoding="utf-8",
    )

    import_file(engine, fmt=FMT, path=path)

    with engine.connect() as conn:
        stored = conn.execute(
            sa.select(tables.suppliers.c.name, tables.suppliers.c.country)
        ).all()
    assert stored == [("Acme", "CN")]


def test_an_orders_export_is_refused_naming_the_missing_columns(engine, tmp_path):
    path = tmp_path / "retail.csv"
    path.write_text(
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID\n"
        "536365,85123A,HEART,6,2010-12-01 08:26:00,2.55,17850\n",
        encoding="utf-8",
    )
    expected = (
        "retail.csv is not a purchase-orders file (see docs/import-layouts.md):"
        " missing column(s) 'po_number', 'supplier', 'ordered_date', 'sku',"
        " 'quantity_ordered', 'unit_cost', 'currency', 'received_date',"
        " 'quantity_received'; found: InvoiceNo, StockCode, Description, Quantity,"
        " InvoiceDate, UnitPrice, CustomerID"
    )

    with pytest.raises(ImportFormatError, match=re.escape(expected)):
        import_file(engine, fmt=FMT, path=path)
    with engine.connect() as conn:
        runs = conn.execute(sa.text("SELECT count(*) FROM import_runs")).scalar()
    assert runs == 0


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    simulate = pytest.importorskip("tradepilot.simulate")
    if not hasattr(simulate, "write_store"):
        pytest.skip("tradepilot.simulate has no write_store yet")
    config = simulate.SimulationConfig(seed=3, n_days=180, n_skus=30, n_customers=300)
    out = tmp_path_factory.mktemp("simulated")
    return simulate.write_store(simulate.simulate_store(config), out)


@pytest.mark.parametrize(
    ("fmt", "key"),
    [
        pytest.param("products", "products", id="products"),
        pytest.param(FMT, "purchase_orders", id="purchase-orders"),
        pytest.param("inventory", "inventory", id="inventory"),
    ],
)
def test_simulated_store_files_import_cleanly(engine, simulated, fmt, key):
    first = import_file(engine, fmt=fmt, path=simulated[key])
    second = import_file(engine, fmt=fmt, path=simulated[key])

    assert first.rows_read > 0
    assert (first.accepted, first.quarantined) == (first.rows_read, 0)
    assert counts(second) == (first.rows_read, 0, 0, first.rows_read)


ROWS = st.builds(
    "{},{},{},{},{},{},{},,{},{},{},WH".format,
    st.sampled_from(["PO-1", "PO-2", ""]),
    st.sampled_from(["Acme", "Beta"]),
    st.sampled_from(["2024-01-10", "2024-01-20", "2024-13-01"]),
    st.sampled_from(["A", "B"]),
    st.sampled_from(["10", "0", "x"]),
    st.sampled_from(["1.50", "-1", "1.55"]),
    st.sampled_from(["EUR", "ZZZ"]),
    st.sampled_from(["", "2024-01-05", "2024-01-15", "2024-01-25"]),
    st.sampled_from(["", "4", "8", "0"]),
    st.sampled_from(["sea", "", "boat"]),
)


@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(rows=st.lists(ROWS, min_size=1, max_size=12))
def test_accounting_holds_and_reimport_is_all_duplicates(rows):
    with tempfile.TemporaryDirectory() as home:
        engine = create_engine(Settings(home=Path(home), database_url=None))
        try:
            migrate(engine)
            path = write(Path(home), rows)

            first = import_file(engine, fmt=FMT, path=path)
            second = import_file(engine, fmt=FMT, path=path)

            totals = _received_per_line(engine)
        finally:
            engine.dispose()
    assert first.rows_read == first.accepted + first.quarantined + first.duplicates
    assert counts(second) == (len(rows), 0, 0, len(rows))
    assert all(received <= receipt_limit(ordered) for ordered, received in totals)


def _received_per_line(engine) -> list[tuple[int, int]]:
    line, rec = tables.purchase_order_lines, tables.po_receipts
    query = (
        sa.select(line.c.quantity_ordered, sa.func.sum(rec.c.quantity))
        .join(rec, rec.c.po_line_id == line.c.id)
        .group_by(line.c.id, line.c.quantity_ordered)
    )
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(query)]
