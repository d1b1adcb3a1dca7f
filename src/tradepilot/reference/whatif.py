"""Rule-change ("what-if") files: new reference rows from a YAML file.

A what-if file names a change and lists rows to add::

    name: EU flat duty of EUR 3 per item
    effective_from: 2027-01-01      # default for rows that do not give one
    regimes:
      - {country: EU, flat_duty_per_item: 3, flat_duty_max: 150}
    vat:
      - {country: DE, rate_type: standard, rate: 0.21}
    duties:
      - {destination: US, hs_chapter: "61", rate: 0.25}
    fees: []

Rows may be partial: fields not given are copied from the base row with the same
key in force on the row's ``effective_from``; ``null`` empties a field; ``source``
defaults to ``what-if: <file name>`` and ``note`` to the change's name. ``country:
EU`` in ``regimes`` or ``vat`` expands to the 27 members. Applying the change
appends the rows, so they win from their date on, and only from then.
"""

from __future__ import annotations

import datetime as dt
import pathlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from tradepilot.domain.errors import ReferenceDataError
from tradepilot.reference.load import as_reference, parse_cells
from tradepilot.reference.rows import DutyRate, FeeSchedule, ImportRegime, VatRate
from tradepilot.reference.rules import EU_MEMBERS, ReferenceData
from tradepilot.reference.schema import TABLES, Table

__all__ = ["RuleChange", "apply_change", "read_rule_change"]

_TOP_KEYS = ("name", "effective_from", "description", *TABLES)
_RESET = ("source", "note", "verified")  # never copied from the base row


@dataclass(frozen=True)
class RuleChange:
    """A named set of reference rows to add (a what-if).

    Parameters
    ----------
    name : str
        What the change is, in words.
    effective_from : datetime.date
        Default first day of its rows.
    vat, regimes, duties, fees : tuple
        Complete rows to append to the base reference data.
    """

    name: str
    effective_from: dt.date
    vat: tuple[VatRate, ...] = ()
    regimes: tuple[ImportRegime, ...] = ()
    duties: tuple[DutyRate, ...] = ()
    fees: tuple[FeeSchedule, ...] = ()


def read_rule_change(path: pathlib.Path, base: ReferenceData) -> RuleChange:
    """Read a what-if YAML file, completing partial rows from ``base``.

    Parameters
    ----------
    path : pathlib.Path
        The YAML file.
    base : ReferenceData
        Reference data that partial rows are completed from.

    Returns
    -------
    RuleChange

    Raises
    ------
    ReferenceDataError
        On an unreadable file, an unknown key, a bad date, a rate that is not a
        number, an unknown country, or a partial row without a base row; the
        message names the file and the entry.

    Examples
    --------
    >>> from importlib import resources
    >>> from tradepilot.reference import load_reference
    >>> folder = resources.files("tradepilot.reference") / "examples"
    >>> change = read_rule_change(folder / "de_vat_21.yaml", load_reference())
    >>> change.vat[0].country, str(change.vat[0].rate), change.vat[0].source
    ('DE', '0.21', 'what-if: de_vat_21.yaml')
    """
    doc = _load_yaml(path)
    label = path.name
    unknown = sorted(str(k) for k in doc if k not in _TOP_KEYS)
    if unknown:
        raise ReferenceDataError(
            f"{label}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(_TOP_KEYS)}"
        )
    name = str(doc.get("name") or "").strip()
    if not name:
        raise ReferenceDataError(f"{label}: 'name' is missing; expected a short text")
    start = _default_day(doc.get("effective_from"), label)
    reader = _EntryReader(base=base, label=label, name=name, start=start)
    rows = as_reference(
        {table: reader.rows(TABLES[table], doc.get(table)) for table in TABLES}
    )
    return RuleChange(
        name=name,
        effective_from=start,
        vat=rows.vat,
        regimes=rows.regimes,
        duties=rows.duties,
        fees=rows.fees,
    )


