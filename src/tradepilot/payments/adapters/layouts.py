"""Which file is which: the headers that identify each payment and order export.

A file given to the wrong importer (a PayPal activity CSV to ``import stripe``)
is refused with a message that names what was expected, what the file looks like
and the command that imports it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tradepilot.domain.errors import ImportFormatError
from tradepilot.ingest.files import RawTable, require_columns


@dataclass(frozen=True)
class Layout:
    """A file layout: its import format, its name in messages, identifying headers."""

    fmt: str
    what: str
    signature: frozenset[str]


LAYOUTS = (
    Layout(
        "stripe",
        "a Stripe balance or payout reconciliation report",
        frozenset(
            {"balance_transaction_id", "reporting_category", "automatic_payout_id",
             "available_on_utc", "created_utc", "customer_facing_amount"}
        ),
    ),
    Layout(
        "paypal",
        "a PayPal activity download",
        frozenset(
            {"timezone", "transaction id", "reference txn id", "balance impact",
             "from email address", "to email address", "gross"}
        ),
    ),
    Layout(
        "amazon-settlement",
        "an Amazon settlement report (flat file V2)",
        frozenset(
            {"settlement-id", "settlement-start-date", "deposit-date", "total-amount",
             "amount-type", "amount-description"}
        ),
    ),
    Layout(
        "shopify-payments",
        "a Shopify Payments transactions export",
        frozenset(
            {"transaction date", "payout status", "payout date", "card brand",
             "presentment amount", "presentment currency", "available on"}
        ),
    ),
    Layout(
        "shopify",
        "a Shopify orders export",
        frozenset({"lineitem sku", "lineitem quantity", "financial status", "name"}),
    ),
    Layout(
        "amazon",
        "an Amazon All Orders report",
        frozenset({"amazon-order-id", "item-price", "purchase-date", "asin"}),
    ),
)  # fmt: skip
WHAT = {layout.fmt: layout.what for layout in LAYOUTS}
WHAT["bank"] = "a bank statement CSV"
_MIN_SHARE = 0.5  # of a layout's signature headers present to call the file one


def identify(columns: Sequence[str]) -> str | None:
    """The format whose signature headers the file carries best, if any.

    Examples
    --------
    >>> identify(["Date", "TimeZone", "Gross", "Transaction ID", "Reference Txn ID"])
    'paypal'
    >>> identify(["a", "b"]) is None
    True
    """
    present = {c.strip().lower() for c in columns}
    scores = {
        layout.fmt: len(layout.signature & present) / len(layout.signature)
        for layout in LAYOUTS
    }
    best = max(scores, key=lambda fmt: scores[fmt])
    return best if scores[best] >= _MIN_SHARE else None


def require_layout(
    table: RawTable,
    fmt: str,
    required: Mapping[str, Sequence[str]],
    *,
    mapping: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The header of each required field, or a clear refusal.

    Parameters
    ----------
    table : RawTable
        The file as read.
    fmt : str
        The import format asked for.
    required : mapping of str to sequence of str
        Field -> accepted headers.
    mapping : mapping of str to str, optional
        Field -> header the user named (``--mapping``), tried first.

    Raises
    ------
    ImportFormatError
        If the file is another provider's (naming it and the command to use), or
        lacks a required column (naming it and the columns found).
    """
    wanted = {
        field: [*([mapping[field]] if mapping and field in mapping else []), *names]
        for field, names in required.items()
    }
    present = {c.lower() for c in table.columns}
    complete = all(
        any(n.lower() in present for n in names) for names in wanted.values()
    )
    other = identify(table.columns)
    if not complete and other is not None and other != fmt:
        raise ImportFormatError(
            f"{table.name} looks like {WHAT[other]}, not {WHAT[fmt]}: import it with"
            f" 'tradepilot import {other} {table.name}'. Expected columns of"
            f" {WHAT[fmt]}: {', '.join(names[0] for names in required.values())};"
            f" found: {', '.join(table.columns[:30])}"
        )
    return require_columns(table, wanted, what=WHAT[fmt])


def read_mapping(path: Path | None) -> dict[str, Any]:
    """The ``--mapping`` YAML file as a dict (empty without one).

    Raises
    ------
    ImportFormatError
        If the file is missing or is not a YAML mapping.
    """
    if path is None:
        return {}
    if not path.is_file():
        raise ImportFormatError(f"mapping {path}: no such file")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ImportFormatError(f"mapping {path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ImportFormatError(
            f"mapping {path} must be a YAML mapping (field: column), got"
            f" {type(data).__name__}"
        )
    return data


def column_mapping(data: Mapping[str, Any]) -> dict[str, str]:
    """Field -> header from a mapping's ``columns:`` section (or its top level)."""
    section = data.get("columns", data)
    if not isinstance(section, dict):
        raise ImportFormatError("mapping 'columns' must map fields to column names")
    return {str(k): str(v) for k, v in section.items() if isinstance(v, str)}
