from __future__ import annotations

import pytest

from tradepilot.domain.catalog import LineKind, classify_sku
from tradepilot.domain.countries import resolve_country


@pytest.mark.parametrize(
    ("text", "code"),
    [
        pytest.param("EIRE", "IE", id="eire"),
        pytest.param("RSA", "ZA", id="rsa"),
        pytest.param("USA", "US", id="usa"),
        pytest.param("United Kingdom", "GB", id="name"),
        pytest.param("Czech Republic", "CZ", id="official-name"),
        pytest.param("deu", "DE", id="alpha-3"),
        pytest.param(" fr ", "FR", id="alpha-2-spaces"),
        pytest.param("European Community", "EU", id="eu-pseudo"),
        pytest.param("Channel Islands", "XC", id="channel-islands-pseudo"),
        pytest.param("Unspecified", "ZZ", id="unspecified-pseudo"),
        pytest.param("", "ZZ", id="empty-is-unspecified"),
    ],
)
def test_resolves_real_export_values(text, code):
    country = resolve_country(text)

    assert country is not None
    assert country.code == code


@pytest.mark.parametrize("text", ["Korea", "Narnia", "Untied Kingdom"])
def test_ambiguous_or_unknown_values_are_not_guessed(text):
    assert resolve_country(text) is None


@pytest.mark.parametrize(
    ("sku", "kind"),
    [
        ("85123A", LineKind.PRODUCT),
        ("DCGS0003", LineKind.PRODUCT),
        ("POST", LineKind.SHIPPING),
        ("DOT", LineKind.SHIPPING),
        ("C2", LineKind.SHIPPING),
        ("D", LineKind.DISCOUNT),
        ("M", LineKind.ADJUSTMENT),
        ("m", LineKind.ADJUSTMENT),
        ("B", LineKind.ADJUSTMENT),
        ("BANK CHARGES", LineKind.FEE),
        ("AMAZONFEE", LineKind.FEE),
        ("CRUK", LineKind.FEE),
        ("S", LineKind.SAMPLE),
        ("gift_0001_20", LineKind.VOUCHER),
    ],
)
def test_non_product_lines_are_classified(sku, kind):
    assert classify_sku(sku) is kind
    assert classify_sku(sku).is_demand is (kind is LineKind.PRODUCT)
