import datetime as dt
from pathlib import Path

import pytest

from tradepilot.simulate import SimulatedStore
from tradepilot.simulate.timeline import ecb_business_days


def _rows(path: Path) -> list[list[str]]:
    return [line.split(",") for line in path.read_text(encoding="utf-8").splitlines()]


def test_ecb_file_has_header_and_trailing_commas(written: dict[str, Path]) -> None:
    rows = _rows(written["eurofxref_hist"])

    assert rows[0][:4] == ["Date", "USD", "JPY", "BGN"]
    assert all(row[-1] == "" for row in rows)
    assert {len(row) for row in rows} == {len(rows[0])}


def test_ecb_file_covers_the_span_on_business_days_newest_first(
    small_store: SimulatedStore, written: dict[str, Path]
) -> None:
    config = small_store.config
    dates = [
        dt.date.fromisoformat(row[0]) for row in _rows(written["eurofxref_hist"])[1:]
    ]

    assert dates == sorted(dates, reverse=True)
    assert all(day.weekday() < 5 for day in dates)
    assert min(dates) < config.start
    assert set(ecb_business_days(config.start, config.end)) <= set(dates)
    assert dt.date(2024, 12, 25) not in dates


@pytest.mark.parametrize(
    ("code", "low", "high"),
    [
        pytest.param("USD", 0.95, 1.25, id="USD"),
        pytest.param("GBP", 0.78, 0.93, id="GBP"),
        pytest.param("JPY", 135.0, 185.0, id="JPY"),
        pytest.param("DKK", 7.44, 7.48, id="DKK"),
        pytest.param("CHF", 0.85, 1.05, id="CHF"),
        pytest.param("SEK", 10.0, 12.5, id="SEK"),
    ],
)
def test_rates_stay_at_realistic_levels(
    written: dict[str, Path], code: str, low: float, high: float
) -> None:
    rows = _rows(written["eurofxref_hist"])
    column = rows[0].index(code)
    values = [float(row[column]) for row in rows[1:]]

    assert low <= min(values) <= max(values) <= high
