"""What an import format is: the loader contract every adapter implements.

An adapter module defines an ``IMPORT_FORMAT`` (:class:`ImportFormat`) whose loader
receives an :class:`ImportContext`; :mod:`~tradepilot.ingest.registry` lists them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from sqlalchemy import Connection

from tradepilot.ingest.files import RawTable
from tradepilot.ingest.report import ImportReport

SOURCE_MAX_LENGTH = 32  # orders.source, customers.source
_SOURCE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")


@dataclass
class ImportContext:
    """What a loader needs besides the file: the run, the report to fill, options.

    Attributes
    ----------
    run_id : int
        The import run the loader writes under.
    report : ImportReport
        The report the loader fills.
    now : datetime.datetime
        The import's time (UTC).
    currency, channel : str or None
        Overrides (``--currency``, ``--channel``) for formats that use them.
    source : str or None
        Namespace of the order numbers (``--source``; order formats), None for the
        format's default (its name; generic: the mapping's ``source``).
    mapping : Path or None
        YAML column mapping (``--mapping``, generic format).
    path : Path or None
        The file being imported, for a loader that reads it again with options only
        it knows (generic: the mapping's ``separator``); None when the caller has
        only the table.
    extra : dict of str to str
        What a loader passes on to the order loader (generic: ``source``).
    """

    run_id: int
    report: ImportReport
    now: dt.datetime
    currency: str | None = None
    channel: str | None = None
    source: str | None = None
    mapping: Path | None = None
    path: Path | None = None
    extra: dict[str, str] = field(default_factory=dict)


Loader = Callable[[Connection, RawTable, ImportContext], None]


@dataclass(frozen=True)
class ImportFormat:
    """One import format.

    Attributes
    ----------
    name : str
        CLI/API name, e.g. ``online-retail``.
    summary : str
        One line for ``--help``.
    load : callable
        ``load(conn, table, ctx)``: parse ``table``, write it, fill ``ctx.report``.
    separator : str or None
        Field separator to force (``\\t`` for Amazon), or None to sniff.
    orders : bool
        An order format: its order numbers live in a namespace, the source
        (``--source``).
    read : callable or None
        ``read(path)``: the file as a :class:`RawTable`, for a format that is
        not a table (CAMT.053 XML); None reads CSV/TSV/XLSX.
    """

    name: str
    summary: str
    load: Loader
    separator: str | None = None
    orders: bool = False
    read: Callable[[Path], RawTable] | None = None


def order_loader(
    source: str, build: Callable[[RawTable, ImportContext], pl.DataFrame]
) -> Loader:
    """A loader for an order format whose adapter is ``build(table, ctx)``."""
    from tradepilot.ingest.orders import load_order_lines
    from tradepilot.ingest.quality import order_quality

    def load(conn: Connection, table: RawTable, ctx: ImportContext) -> None:
        lines = build(table, ctx)
        ctx.report.data_quality = order_quality(lines)
        load_order_lines(
            conn,
            lines=lines,
            raw=table.frame,
            source=ctx.extra.get("source") or ctx.source or source,
            run_id=ctx.run_id,
            report=ctx.report,
            now=ctx.now,
        )

    return load


def check_source(value: str) -> str:
    """``value`` if it can name a source (a namespace of order numbers).

    Parameters
    ----------
    value : str
        What the user gave (``--source``, a mapping's ``source``).

    Returns
    -------
    str
        ``value`` unchanged.

    Raises
    ------
    ValueError
        Unless it is 1 to 32 lower-case letters, digits, ``.``, ``_`` or ``-``,
        starting with a letter or digit.

    Examples
    --------
    >>> check_source("shopify-2")
    'shopify-2'
    """
    if len(value) > SOURCE_MAX_LENGTH:
        raise ValueError(
            f"expected at most {SOURCE_MAX_LENGTH} characters, got {len(value)}"
        )
    if not value or value[0] in "._-" or any(c not in _SOURCE_CHARS for c in value):
        raise ValueError(
            "expected lower-case letters, digits, '.', '_' or '-' (e.g. my-shop),"
            f" got {value!r}"
        )
    return value
