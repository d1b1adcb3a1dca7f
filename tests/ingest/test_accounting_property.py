"""Hypothesis: whatever mix of rows a file holds, every row is accounted for."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradepilot.config import Settings
from tradepilot.ingest.service import import_file
from tradepilot.workspace import init_workspace

HEADER = (
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"
)

invoices = st.sampled_from(["536365", "536366", "C536367", "A536368", "", "536369"])
skus = st.sampled_from(["85123A", "POST", "D", "22139", ""])
quantities = st.sampled_from(["6", "-1", "0", "2.5", "x", "", "2000000"])
dates = st.sampled_from(
    ["2010-12-01 08:26:00", "12/1/2010 8:26", "soon", "1980-01-01 00:00:00"]
)
prices = st.sampled_from(["2.55", "0", "-1", "", "abc", "0.001"])
customers = st.sampled_from(["17850.0", "", "12583"])
countries = st.sampled_from(["United Kingdom", "EIRE", "Narnia", "", "Channel Islands"])
rows = st.lists(
    st.tuples(invoices, skus, quantities, dates, prices, customers, countries),
    min_size=1,
    max_size=25,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=rows, overlap=st.integers(min_value=0, max_value=25))
def test_rows_read_equals_accepted_quarantined_duplicates(batch, overlap):
    lines = [f"{i},{s},item,{q},{d},{p},{c},{n}" for i, s, q, d, p, c, n in batch]
    with tempfile.TemporaryDirectory() as tmp:
        engine = init_workspace(Settings(home=Path(tmp) / "ws", database_url=None))
        first = Path(tmp) / "a.csv"
        first.write_text("\n".join([HEADER, *lines]) + "\n")
        second = Path(tmp) / "b.csv"
        second.write_text("\n".join([HEADER, *lines[:overlap]]) + "\n")

        reports = [import_file(engine, fmt="online-retail", path=first)]
        if lines[:overlap]:
            reports.append(import_file(engine, fmt="online-retail", path=second))
        engine.dispose()

    for report in reports:
        assert (
            report.rows_read == report.accepted + report.quarantined + report.duplicates
        )
    assert reports[0].rows_read == len(lines)
    for later in reports[1:]:
        assert (later.accepted, later.quarantined) == (0, 0)
        assert later.duplicates == min(overlap, len(lines))
