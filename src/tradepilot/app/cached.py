"""Reports the dashboard and API serve often, cached until the data changes.

The cache key is the store's data version (newest import run and settings), so a
report is computed once per import, not once per request.
"""

from __future__ import annotations

from typing import Any

from tradepilot.app.state import AppState
from tradepilot.domain.errors import MissingRateError
from tradepilot.ingest.quality import workspace_quality
from tradepilot.reporting.service import KpiReport, compute_kpis, data_version
from tradepilot.workspace import workspace_status


def cached_status(state: AppState) -> dict[str, Any]:
    """:func:`~tradepilot.workspace.workspace_status`, cached per data version."""
    version = data_version(state.engine)
    found = state.cache.get("status", version)
    if found is None:
        found = workspace_status(state.engine)
        state.cache.put("status", version, found)
    return dict(found)


def cached_kpis(state: AppState) -> KpiReport:
    """:func:`~tradepilot.reporting.service.compute_kpis`, cached per data version."""
    version = data_version(state.engine)
    found = state.cache.get("kpis", version)
    if found is None:
        found = compute_kpis(state.engine)
        state.cache.put("kpis", version, found)
    assert isinstance(found, KpiReport)
    return found


def cached_quality(state: AppState) -> dict[str, Any]:
    """:func:`~tradepilot.ingest.quality.workspace_quality`, cached per data version."""
    version = data_version(state.engine)
    found = state.cache.get("quality", version)
    if found is None:
        with state.engine.begin() as conn:
            found = workspace_quality(conn)
        state.cache.put("quality", version, found)
    return dict(found)


def warm_caches(state: AppState) -> None:
    """Compute the cached reports now (after an import, before serving), so the
    first page view does not wait for them. A report that cannot be computed (no
    FX rate yet) is left for the page to explain."""
    cached_status(state)
    cached_quality(state)
    try:
        cached_kpis(state)
    except MissingRateError:
        return
