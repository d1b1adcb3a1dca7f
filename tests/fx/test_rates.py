from __future__ import annotations

import datetime as dt
import gzip
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradepilot.domain.errors import MissingRateError
from tradepilot.domain.money import Money
from tradepilot.fx.rates import RateTable
from tradepilot.fx.service import load_rate_table
from tradepilot.ingest.service import import_file

FRIDAY = dt.date(2024, 1, 5)
ECB_SAMPLE = """Date,USD,JPY,BGN,GBP,
2024-01-05,1.0921,158.48,1.9558,0.86,
2024-01-04,1.0953,157.50,1.9558,0.8635,
2024-01-03,N/A,156.94,1.9558,0.8630,
"""


def table() -> RateTable:
    return RateTable(
        pl.DataFrame(
            {
                "currency": ["USD", "GBP", "USD", "GBP"],
                "date": [FRIDAY, FRIDAY, *[FRIDAY - dt.timedelta(days=1)] * 2],
                "per_eur": [1.10, 0.86, 1.09, 0.85],
            }
        )
    )


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(FRIDAY, 1.10, id="publication-day"),
        pytest.param(FRIDAY + dt.timedelta(days=2), 1.10, id="sunday-carries-friday"),
        pytest.param(
            FRIDAY + dt.timedelta(days=7), 1.10, id="seven-days-still-carried"
        ),
        pytest.param(FRIDAY - dt.timedelta(days=1), 1.09, id="day-before"),
    ],
)
def test_rate_is_carried_over_weekends_and_holidays(day, expected):
    assert table().per_eur("USD", day) == expected


@pytest.mark.parametrize(
    ("currency", "day", "message"),
    [
        pytest.param(
            "USD",
            FRIDAY + dt.timedelta(days=8),
            "no FX rate for USD on 2024-01-13",
            id="stale",
        ),
        pytest.param(
            "USD",
            dt.date(2023, 12, 1),
            "no FX rate for USD on 2023-12-01",
            id="before-history",
        ),
        pytest.param("CHF", FRIDAY, "no rates for CHF are loaded", id="never-loaded"),
    ],
)
def test_missing_rate_names_currency_and_date(currency, day, message):
    with pytest.raises(MissingRateError, match=message) as info:
        table().per_eur(currency, day)

    assert (info.value.currency, info.value.date) == (currency, day)


def test_conversion_goes_through_the_euro():
    converted = table().convert_money(Money("100", "USD"), "GBP", FRIDAY)

    assert converted == Money(Decimal("78.18"), "GBP")  # 100 / 1.10 * 0.86


def test_frame_conversion_raises_on_first_gap():
    frame = pl.DataFrame(
        {"amount": [10.0, 20.0], "currency": ["USD", "CHF"], "date": [FRIDAY, FRIDAY]}
    )

    with pytest.raises(MissingRateError, match="CHF on 2024-01-05"):
        table().convert(frame, target="EUR")


@given(
    st.floats(min_value=0.01, max_value=1e9),
    st.sampled_from(["USD", "GBP", "EUR"]),
    st.sampled_from(["USD", "GBP", "EUR"]),
)
def test_round_trip_conversion_returns_the_amount(amount, a, b):
    rates = table()
    frame = pl.DataFrame({"amount": [amount], "currency": [a], "date": [FRIDAY]})

    there = rates.convert(frame, target=b)
    back = rates.convert(
        pl.DataFrame({"amount": there, "currency": [b], "date": [FRIDAY]}), target=a
    )

    assert back[0] == pytest.approx(amount, rel=1e-12)


def test_ecb_sample_import_skips_na_and_reimport_adds_nothing(engine, tmp_path):
    path = tmp_path / "eurofxref-hist.csv"
    path.write_text(ECB_SAMPLE)

    first = import_file(engine, fmt="fx", path=path)
    again = import_file(engine, fmt="fx", path=path)

    assert (first.rows_read, first.accepted, first.quarantined) == (3, 3, 0)
    assert (again.accepted, again.duplicates) == (0, 3)
    with engine.connect() as conn:
        rates = load_rate_table(conn, ["USD", "GBP", "BGN"])
    assert rates.rates.height == 8  # 9 cells of these currencies, one N/A
    with pytest.raises(MissingRateError, match="USD on 2024-01-03"):
        rates.per_eur("USD", dt.date(2024, 1, 3))


def test_ecb_correction_is_quarantined_not_applied(engine, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(ECB_SAMPLE)
    import_file(engine, fmt="fx", path=path)
    corrected = tmp_path / "b.csv"
    corrected.write_text(ECB_SAMPLE.replace("1.0921", "1.0999"))

    report = import_file(engine, fmt="fx", path=corrected)

    assert (report.accepted, report.quarantined, report.duplicates) == (0, 1, 2)
    assert report.quarantine_reasons == {
        "rate for USD differs from the stored rate 1.0921 (file: 1.0999)": 1
    }


def test_real_ecb_history_imports_completely(engine, shared_data, tmp_path):
    path = shared_data / "ecb_fx" / "eurofxref-hist.csv.gz"
    rows = len(gzip.decompress(path.read_bytes()).decode().splitlines()) - 1

    report = import_file(engine, fmt="fx", path=path)

    assert (report.rows_read, report.accepted, report.quarantined) == (rows, rows, 0)
    assert (report.date_min, report.date_max) == ("1999-01-04", "2026-04-13")
    with engine.connect() as conn:
        rates = load_rate_table(conn, ["USD", "GBP", "BGN"])
    # Saturday 2011-12-10 uses Friday's rates; BGN stops when Bulgaria joined the euro.
    assert rates.per_eur("GBP", dt.date(2011, 12, 10)) == rates.per_eur(
        "GBP", dt.date(2011, 12, 9)
    )
    with pytest.raises(MissingRateError, match="BGN on 2026-02-02"):
        rates.per_eur("BGN", dt.date(2026, 2, 2))
