from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradepilot.domain.errors import CurrencyMismatch, DataValidationError
from tradepilot.domain.money import Money, minor_unit, parse_decimal, quantize


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        pytest.param("10.005", "EUR", Decimal("10.00"), id="half-even-down"),
        pytest.param("10.015", "EUR", Decimal("10.02"), id="half-even-up"),
        pytest.param("1234.5", "JPY", Decimal("1234"), id="jpy-no-decimals"),
        pytest.param("1.2345", "KWD", Decimal("1.234"), id="kwd-three"),
        pytest.param(7, "usd", Decimal("7.00"), id="int-lowercase-code"),
    ],
)
def test_money_rounds_to_minor_unit(amount, currency, expected):
    money = Money(amount, currency)

    assert money.amount == expected
    assert money.amount.as_tuple().exponent == -minor_unit(money.currency)


def test_adding_two_currencies_raises():
    with pytest.raises(CurrencyMismatch, match="cannot combine GBP and EUR"):
        Money("1", "GBP") + Money("1", "EUR")


def test_float_amounts_and_unknown_currencies_are_refused():
    with pytest.raises(DataValidationError, match="not a float"):
        Money(1.1, "EUR")  # type: ignore[arg-type]
    with pytest.raises(DataValidationError, match="unknown currency 'XYZ'"):
        Money("1", "XYZ")


def test_legacy_currency_of_ecb_history_is_known():
    assert Money("1.95583", "BGN").amount == Decimal("1.96")


@given(
    st.lists(st.decimals(min_value=-(10**9), max_value=10**9, places=4), max_size=20),
    st.sampled_from(["EUR", "JPY", "KWD"]),
)
def test_sum_of_money_equals_sum_of_rounded_amounts(amounts, currency):
    total = sum((Money(a, currency) for a in amounts), Money.zero(currency))

    assert total.amount == sum((quantize(a, currency) for a in amounts), Decimal(0))
    assert total.amount == quantize(total.amount, currency)


@given(
    st.decimals(
        allow_nan=False, allow_infinity=False, places=6, min_value=-1e12, max_value=1e12
    )
)
def test_parse_decimal_round_trips_text(value):
    assert parse_decimal(str(value)) == value


@pytest.mark.parametrize("text", ["abc", "1,5", "nan", "inf", ""])
def test_parse_decimal_refuses_non_numbers(text):
    with pytest.raises(DataValidationError):
        parse_decimal(text)
