"""The report of one import: every row read is accounted for."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class ImportReport:
    """What one import of one file did.

    ``rows_read == accepted + quarantined + duplicates`` always holds: every row is
    stored, quarantined with a reason, or recognised as already stored.

    Attributes
    ----------
    format : str
        Importer name (``online-retail``, ``shopify``, ...).
    source_name : str
        File name.
    rows_read, accepted, quarantined, duplicates : int
        Row accounting.
    quarantine_reasons : dict of str to int
        Reason -> rows quarantined for it in this run.
    orders : int
        Distinct orders (or POs) among the rows accepted or recognised.
    orders_new : int
        Of those, the ones this run added.
    date_min, date_max : str or None
        Range of the rows' dates, ISO 8601.
    data_quality : dict
        Findings on the rows read (see ``ingest/quality.py``).
    source : str or None
        Namespace of the order numbers (order formats; ``--source``).
    conflicts : int
        Rows quarantined (now or by an earlier import of them) because their order
        already exists, in the store or on an earlier row, with another currency,
        country, customer or date (see ``ingest/conflicts.py``).
    truncated : bool
        The file ends in the middle of a row (it was cut off): that row is
        quarantined, the rest imported.
    notes : list of str
        What the user should know or do about this import, in plain words.
    same_file_as_run : int or None
        The earlier import run this file was recognised as, unchanged, without
        reading it again (see ``ingest/unchanged.py``); None when it was read.
    fingerprint : str or None
        Identity of the input (file bytes, format, options; order formats), by
        which a later import of the same input is recognised.
    lines_stored : int
        Order lines this run wrote (order formats).
    recheck_after : str or None
        The earliest date of a row refused as dated in the future (ISO 8601): once
        it has passed, a new import of the file reads it again.
    """

    format: str
    source_name: str
    rows_read: int = 0
    accepted: int = 0
    quarantined: int = 0
    duplicates: int = 0
    quarantine_reasons: dict[str, int] = field(default_factory=dict)
    orders: int = 0
    orders_new: int = 0
    date_min: str | None = None
    date_max: str | None = None
    seconds: float = 0.0
    import_run_id: int | None = None
    encoding: str | None = None
    data_quality: dict[str, Any] = field(default_factory=dict)
    source: str | None = None
    conflicts: int = 0
    truncated: bool = False
    notes: list[str] = field(default_factory=list)
    same_file_as_run: int | None = None
    fingerprint: str | None = None
    lines_stored: int = 0
    recheck_after: str | None = None

    def check(self) -> None:
        """Raise ``AssertionError`` if a row is unaccounted for (a bug, not bad data)."""
        total = self.accepted + self.quarantined + self.duplicates
        if total != self.rows_read:
            raise AssertionError(
                f"{self.source_name}: {self.rows_read} rows read but {total} accounted for"
            )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return asdict(self)


def iso_range(
    values: list[dt.datetime | dt.date | None],
) -> tuple[str | None, str | None]:
    """ISO strings of the min and max of ``values`` (ignoring None)."""
    present = [v for v in values if v is not None]
    if not present:
        return None, None
    return min(present).isoformat(), max(present).isoformat()
