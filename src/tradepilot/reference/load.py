"""Loading the packaged reference CSVs and a workspace's overrides.

The packaged files live in ``tradepilot/reference/data/`` (columns documented in
its ``README.md``); a workspace may add rows in ``<home>/reference/<file>.csv`` with
the same columns. Workspace rows are appended, so for the same key and
``effective_from`` the workspace row wins.
"""

from __future__ import annotations

import csv
import functools
import io
import pathlib
from collections.abc import Iterator, Mapping
from importlib import resources
from typing import cast

from tradepilot.domain.errors import ReferenceDataError
from tradepilot.reference.rows import DutyRate, FeeSchedule, ImportRegime, VatRate
from tradepilot.reference.rules import ReferenceData
from tradepilot.reference.schema import TABLES, Table

__all__ = ["load_reference", "read_table"]


def load_reference(home: pathlib.Path | None = None) -> ReferenceData:
    """Return the packaged reference data plus the workspace's override rows.

    Parameters
    ----------
    home : pathlib.Path or None
        Workspace directory; its ``reference/`` folder may hold
        ``vat_rates.csv``, ``import_regimes.csv``, ``duty_rates.csv`` and
        ``fees.csv``. ``None``: packaged data only.

    Returns
    -------
    ReferenceData

    Raises
    ------
    ReferenceDataError
        If a file is malformed; the message names the file, the row number, the
        column, what was expected and what was found.

    Examples
    --------
    >>> import datetime as dt
    >>> ref = load_reference()
    >>> str(ref.vat_rate("FI", dt.date(2024, 9, 1)).rate)
    '0.255'
    """
    packaged = _packaged()
    if home is None:
        return packaged
    folder = home / "reference"
    extra = {
        name: read_table(table, folder / table.file)
        for name, table in TABLES.items()
        if (folder / table.file).is_file()
    }
    if not extra:
        return packaged
    rows = as_reference(extra)
    return packaged.with_rows(
        vat=rows.vat, regimes=rows.regimes, duties=rows.duties, fees=rows.fees
    )


@functools.cache
def _packaged() -> ReferenceData:
    data = resources.files("tradepilot.reference") / "data"
    rows = {
        name: _parse(table, (data / table.file).read_text("utf-8"), table.file)
        for name, table in TABLES.items()
    }
    return as_reference(rows)


def as_reference(rows: Mapping[str, tuple[object, ...]]) -> ReferenceData:
    """Return reference data from rows keyed by table name (missing: none)."""
    return ReferenceData(
        vat=cast("tuple[VatRate, ...]", rows.get("vat", ())),
        regimes=cast("tuple[ImportRegime, ...]", rows.get("regimes", ())),
        duties=cast("tuple[DutyRate, ...]", rows.get("duties", ())),
        fees=cast("tuple[FeeSchedule, ...]", rows.get("fees", ())),
    )


def read_table(table: Table, path: pathlib.Path) -> tuple[object, ...]:
    """Read the rows of ``table`` from the CSV file at ``path``.

    Raises
    ------
    ReferenceDataError
        If the file cannot be read or a row is malformed.
    """
    try:
        content = path.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReferenceDataError(f"{path}: cannot read reference file ({exc})") from exc
    return _parse(table, content, str(path))


def _parse(table: Table, content: str, label: str) -> tuple[object, ...]:
    reader = csv.DictReader(io.StringIO(content, newline=""))
    _check_header(table, reader.fieldnames, label)
    return tuple(
        table.build(parse_cells(table, cells, f"{label}: row {number}"))
        for number, cells in _numbered(reader)
    )


def _numbered(reader: csv.DictReader[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number of the row's start, cells); the header is row 1."""
    start = reader.line_num + 1
    for cells in reader:
        yield start, cells
        start = reader.line_num + 1


def _check_header(table: Table, found: object, label: str) -> None:
    names = list(found) if isinstance(found, list | tuple) else []
    missing = [c for c in table.columns if c not in names and c not in table.optional]
    unknown = [c for c in names if c not in table.columns]
    if missing or unknown:
        raise ReferenceDataError(
            f"{label}: row 1 (header): expected columns {', '.join(table.columns)}"
            f" (optional: {', '.join(sorted(table.optional))}); "
            f"missing: {', '.join(missing) or '-'}; unknown: {', '.join(unknown) or '-'}"
        )


def parse_cells(
    table: Table, cells: Mapping[str, str | None], where: str
) -> dict[str, object]:
    """Parse one row's text cells into field values.

    Parameters
    ----------
    table : Table
        The table of the row.
    cells : mapping of str to str
        Column -> cell text; a missing optional column counts as empty.
    where : str
        Prefix of error messages, e.g. ``"fees.csv: row 3"``.

    Raises
    ------
    ReferenceDataError
        Naming ``where``, the column, what was expected and what was found.
    """
    if None in cells:  # csv puts surplus cells under the key None
        raise ReferenceDataError(
            f"{where}: expected {len(table.columns)} cells or fewer; found more"
        )
    values: dict[str, object] = {}
    for column, parse in table.columns.items():
        raw = (cells.get(column) or "").strip()
        try:
            values[column] = parse(raw)
        except ValueError as exc:
            raise ReferenceDataError(
                f"{where}, column '{column}': expected {exc}; found {raw!r}"
            ) from None
    return values
