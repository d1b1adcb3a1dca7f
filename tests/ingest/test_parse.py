"""Parsing each distinct cell once gives what parsing every cell gives."""

from __future__ import annotations

import polars as pl
import pytest

from tradepilot.ingest import parse

CELLS = pl.DataFrame(
    {
        "when": ["2024-03-05 14:07:33", "5.3.2024", None, "2024-03-05 14:07:33", " "],
        "price": ["2.50", "+1.0", "1e3", None, "2.50"],
        "qty": ["6", "6.0", "-12", "x", None],
    }
)
EXPRESSIONS = {
    "timestamp": parse.timestamp("when", ["%Y-%m-%d %H:%M:%S"], tz="Europe/London"),
    "decimal": parse.decimal_text("price"),
    "integer": parse.integer("qty"),
    "null-filled": pl.col("qty").fill_null("none").alias("filled"),
    "literal": pl.lit("GBP").alias("currency"),
    "two-columns": pl.concat_str(["price", "qty"], separator="/").alias("both"),
}


@pytest.mark.parametrize("name", list(EXPRESSIONS))
def test_select_distinct_equals_select(name):
    expr = EXPRESSIONS[name]

    found = parse.select_distinct(CELLS, [expr])

    assert found.equals(every_row(expr))


def test_select_distinct_keeps_the_order_of_the_expressions():
    exprs = list(EXPRESSIONS.values())

    assert parse.select_distinct(CELLS, exprs).equals(CELLS.select(exprs))


def every_row(expr: pl.Expr) -> pl.DataFrame:
    """``expr`` on every row of CELLS (a literal repeated)."""
    return CELLS.with_columns(expr).select(expr.meta.output_name())


@pytest.mark.parametrize(
    "quantities",
    [
        pytest.param([1, -2, 0, None, 5], id="some-fail"),
        pytest.param([1, 2], id="all-pass"),
        pytest.param([], id="empty"),
    ],
)
def test_first_reasons_equal_first_reason_on_every_row(quantities):
    rows = pl.DataFrame({"q": quantities}, schema={"q": pl.Int64})
    checks = [
        parse.reason(pl.col("q").is_null(), "missing"),
        parse.reason(pl.col("q") < 0, "negative"),
        pl.when(pl.col("q") == 0).then(pl.format("zero: {}", pl.col("q"))),
    ]

    found = parse.first_reasons(rows, checks)

    assert found.to_frame().equals(
        rows.select(parse.first_reason(checks).alias("_reason"))
    )
