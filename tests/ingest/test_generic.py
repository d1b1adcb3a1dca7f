from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from tradepilot.domain.errors import ImportFormatError
from tradepilot.ingest.adapters import generic, generic_mapping
from tradepilot.ingest.files import read_table
from tradepilot.ingest.service import import_file

FIXTURES = Path(__file__).parent / "fixtures"
ORDERS = FIXTURES / "generic_orders.csv"
MAPPING = FIXTURES / "generic_mapping.yaml"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

LINES = sa.text(
    "SELECT o.source, o.order_number, o.kind, l.sku, l.kind, l.quantity, l.unit_price"
    " FROM order_lines l JOIN orders o ON o.id = l.order_id"
)


def stored_lines(engine) -> list[tuple]:
    with engine.connect() as conn:
        rows = conn.execute(LINES).all()
    return sorted((*r[:6], Decimal(str(r[6]))) for r in rows)


def test_mapped_file_is_accounted_for_row_by_row(engine):
    report = import_file(engine, fmt="generic", path=ORDERS, mapping=MAPPING)

    assert (report.rows_read, report.accepted, report.quarantined) == (10, 7, 3)
    assert report.duplicates == 0
    assert report.quarantine_reasons == {
        "'date' is missing or not a date in date_format (%Y-%m-%d %H:%M)": 1,
        "'price' is missing or not a number like 1234.56"
        " (decimal_comma: true reads 1.234,56)": 1,
        "'type' holds a value not in kind_values; expected one of: adjustment,"
        " cancellation, cancelled, order, refund, return, sale": 1,
    }


def test_lines_are_stored_under_the_mapping_source(engine):
    import_file(engine, fmt="generic", path=ORDERS, mapping=MAPPING)

    assert stored_lines(engine) == [
        ("legacy-web", "W-1", "sale", "TP-MUG-01", "product", 2, Decimal("12.5")),
        ("legacy-web", "W-1", "sale", "TP-TEA-02", "product", 1, Decimal("8.9")),
        ("legacy-web", "W-2", "sale", "TP-MUG-01", "product", 1, Decimal("12.5")),
        (
            "legacy-web",
            "W-2C",
            "cancellation",
            "TP-MUG-01",
            "product",
            -1,
            Decimal("12.5"),
        ),
        ("legacy-web", "W-3", "sale", "TP-TEA-02", "product", 2, Decimal("8.9")),
        ("legacy-web", "W-3R", "return", "TP-TEA-02", "product", -1, Decimal("8.9")),
        ("legacy-web", "W-7", "sale", "SHIPPING", "shipping", 1, Decimal("4.9")),
    ]


def test_orders_get_customer_country_currency_and_local_time(engine):
    import_file(engine, fmt="generic", path=ORDERS, mapping=MAPPING)

    with engine.connect() as conn:
        orders = conn.execute(
            sa.text(
                "SELECT o.order_number, c.external_id, o.country, o.currency,"
                " ch.name, o.ordered_at FROM orders o"
                " JOIN channels ch ON ch.id = o.channel_id"
                " LEFT JOIN customers c ON c.id = o.customer_id"
                " WHERE o.order_number IN ('W-1', 'W-2', 'W-3')"
                " ORDER BY o.order_number"
            )
        ).all()
    assert [tuple(o[:5]) for o in orders] == [
        ("W-1", "c1@example.com", "DE", "EUR", "legacy-web"),
        ("W-2", None, "FR", "EUR", "legacy-web"),
        ("W-3", "c2@example.com", "GB", "GBP", "legacy-web"),
    ]
    # Europe/London is on GMT in early March: local 14:07 is 14:07 UTC.
    assert str(orders[0][5]).startswith("2024-03-05 14:07:00")


def test_cancellation_nets_out_the_sale_it_cancels(engine):
    import_file(engine, fmt="generic", path=ORDERS, mapping=MAPPING)

    with engine.connect() as conn:
        demand = conn.execute(
            sa.text(
                "SELECT sum(l.quantity) FROM order_lines l"
                " JOIN orders o ON o.id = l.order_id"
                " WHERE o.order_number IN ('W-2', 'W-2C') AND l.kind = 'product'"
            )
        ).scalar_one()
    assert demand == 0


