"""The one number formatter: separators, rounding, no negative zero, minor units."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Context, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradepilot.domain.money import minor_unit
from tradepilot.domain.numbers import (
    format_money,
    format_number,
    format_percent,
    format_units,
)

GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})*(\.\d+)?$")
finite = st.floats(allow_nan=False, allow_infinity=False)
decimals = st.integers(min_value=0, max_value=4)


def expected(value: float, places: int) -> Decimal:
    """``value`` rounded half-even from its shortest repr, without a sign on zero."""
    exact = Decimal(repr(value))
    wide = Context(prec=max(28, exact.adjusted() + places + 2))
    rounded = exact.quantize(Decimal(1).scaleb(-places), ROUND_HALF_EVEN, context=wide)
    return abs(rounded) if rounded.is_zero() else rounded


@given(st.floats(), decimals, st.booleans())
def test_never_a_negative_zero(value, places, signed):
    text = format_number(value, places, signed=signed)

    if text.startswith("-") and text != "-∞":
        assert re.search(r"[1-9]", text), text


@given(finite, decimals)
def test_thousands_separators_round_trip(value, places):
    text = format_number(value, places)

    assert GROUPED.match(text), text
    assert Decimal(text.replace(",", "")) == expected(value, places)
    assert len(text.partition(".")[2]) == places


@given(st.integers())
def test_integers_read_as_python_writes_them(value):
    assert format_number(value) == f"{value:,}"


@given(finite, st.sampled_from(["EUR", "JPY", "KWD", "GBP", "CLF"]))
def test_money_has_the_minor_unit_of_its_currency(value, currency):
    text = format_money(value, currency)

    assert len(text.partition(".")[2]) == minor_unit(currency)
    assert Decimal(text.replace(",", "")) == expected(value, minor_unit(currency))


@given(st.floats(min_value=-1e12, max_value=1e12))
def test_percent_is_the_number_times_100(value):
    assert format_percent(value) == format_number(Decimal(repr(value)) * 100, 1) + "%"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        pytest.param(5017, "5,017", id="int"),
        pytest.param(3738.0, "3,738", id="float-count"),
        pytest.param(175743.0, "175,743", id="large-float"),
        pytest.param(0.0, "0", id="zero"),
        pytest.param(-0.0, "0", id="negative-zero"),
        pytest.param(-0.4, "0", id="rounds-to-zero"),
        pytest.param(62.9, "63", id="fraction"),
        pytest.param(None, "–", id="missing"),
        pytest.param(float("nan"), "–", id="nan"),
    ],
)
def test_units_are_whole(value, text):
    assert format_units(value) == text


@pytest.mark.parametrize(
    ("value", "currency", "text"),
    [
        pytest.param(-0.001, "EUR", "0.00", id="eur-negative-zero"),
        pytest.param(1422519.137, "EUR", "1,422,519.14", id="eur"),
        pytest.param(-1234.5, None, "-1,234.50", id="no-currency"),
        pytest.param(31999.6, "JPY", "32,000", id="jpy"),
        pytest.param(12.3456, "KWD", "12.346", id="kwd"),
        pytest.param(Decimal("2.675"), "EUR", "2.68", id="decimal-half-even-up"),
        pytest.param(Decimal("2.665"), "EUR", "2.66", id="decimal-half-even-down"),
        pytest.param(
            1e30,
            "EUR",
            "1,000,000,000,000,000,000,000,000,000,000.00",
            id="more-digits-than-the-default-context",
        ),
    ],
)
def test_money(value, currency, text):
    assert format_money(value, currency) == text


def test_signed_numbers_show_plus_but_not_on_zero():
    assert (
        format_number(0.0412, 3, signed=True),
        format_number(-0.0412, 3, signed=True),
        format_number(-0.0001, 3, signed=True),
    ) == ("+0.041", "-0.041", "0.000")