def apply_change(base: ReferenceData, change: RuleChange) -> ReferenceData:
    """Return ``base`` with the rows of ``change`` appended.

    Each new row wins from its ``effective_from`` on; earlier days keep the base
    rows.
    """
    return base.with_rows(
        vat=change.vat, regimes=change.regimes, duties=change.duties, fees=change.fees
    )


class _Loader(yaml.SafeLoader):
    """Safe loader that keeps dates as text, so a bad date gets our message."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _load_yaml(path: pathlib.Path) -> Mapping[Any, Any]:
    try:
        doc = yaml.load(path.read_text("utf-8"), Loader=_Loader)  # noqa: S506
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ReferenceDataError(
            f"{path.name}: cannot read what-if file ({exc})"
        ) from exc
    if not isinstance(doc, dict):
        raise ReferenceDataError(
            f"{path.name}: expected a mapping with 'name' and tables; "
            f"found {type(doc).__name__}"
        )
    return doc


def _default_day(value: object, label: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ReferenceDataError(
            f"{label}: 'effective_from': expected a date YYYY-MM-DD; found {value!r}"
        ) from None


def _cell(value: object) -> str:
    """YAML value -> CSV-like cell text (``null`` -> empty)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    return value.isoformat() if isinstance(value, dt.date) else str(value)


@dataclass(frozen=True)
class _EntryReader:
    base: ReferenceData
    label: str
    name: str
    start: dt.date

    def rows(self, table: Table, entries: object) -> tuple[object, ...]:
        if entries is None:
            return ()
        if not isinstance(entries, list):
            raise ReferenceDataError(
                f"{self.label}: '{table.name}': expected a list of rows; "
                f"found {type(entries).__name__}"
            )
        built: list[object] = []
        for i, entry in enumerate(entries):
            built.extend(self._entry(table, entry, f"{self.label}: {table.name}[{i}]"))
        return tuple(built)

    def _entry(self, table: Table, entry: object, where: str) -> list[object]:
        if not isinstance(entry, dict):
            raise ReferenceDataError(f"{where}: expected a mapping; found {entry!r}")
        cells = {str(k): _cell(v) for k, v in entry.items()}
        unknown = sorted(k for k in cells if k not in table.columns)
        if unknown:
            raise ReferenceDataError(
                f"{where}: unknown key(s) {', '.join(unknown)}; "
                f"allowed: {', '.join(table.columns)}"
            )
        cells.setdefault("effective_from", self.start.isoformat())
        country = cells.get("country")
        if country == "EU" and table.name in ("vat", "regimes"):
            return [
                self._row(table, {**cells, "country": member}, f"{where} ({member})")
                for member in sorted(EU_MEMBERS)
            ]
        return [self._row(table, cells, where)]

    def _row(self, table: Table, cells: dict[str, str], where: str) -> object:
        if table.name == "vat":
            cells.setdefault("rate_type", "standard")
        for column in (*table.key, "effective_from"):
            if column not in cells:
                raise ReferenceDataError(f"{where}: '{column}' is missing")
            _check(table, column, cells[column], where)
        day = dt.date.fromisoformat(cells["effective_from"])
        complete = {**self._from_base(table, cells, day, where), **cells}
        complete.setdefault("source", f"what-if: {self.label}")
        complete.setdefault("note", f"what-if: {self.name}")
        return table.build(parse_cells(table, complete, where))

    def _from_base(
        self, table: Table, cells: dict[str, str], day: dt.date, where: str
    ) -> dict[str, str]:
        missing = [c for c in table.columns if c not in cells and c not in _RESET]
        if not missing:
            return {}
        key = tuple(cells[c] for c in table.key)
        row = self.base.row_in_force(table.name, key, day)
        if row is None:
            raise ReferenceDataError(
                f"{where}: no {table.name} row for {'/'.join(key)} in force on "
                f"{day.isoformat()} to complete it from; give {', '.join(missing)}"
            )
        return {c: _cell(getattr(row, c)) for c in missing}


def _check(table: Table, column: str, value: str, where: str) -> None:
    try:
        table.columns[column](value)
    except ValueError as exc:
        raise ReferenceDataError(
            f"{where}, key '{column}': expected {exc}; found {value!r}"
        ) from None