def test_reimport_adds_nothing(engine):
    import_file(engine, fmt="generic", path=ORDERS, mapping=MAPPING)
    before = stored_lines(engine)

    again = import_file(engine, fmt="generic", path=ORDERS, mapping=MAPPING)

    assert (again.accepted, again.quarantined, again.duplicates) == (0, 0, 10)
    assert stored_lines(engine) == before


def test_documented_example_imports_completely(engine):
    report = import_file(
        engine,
        fmt="generic",
        path=EXAMPLES / "orders.example.csv",
        mapping=EXAMPLES / "mapping.example.yaml",
    )

    assert (report.rows_read, report.accepted, report.quarantined) == (8, 8, 0)
    lines = stored_lines(engine)
    assert [line[1:] for line in lines if line[1] == "K-2024-0003"] == [
        ("K-2024-0003", "sale", "TP-TEA-02", "product", 1, Decimal("8.34")),
        ("K-2024-0003", "sale", "TP-TEA-02", "product", 2, Decimal("8.33")),
    ]
    assert {line[0] for line in lines} == {"till"}
    assert ("R-2024-0001", "return", "TP-TEA-02", "product", -1, Decimal("8.9")) in [
        line[1:] for line in lines
    ]


def test_another_format_is_refused_naming_the_missing_columns(engine):
    with pytest.raises(ImportFormatError) as caught:
        import_file(
            engine, fmt="generic", path=FIXTURES / "shopify_orders.csv", mapping=MAPPING
        )

    message = str(caught.value)
    assert message.startswith(
        "shopify_orders.csv is not the file generic_mapping.yaml describes:"
        " missing column(s) 'order_id', 'date', 'item', 'qty', 'price', 'title',"
    )
    assert "found: Name, Email, Financial Status" in message


def test_missing_mapping_option_is_a_clear_error(engine):
    with pytest.raises(
        ImportFormatError, match=r"needs a column mapping: pass --mapping"
    ):
        import_file(engine, fmt="generic", path=ORDERS)


def write_mapping(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "map.yaml"
    path.write_text(text, encoding="utf-8")
    return path


COLUMNS = (
    "columns: {order_number: o, ordered_at: d, sku: s, quantity: q, unit_price: p}\n"
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "source: shop\ncountry: DE\ndate_fromat: '%d.%m.%Y'\n" + COLUMNS,
            "map.yaml: invalid mapping: unknown key 'date_fromat'; allowed: source,"
            " channel, columns, date_format, timezone, currency, country_aliases,"
            " country, decimal_comma, kind_values, separator",
        ),
        (
            "country: DE\n" + COLUMNS,
            "map.yaml: invalid mapping: source is required",
        ),
        (
            "source: shop\ncountry: DE\ncolumns: {order_number: o, ordered_at: d,"
            " quantity: q, unit_price: p}\n",
            "map.yaml: invalid mapping: columns.sku is required",
        ),
        (
            "source: shop\ncountry: DE\ncolumns: {order_number: o, ordered_at: d,"
            " sku: s, quantity: q, unit_price: p, line_total: t}\n",
            "map.yaml: invalid mapping: columns: map exactly one of"
            " unit_price and line_total, found both",
        ),
        (
            "source: shop\n" + COLUMNS,
            "map.yaml: invalid mapping: no country: map columns.country or set a"
            " default country (ZZ if it is unknown)",
        ),
        (
            "source: shop\ncountry: DE\ntimezone: Europe/Berln\n" + COLUMNS,
            "map.yaml: invalid mapping: timezone: unknown time zone 'Europe/Berln';"
            " expected an IANA name such as Europe/Berlin or UTC",
        ),
        (
            "source: My Shop\ncountry: DE\n" + COLUMNS,
            "map.yaml: invalid mapping: source: expected lower-case letters, digits,"
            " '.', '_' or '-' (e.g. my-shop), got 'My Shop'",
        ),
        (
            "source: shop\ncountry: Narnia\n" + COLUMNS,
            "map.yaml: invalid mapping: country: unknown country 'Narnia'; expected"
            " an ISO code such as DE, or ZZ for unknown",
        ),
        (
            "source: shop\ncountry: DE\nkind_values: {R: refund}\n" + COLUMNS,
            "map.yaml: invalid mapping: kind_values.r: Input should be 'sale',"
            " 'cancellation', 'return' or 'adjustment'",
        ),
        (
            "- just\n- a list\n",
            "map.yaml: expected a YAML mapping with keys source, columns, ...;"
            " found list",
        ),
        (
            "source: [unclosed\n",
            "map.yaml: not a readable YAML file (while parsing a flow sequence)",
        ),
    ],
    ids=[
        "typo",
        "no-source",
        "no-sku",
        "two-prices",
        "no-country",
        "bad-zone",
        "bad-source",
        "bad-country",
        "bad-kind",
        "not-a-mapping",
        "bad-yaml",
    ],
)
def test_bad_mapping_names_the_key(tmp_path, text, message):
    path = write_mapping(tmp_path, text)

    with pytest.raises(ImportFormatError) as caught:
        generic_mapping.load_mapping(path)

    assert str(caught.value) == message


