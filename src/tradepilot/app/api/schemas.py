"""Public shapes of the API (``XPublic``; lists as ``{data, count}``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class StatusPublic(BaseModel):
    """Workspace status."""

    orders: int = Field(description="Distinct sale orders (as in /kpis totals.orders)")
    all_orders: int = Field(
        description="Every order document: sales, cancellations, returns, adjustments"
    )
    order_lines: int
    customers: int
    products: int
    countries: list[str]
    currencies: list[str]
    date_min: str | None
    date_max: str | None
    base_currency: str | None
    revenue_base: float | None = Field(description="Net revenue in the base currency")
    fx_gaps: list[dict[str, Any]]
    quarantined: int
    imports: int
    fx_rates: int
    purchase_orders: int
    inventory_snapshots: int


class KpiRow(BaseModel):
    """KPIs of one group (or the totals)."""

    gross_sales: float
    returns: float
    revenue: float
    orders: int
    average_order_value: float | None
    return_rate: float | None
    month: str | None = None
    country: str | None = None
    channel: str | None = None


class KpisPublic(BaseModel):
    """KPIs in the base currency: totals and breakdowns."""

    base_currency: str | None
    totals: KpiRow | None
    by: dict[str, list[KpiRow]]


class ImportJobPublic(BaseModel):
    """An upload being imported; ``report`` once ``state`` is ``done``."""

    id: str
    format: str
    filename: str
    state: str = Field(description="queued, running, done or failed")
    stage: str
    report: dict[str, Any] | None
    error: str | None


class ImportRunPublic(BaseModel):
    """A finished import of one file."""

    id: int
    format: str
    source_name: str
    started_at: Any
    finished_at: Any
    rows_read: int
    accepted: int
    quarantined: int
    duplicates: int
    report: dict[str, Any]
    undone_at: Any = None
    undoable: bool = False


class ImportRunsPublic(BaseModel):
    """A page of import runs."""

    data: list[ImportRunPublic]
    count: int


class QuarantineRowPublic(BaseModel):
    """A row an import set aside."""

    id: int
    import_run_id: int
    format: str
    source_name: str
    row_number: int
    reason: str
    raw: dict[str, Any]


class QuarantinePublic(BaseModel):
    """A page of quarantined rows."""

    data: list[QuarantineRowPublic]
    count: int


class FormatPublic(BaseModel):
    """An import format."""

    name: str
    summary: str


class ImportUndoPublic(BaseModel):
    """What undoing an import run removed."""

    run_id: int
    undo_run_id: int
    format: str
    source_name: str
    undone_at: str
    removed: dict[str, int]
    kept: dict[str, int]
    notes: list[str]


class MappingFieldPublic(BaseModel):
    """A canonical field of a generic mapping, with the column guessed for it."""

    name: str
    required: bool
    guess: str | None


class ImportPreviewPublic(BaseModel):
    """A file's header and first rows, and the mapping fields to fill."""

    file: str
    columns: list[str]
    rows: list[list[str | None]]
    fields: list[MappingFieldPublic]
