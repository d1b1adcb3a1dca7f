"""Building a ``generic`` mapping from a file's header, as the Imports page does.

The page shows a file's header and first rows with, for each canonical field of
:class:`~tradepilot.ingest.adapters.generic_mapping.MappedColumns`, a choice of the
file's columns, preselected by :func:`guess_columns`. What the seller picks comes
back as form fields (``map_<field>`` for columns, ``map_<setting>`` of
:data:`SETTINGS` for the file's conventions) and :func:`mapping_from_form` turns them into a validated mapping and
its YAML text, the same document ``--mapping`` takes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tradepilot.domain.errors import ImportFormatError
from tradepilot.ingest.adapters.generic_mapping import (
    MappedColumns,
    OrderMapping,
    validate_mapping,
)
from tradepilot.ingest.files import read_table

PREFIX = "map_"
PREVIEW_ROWS = 5
# Form field (after the prefix) -> mapping key of the file's conventions.
SETTINGS = {
    "date_format": "date_format",
    "timezone": "timezone",
    "default_currency": "currency",
    "default_country": "country",
}
# Header names (normalised: lower-case letters and digits) that usually hold a field.
HINTS: dict[str, tuple[str, ...]] = {
    "order_number": (
        "ordernumber",
        "orderno",
        "orderid",
        "order",
        "invoiceno",
        "invoice",
        "invoicenumber",
        "beleg",
    ),
    "ordered_at": ("orderdate", "createdat", "invoicedate", "date", "datetime"),
    "sku": ("sku", "stockcode", "itemcode", "productcode", "articlenumber", "item"),
    "quantity": ("quantity", "qty", "units", "menge"),
    "unit_price": ("unitprice", "price", "itemprice"),
    "line_total": ("linetotal", "total", "amount", "betrag"),
    "description": ("description", "title", "productname", "itemname", "product"),
    "customer": ("customer", "customerid", "customerno", "email", "buyer"),
    "country": ("country", "shippingcountry", "shipcountry", "land"),
    "currency": ("currency", "currencycode"),
}
# order_kind is never guessed: a file's own kind words (paid, storno) need
# kind_values, which only a YAML mapping sets.


@dataclass(frozen=True)
class Field:
    """One canonical field of the mapping form."""

    name: str
    required: bool
    guess: str | None


def fields(columns: Sequence[str]) -> list[Field]:
    """The mapping's column fields, in form order, with a guess from ``columns``.

    ``unit_price`` and ``line_total`` are not required on their own: exactly one of
    them is.
    """
    guesses = guess_columns(columns)
    required = {
        name for name, info in MappedColumns.model_fields.items() if info.is_required()
    }
    return [
        Field(name=name, required=name in required, guess=guesses.get(name))
        for name in MappedColumns.model_fields
    ]


def guess_columns(columns: Sequence[str]) -> dict[str, str]:
    """Field -> the column whose header names it best; a column serves one field.

    Examples
    --------
    >>> guess_columns(["Order ID", "Date", "SKU", "Qty", "Unit price", "Country"])
    {'order_number': 'Order ID', 'ordered_at': 'Date', 'sku': 'SKU', 'quantity': 'Qty', 'unit_price': 'Unit price', 'country': 'Country'}
    """
    normal = {column: re.sub(r"[^a-z0-9]", "", column.lower()) for column in columns}
    taken: set[str] = set()
    found: dict[str, str] = {}
    for field, hints in HINTS.items():
        for hint in hints:
            match = next(
                (c for c in columns if normal[c] == hint and c not in taken), None
            )
            if match is not None:
                found[field] = match
                taken.add(match)
                break
    if "unit_price" in found and "line_total" in found:
        del found["line_total"]  # a mapping maps exactly one of them
    return found


def preview(path: Path, *, rows: int = PREVIEW_ROWS) -> dict[str, Any]:
    """A file's header, its first ``rows`` rows and the mapping fields to fill.

    Parameters
    ----------
    path : Path
        The uploaded file.
    rows : int
        Rows to show.

    Returns
    -------
    dict
        ``file``, ``columns``, ``rows`` (lists of cell texts, None for empty) and
        ``fields`` (``name``, ``required``, ``guess``).

    Raises
    ------
    ImportFormatError
        If the file cannot be read (see :func:`~tradepilot.ingest.files.read_table`).
    """
    table = read_table(path)
    head = table.frame.head(rows).select(table.columns)
    return {
        "file": table.name,
        "columns": table.columns,
        "rows": [list(row) for row in head.iter_rows()],
        "fields": [vars(f) for f in fields(table.columns)],
    }


def mapping_from_form(form: Mapping[str, str]) -> tuple[OrderMapping, str]:
    """The mapping the form's ``map_*`` fields describe, and its YAML text.

    Parameters
    ----------
    form : mapping of str to str
        ``map_<field>`` (a column name, empty when not mapped), ``map_date_format``,
        ``map_timezone``, ``map_default_currency``, ``map_default_country`` (empty
        for the default) and ``map_decimal_comma`` (present when ticked).

    Raises
    ------
    ImportFormatError
        If no column is chosen, or the mapping is invalid (naming the key).
    """
    values = {
        k[len(PREFIX) :]: v.strip() for k, v in form.items() if k.startswith(PREFIX)
    }
    columns = {f: values[f] for f in MappedColumns.model_fields if values.get(f)}
    if not columns:
        raise ImportFormatError(
            "no mapping: upload a YAML mapping, or read the file's columns and choose"
            " which column holds each field"
        )
    data: dict[str, Any] = {"source": "generic", "columns": columns}
    data |= {key: values[field] for field, key in SETTINGS.items() if values.get(field)}
    if "map_decimal_comma" in form:
        data["decimal_comma"] = True
    mapping = validate_mapping(data, name="the mapping chosen on the page")
    return mapping, yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
