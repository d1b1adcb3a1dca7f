"""Which import format a file is in, by its columns (for the watched inbox folder).

Each format's required columns are its signature; the first format whose signature
a file's header holds wins, most specific first (a products file only needs ``sku``,
so it comes last). Payment exports share too many column names to be told apart
safely: they are imported from a sub-folder named after their format.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from tradepilot.domain.errors import ImportFormatError
from tradepilot.ingest.adapters import amazon, inventory, online_retail, shopify
from tradepilot.ingest.adapters.purchase_order_rows import REQUIRED as PO_REQUIRED
from tradepilot.ingest.files import RawTable, read_table, require_columns

Signature = Mapping[str, Sequence[str]]
SIGNATURES: list[tuple[str, Signature]] = [
    ("online-retail", online_retail.COLUMNS),
    ("shopify", shopify.COLUMNS),
    ("amazon", amazon.COLUMNS),
    ("purchase-orders", {f: [f] for f in PO_REQUIRED}),
    *(("inventory", {f: [f] for f in fields}) for fields in inventory.LAYOUTS.values()),
    ("fx", {"date": ["Date"], "usd": ["USD"]}),
    ("customers", {"email": ["Email", "E-mail"]}),
    ("products", {"sku": ["sku"]}),
]


def detect_format(path: Path) -> str:
    """The name of the import format of the file at ``path``.

    Raises
    ------
    ImportFormatError
        If the file cannot be read or no format's columns are all in its header
        (the message lists the header it found).
    """
    return detect_table_format(read_table(path))


def detect_table_format(table: RawTable) -> str:
    """The import format whose required columns ``table`` holds (see
    :data:`SIGNATURES`).

    Raises
    ------
    ImportFormatError
        If none fits.
    """
    for name, signature in SIGNATURES:
        try:
            require_columns(table, signature, what=name)
        except ImportFormatError:
            continue
        return name
    found = ", ".join(table.columns[:12]) + (", ..." if len(table.columns) > 12 else "")
    raise ImportFormatError(
        f"{table.name}: no import format recognises its columns (found: {found}); "
        "put it in a sub-folder named after its format (e.g. inbox/stripe/)"
    )