def test_no_currency_anywhere_is_refused(tmp_path):
    mapping = generic_mapping.load_mapping(
        write_mapping(tmp_path, "source: shop\ncountry: DE\n" + COLUMNS)
    )
    data = tmp_path / "orders.csv"
    data.write_text("o,d,s,q,p\n1,2024-03-05,A,1,2\n", encoding="utf-8")

    with pytest.raises(ImportFormatError, match=r"^no currency: map columns.currency"):
        generic.to_order_lines(read_table(data), mapping)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1.234,56", "1234.56"),
        ("12,5", "12.5"),
        ("-8,90", "-8.9"),
        ("1 234,56", "1234.56"),
        ("7", "7"),
        ("12.50", None),
        ("1,234.56", None),
        ("12,5,0", None),
    ],
    ids=[
        "grouped",
        "plain",
        "negative",
        "space-grouped",
        "integer",
        "dot-decimal",
        "english",
        "two-commas",
    ],
)
def test_decimal_comma_reads_only_unambiguous_numbers(tmp_path, cell, expected):
    mapping = generic_mapping.load_mapping(
        write_mapping(
            tmp_path,
            "source: shop\ncountry: DE\ncurrency: EUR\ndecimal_comma: true\n"
            "separator: ';'\n" + COLUMNS,
        )
    )
    data = tmp_path / "orders.csv"
    data.write_text(f"o;d;s;q;p\n1;2024-03-05;A;1;{cell}\n", encoding="utf-8")

    lines = generic.to_order_lines(read_table(data), mapping)

    assert lines["unit_price"].to_list() == [expected]


def test_mapping_separator_is_the_one_the_file_is_read_with(engine, tmp_path):
    # Five commas against four semicolons: the header alone would be split on ",".
    data = tmp_path / "bestellungen.csv"
    data.write_text(
        "Bestellung;Datum, Zeit;Artikel, Nr.;Menge, Stk.;Preis, EUR, brutto\n"
        "1001;2024-03-05 10:00:00;A-1;2;12,50\n"
        "1002;2024-03-06 11:30:00;B-2;1;1.234,56\n"
        "1003;2024-03-06 12:00:00;B-2;zwei;3,00\n",
        encoding="utf-8",
    )
    mapping = write_mapping(
        tmp_path,
        "source: shop\ncountry: DE\ncurrency: EUR\ndecimal_comma: true\n"
        "separator: ';'\ncolumns: {order_number: Bestellung, ordered_at: 'Datum, Zeit',"
        " sku: 'Artikel, Nr.', quantity: 'Menge, Stk.',"
        " unit_price: 'Preis, EUR, brutto'}\n",
    )

    report = import_file(engine, fmt="generic", path=data, mapping=mapping)

    assert (report.rows_read, report.accepted, report.quarantined) == (3, 2, 1)
    assert [line[1:] for line in stored_lines(engine)] == [
        ("1001", "sale", "A-1", "product", 2, Decimal("12.5")),
        ("1002", "sale", "B-2", "product", 1, Decimal("1234.56")),
    ]
    with engine.connect() as conn:
        raw = conn.execute(sa.text("SELECT raw FROM quarantine")).scalar_one()
    assert json.loads(raw)["Menge, Stk."] == "zwei"


