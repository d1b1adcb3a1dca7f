"""Polars expressions that parse text cells and say why a cell failed.

Each parser returns an expression yielding the parsed value, or null where the text
cannot be parsed, named after its column (``parse.text("sku")`` is named ``sku``);
:func:`reason` and :func:`first_reason` turn failed checks into the quarantine reason
of a row (the first failing check wins). :func:`select_distinct` evaluates parsers
once per distinct cell: an export repeats its dates, prices and quantities on
thousands of rows, and parsing them once each is what keeps an import near the
speed of reading the file.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from itertools import count

import polars as pl

from tradepilot.ingest.files import ROW

REASON = "_reason"  # column of a row's quarantine reason (null when the row is fine)
_DECIMAL = r"^[+-]?(\d+\.?\d*|\.\d+)$"
_MIDNIGHT = r"[ T]00:00(:00(\.0+)?)?$"  # how a spreadsheet date cell reads as text


def text(column: str) -> pl.Expr:
    """The cell stripped of surrounding spaces; empty becomes null."""
    stripped = pl.col(column).str.strip_chars()
    return pl.when(stripped == "").then(None).otherwise(stripped).alias(column)


def decimal_text(column: str) -> pl.Expr:
    """A decimal number as normalised exact text (``"2.50"`` -> ``"2.5"``), or null.

    Thousands separators and exponents are refused rather than guessed.
    """
    cell = text(column).str.replace(r"^\+", "")
    return pl.when(cell.str.contains(_DECIMAL)).then(normalise_decimal(cell))


def normalise_decimal(number: pl.Expr) -> pl.Expr:
    """Canonical text of decimal numbers: no trailing zeros, no leading zeros.

    ``"1.092100"`` (PostgreSQL's NUMERIC(18, 6)) and ``"1.0921"`` compare equal after it.
    """
    return (
        number.str.replace(r"^(-?)\.", "${1}0.")
        .str.replace(r"(\.\d*?)0+$", "${1}")
        .str.replace(r"\.$", "")
        .str.replace(r"^(-?)0+(\d)", "${1}${2}")
        .str.replace(r"^-0$", "0")
    )


def integer(column: str) -> pl.Expr:
    """A whole number (``"6"``, ``"6.0"``, ``"-12"``), or null."""
    value = text(column).cast(pl.Float64, strict=False)
    return pl.when(value == value.round(0)).then(value.cast(pl.Int64, strict=False))


def date(column: str) -> pl.Expr:
    """A ``YYYY-MM-DD`` cell as a date, or null.

    A workbook's date cell reads as text at midnight (``2024-03-05 00:00:00``); it is
    accepted as that date. Any other time of day is not a date, so it gives null.

    Parameters
    ----------
    column : str
        Source column of text cells.

    Returns
    -------
    polars.Expr
        ``pl.Date`` values, named ``column``.

    Examples
    --------
    >>> cells = pl.DataFrame({"d": ["2024-03-05", "2024-03-05 00:00:00", "5.3.2024",
    ...                             "2024-03-05 14:00:00", " "]})
    >>> cells.select(date("d"))["d"].to_list()
    [datetime.date(2024, 3, 5), datetime.date(2024, 3, 5), None, None, None]
    """
    cell = text(column).str.replace(_MIDNIGHT, "")
    return cell.str.to_date("%Y-%m-%d", strict=False)


def timestamp(column: str, formats: Sequence[str], *, tz: str) -> pl.Expr:
    """A UTC timestamp parsed with the first matching format, or null.

    Parameters
    ----------
    column : str
        Source column.
    formats : sequence of str
        ``strptime`` formats tried in order; a format with ``%z`` carries its own
        offset, the others are local time in ``tz``.
    tz : str
        IANA zone of times without an offset, e.g. ``Europe/London``.
    """
    attempts = []
    for fmt in formats:
        parsed = text(column).str.strptime(pl.Datetime("us"), fmt, strict=False)
        if "%z" in fmt:
            attempts.append(parsed.dt.convert_time_zone("UTC"))
        else:
            local = parsed.dt.replace_time_zone(
                tz, ambiguous="earliest", non_existent="null"
            )
            attempts.append(local.dt.convert_time_zone("UTC"))
    return pl.coalesce(attempts)


_VALUE = "_parsed"


def select_distinct(frame: pl.DataFrame, exprs: Sequence[pl.Expr]) -> pl.DataFrame:
    """``frame.select(exprs)``, each expression of one column evaluated once per
    distinct value of that column.

    The result is the same as ``frame.select(exprs)`` for element-wise expressions
    (a cell's value depends on that cell alone: every parser of this module, and
    ``when/then``, string and arithmetic expressions over one column), a literal
    repeated on every row. Expressions of several columns, or of none, are
    evaluated on every row.

    Parameters
    ----------
    frame : polars.DataFrame
        Text cells.
    exprs : sequence of polars.Expr
        Named, element-wise expressions; never an aggregation or window
        (``first()``, ``over()``, ``cum_sum()``), whose value depends on other rows.

    Returns
    -------
    polars.DataFrame
        One column per expression, in order, ``frame.height`` rows.

    Examples
    --------
    >>> cells = pl.DataFrame({"q": ["2", "2", "x", None, "2"], "p": ["1", "2", "3",
    ...                       "4", "5"]})
    >>> select_distinct(cells, [integer("q"), pl.lit("GBP").alias("c")]).rows()[:3]
    [(2, 'GBP'), (2, 'GBP'), (None, 'GBP')]
    """
    by_column: dict[str, list[pl.Expr]] = {}
    direct: list[pl.Expr] = []
    for expr in exprs:
        roots = set(expr.meta.root_names())
        if len(roots) == 1:
            by_column.setdefault(roots.pop(), []).append(expr)
        else:
            direct.append(expr)
    # with_columns, not select: a literal is repeated on every row.
    parts = [frame.with_columns(direct).select(e.meta.output_name() for e in direct)]
    parts += [
        _on_distinct(frame.select(column), column, column_exprs)
        for column, column_exprs in by_column.items()
    ]
    out = pl.concat([p for p in parts if p.width], how="horizontal")
    return out.select(expr.meta.output_name() for expr in exprs)


def _on_distinct(
    cells: pl.DataFrame, column: str, exprs: Sequence[pl.Expr]
) -> pl.DataFrame:
    """``cells.select(exprs)`` computed on the distinct values of ``column``.

    A text column is mapped back to its rows through an ``Enum`` of its distinct
    values (each row's code picks its row of the results: a gather), which costs a
    quarter less than joining the results back in the rows' order.
    """
    names = [expr.meta.output_name() for expr in exprs]
    keys = [f"{_VALUE}{i}" for i, _ in zip(count(), exprs, strict=False)]
    named = [e.alias(k) for e, k in zip(exprs, keys, strict=True)]
    renamed = [pl.col(k).alias(n) for k, n in zip(keys, names, strict=True)]
    series = cells[column]
    if series.dtype != pl.String:
        values = cells.unique(column).select(column, *named)
        joined = cells.join(
            values, on=column, how="left", nulls_equal=True, maintain_order="left"
        )
        return joined.select(renamed)
    distinct = series.drop_nulls().unique()
    # The results of the distinct values, then of null (the row after them).
    null = pl.Series(column, [None], dtype=pl.String)
    values = pl.concat([distinct, null]).to_frame().select(named)
    codes = series.cast(pl.Enum(distinct)).to_physical().cast(pl.Int64)
    return values[codes.fill_null(distinct.len())].select(renamed)


def reason(condition: pl.Expr, message: str) -> pl.Expr:
    """``message`` where ``condition`` holds, else null."""
    return pl.when(condition).then(pl.lit(message, dtype=pl.String))


def first_reason(checks: Sequence[pl.Expr]) -> pl.Expr:
    """The first non-null reason of ``checks``, or null if every check passed."""
    return pl.coalesce([*checks, pl.lit(None, dtype=pl.String)])


def first_reasons(frame: pl.DataFrame, checks: Sequence[pl.Expr]) -> pl.Series:
    """``frame.select(first_reason(checks))``, written only on the rows that fail.

    Telling which rows fail costs a fraction of writing a reason on every row of a
    large file, most of whose rows pass; the reasons are then written on those rows
    alone. Every check must be element-wise (its value on a row depends on that row
    only), as it is evaluated on the failing rows apart.

    Parameters
    ----------
    frame : polars.DataFrame
        The rows checked.
    checks : sequence of polars.Expr
        Reasons, null where the row passes (see :func:`reason`).

    Returns
    -------
    polars.Series
        ``_reason`` (String), null on the rows that pass every check.

    Examples
    --------
    >>> rows = pl.DataFrame({"q": [1, -2, 0]})
    >>> first_reasons(rows, [reason(pl.col("q") < 0, "negative"),
    ...                      reason(pl.col("q") < 1, "under 1")]).to_list()
    [None, 'negative', 'under 1']
    """
    fails = pl.any_horizontal([check.is_not_null() for check in checks])
    failing = frame.select(fails.fill_null(False)).to_series()
    reasons = pl.repeat(None, frame.height, dtype=pl.String, eager=True).alias(REASON)
    if not failing.any():
        return reasons
    at = failing.arg_true()
    found = frame[at].select(first_reason(checks)).to_series()
    return reasons.scatter(at, found)


Parser = Callable[[str], pl.Expr]


@dataclass(frozen=True)
class CellRules:
    """How the text cells of a layout are checked and typed.

    Attributes
    ----------
    parsers : mapping of str to (parser, expected)
        Field -> expression builder (e.g. :func:`integer`) and the form it expects,
        named in the reason when a cell cannot be read ("a whole number").
    max_length : mapping of str to int
        Field -> longest text the store's column holds.
    required : collection of str
        Fields whose cell must not be empty.
    """

    parsers: Mapping[str, tuple[Parser, str]]
    max_length: Mapping[str, int]
    required: Collection[str]

    def reasons(self, fields: Sequence[str]) -> list[pl.Expr]:
        """Missing, unreadable and over-long cells, in column order (on text cells)."""
        found: list[pl.Expr] = []
        for field in fields:
            cell = pl.col(field)
            if field in self.required:
                found.append(reason(cell.is_null(), f"{field} is missing"))
            if field in self.parsers:
                parser, expected = self.parsers[field]
                unreadable = cell.is_not_null() & parser(field).is_null()
                found.append(reason(unreadable, f"{field} is not {expected}"))
            if field in self.max_length:
                limit = self.max_length[field]
                too_long = cell.str.len_chars() > limit
                found.append(
                    reason(too_long, f"{field} is longer than {limit} characters")
                )
        return found

    def check_and_type(
        self, texts: pl.DataFrame, fields: Sequence[str]
    ) -> pl.DataFrame:
        """Set ``_reason`` from :meth:`reasons`, then parse each field to its type."""
        checked = texts.with_columns(first_reason(self.reasons(fields)).alias(REASON))
        return checked.with_columns(
            *[self.parsers[f][0](f).alias(f) for f in fields if f in self.parsers]
        )


def text_cells(
    frame: pl.DataFrame, found: Mapping[str, str], fields: Sequence[str]
) -> pl.DataFrame:
    """``_row`` and each field's text cells, named by field; all-null where the file
    has no such column (``found`` maps fields to the file's header names)."""
    return frame.select(
        ROW,
        *[
            (text(found[f]) if f in found else pl.lit(None, pl.String)).alias(f)
            for f in fields
        ],
    )
