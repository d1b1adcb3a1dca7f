"""Our VAT table against the open tables in ../shared/data/tax_rates.

ibericode (EU-27 + GB, snapshot 2025-08-12, percentages), kdeldycke (EU standard
history, fractions) and node-sales-tax (one headline rate per country, 2025-10-31).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
from decimal import Decimal
from pathlib import Path

import pytest

from tradepilot.reference import EU_MEMBERS, load_reference

IBERICODE_SNAPSHOT = dt.date(2025, 8, 12)
REF = load_reference()


def _ibericode(shared_data: Path) -> dict[str, list[dict[str, object]]]:
    path = shared_data / "tax_rates" / "ibericode_vat-rates.json"
    items: dict[str, list[dict[str, object]]] = json.loads(path.read_text())["items"]
    return items


def _percent(value: object) -> Decimal:
    return Decimal(str(value)) / 100


def test_eu_standard_rate_today_matches_ibericode_newest(shared_data: Path) -> None:
    items = _ibericode(shared_data)
    today = dt.date.today()  # noqa: DTZ011 - a calendar day, no time of day involved
    for country in sorted(EU_MEMBERS):
        newest = _percent(items[country][0]["rates"]["standard"])  # type: ignore[index]
        later = [
            r.effective_from
            for r in REF.vat
            if r.country == country
            and r.rate_type == "standard"
            and IBERICODE_SNAPSHOT < r.effective_from <= today
        ]
        day = min(later) - dt.timedelta(days=1) if later else today
        assert REF.vat_rate(country, day).rate == newest, (country, day)


def test_eu_reduced_rate_today_is_ibericodes_higher_reduced(shared_data: Path) -> None:
    items = _ibericode(shared_data)
    for country in sorted(EU_MEMBERS - {"DK"}):
        rates = items[country][0]["rates"]
        reduced = [_percent(v) for k, v in rates.items() if k.startswith("reduced")]  # type: ignore[attr-defined]
        if country == "EE":  # ibericode's newest EE period has 'reduced' 13 only
            reduced = [Decimal("0.13")]
        assert REF.vat_rate(country, IBERICODE_SNAPSHOT, "reduced").rate == max(
            reduced
        ), country


def test_gb_standard_rate_matches_ibericode(shared_data: Path) -> None:
    newest = _ibericode(shared_data)["GB"][0]
    day = dt.date.fromisoformat(str(newest["effective_from"]))
    assert REF.vat_rate("GB", day).rate == _percent(newest["rates"]["standard"])  # type: ignore[index]


@pytest.mark.parametrize(
    "country", ["GB", "NO", "CH", "AU", "NZ", "JP", "SG", "KR", "CA", "US", "BR"]
)
def test_standard_rate_matches_node_sales_tax(shared_data: Path, country: str) -> None:
    path = shared_data / "tax_rates" / "node-sales-tax_sales_tax_rates.json"
    entry = json.loads(path.read_text())[country]
    assert REF.vat_rate(country, dt.date(2025, 10, 31)).rate == Decimal(
        str(entry["rate"])
    )
    for stamp, before in entry.get("before", {}).items():
        # keys are UTC instants of local midnight: the day before the change
        last_day = dt.date.fromisoformat(stamp[:10])
        assert REF.vat_rate(country, last_day).rate == Decimal(str(before["rate"]))


def _kdeldycke(
    shared_data: Path,
) -> dict[str, list[tuple[dt.date, dt.date | None, Decimal]]]:
    path = shared_data / "tax_rates" / "kdeldycke_vat_rates.csv.gz"
    periods: dict[str, list[tuple[dt.date, dt.date | None, Decimal]]] = {}
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            stop = dt.date.fromisoformat(row["stop_date"]) if row["stop_date"] else None
            for code in row["territory_codes"].split():
                periods.setdefault(code, []).append(
                    (
                        dt.date.fromisoformat(row["start_date"]),
                        stop,
                        Decimal(row["rate"]),
                    )
                )
    return periods


# Rows kdeldycke lacks, checked against ibericode instead.
KDELDYCKE_GAPS = {("IE", dt.date(2020, 9, 1))}  # temporary 21% Sep 2020 - Feb 2021


def test_eu_history_rows_match_kdeldycke(shared_data: Path) -> None:
    periods = _kdeldycke(shared_data)
    checked = 0
    for row in REF.vat:
        if row.country not in EU_MEMBERS or row.rate_type != "standard":
            continue
        if (row.country, row.effective_from) in KDELDYCKE_GAPS:
            continue
        day = row.effective_from
        theirs = [
            rate
            for start, stop, rate in periods[row.country]
            if start <= day and (stop is None or day < stop)
        ]
        if theirs:  # kdeldycke may not reach back to our 2010 horizon
            assert theirs == [row.rate], (row.country, day, theirs)
            checked += 1
    assert checked >= 60


def test_kdeldycke_gaps_match_ibericode(shared_data: Path) -> None:
    items = _ibericode(shared_data)
    for country, day in sorted(KDELDYCKE_GAPS):
        period = next(
            p for p in items[country] if p["effective_from"] == day.isoformat()
        )
        assert REF.vat_rate(country, day).rate == _percent(period["rates"]["standard"])  # type: ignore[index]