def test_workbook_date_and_number_cells_are_read_whatever_the_locale(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["o", "d", "s", "q", "p"])
    # A workbook date cell is a naive local time: Excel has no time zones.
    local = dt.datetime(2024, 3, 5, 14, 7)  # noqa: DTZ001
    sheet.append(["1", local, "A", 2, 1.234])
    sheet.append(["2", "05.03.2024 15:00", "A", 1, "1.234,50"])
    path = tmp_path / "orders.xlsx"
    workbook.save(path)
    mapping = generic_mapping.load_mapping(
        write_mapping(
            tmp_path,
            "source: shop\ncountry: DE\ncurrency: EUR\ndecimal_comma: true\n"
            "date_format: '%d.%m.%Y %H:%M'\ntimezone: Europe/Berlin\n" + COLUMNS,
        )
    )

    lines = generic.to_order_lines(read_table(path), mapping)

    assert lines.select("ordered_at", "unit_price", "_reason").rows() == [
        (dt.datetime(2024, 3, 5, 13, 7, tzinfo=dt.UTC), "1.234", None),
        (dt.datetime(2024, 3, 5, 14, 0, tzinfo=dt.UTC), "1234.5", None),
    ]


COUNTRY_MAPPING = """\
source: world-shop
columns:
  order_number: order
  ordered_at: date
  sku: sku
  quantity: qty
  unit_price: price
  country: country
currency: USD
date_format: "%Y-%m-%d"
country_aliases:
  Kongo: CD
  Georgia (US state): United States
"""
COUNTRY_ROWS = [
    ("Democratic Republic of the Congo", "CD"),
    ("Myanmar (Burma)", "MM"),
    ("Cote d'Ivoire", "CI"),
    ("Swaziland", "SZ"),
    ("Kongo", "CD"),
    ("georgia (us state)", "US"),
    ("Georgia", "GE"),
    ("Narnia", None),
]


def test_country_names_and_the_mappings_aliases_resolve(engine, tmp_path):
    rows = [f"N-{i},2024-03-05,TP-MUG-01,1,9.99,{name}"
            for i, (name, _) in enumerate(COUNTRY_ROWS)]  # fmt: skip
    orders = tmp_path / "orders.csv"
    orders.write_text("\n".join(["order,date,sku,qty,price,country", *rows]))
    orders.write_text(orders.read_text().replace("Cote d'Ivoire", '"Cote d\'Ivoire"'))
    mapping = tmp_path / "map.yaml"
    mapping.write_text(COUNTRY_MAPPING)

    report = import_file(engine, fmt="generic", path=orders, mapping=mapping)

    with engine.connect() as conn:
        stored = dict(
            conn.execute(sa.text("SELECT order_number, country FROM orders")).all()
        )
    expected = {f"N-{i}": code for i, (_, code) in enumerate(COUNTRY_ROWS) if code}
    assert stored == expected
    assert report.quarantine_reasons == {
        "country 'Narnia' is not a known country or alias": 1
    }


@pytest.mark.parametrize(
    ("aliases", "message"),
    [
        pytest.param("{Kongo: Mordor}", "'Mordor' is not a known country", id="target"),
        pytest.param("[Kongo]", "country_aliases", id="not-a-mapping"),
    ],
)
def test_a_bad_country_alias_refuses_the_mapping_naming_it(tmp_path, aliases, message):
    mapping = tmp_path / "map.yaml"
    text = COUNTRY_MAPPING.split("country_aliases:")[0]
    mapping.write_text(text + f"country_aliases: {aliases}\n")

    with pytest.raises(ImportFormatError, match=message):
        generic_mapping.load_mapping(mapping)


def test_a_default_country_may_be_one_of_the_aliases(tmp_path):
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        COUNTRY_MAPPING.replace("  country: country\n", "") + "country: Kongo\n"
    )

    assert generic_mapping.load_mapping(mapping).country == "CD"
