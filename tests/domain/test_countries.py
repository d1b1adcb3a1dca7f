from __future__ import annotations

import unicodedata

import pycountry
import pytest

from tradepilot.domain.catalog import LineKind, classify_sku
from tradepilot.domain.countries import (
    PSEUDO_COUNTRIES,
    country_name,
    fold_aliases,
    resolve_country,
)
from tradepilot.domain.errors import DataValidationError


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


@pytest.mark.parametrize(
    ("text", "code"),
    [
        pytest.param("Democratic Republic of the Congo", "CD", id="dr-congo"),
        pytest.param("Myanmar (Burma)", "MM", id="myanmar-burma-cldr"),
        pytest.param("Cote d'Ivoire", "CI", id="cote-divoire-ascii"),
        pytest.param("Swaziland", "SZ", id="swaziland-former"),
        pytest.param("Côte d’Ivoire", "CI", id="cote-divoire-curly-cldr"),
        pytest.param("Ivory Coast", "CI", id="ivory-coast"),
        pytest.param("Eswatini", "SZ", id="eswatini-iso"),
        pytest.param("Burma", "MM", id="burma-former"),
        pytest.param("Zaire", "CD", id="zaire-former"),
        pytest.param("Congo - Kinshasa", "CD", id="congo-kinshasa-cldr"),
        pytest.param("Congo - Brazzaville", "CG", id="congo-brazzaville-cldr"),
        pytest.param("Congo", "CG", id="congo-iso-name"),
        pytest.param("Macedonia", "MK", id="macedonia-former"),
        pytest.param("Turkey", "TR", id="turkey-former"),
        pytest.param("Turkiye", "TR", id="turkiye-ascii"),
        pytest.param("Cape Verde", "CV", id="cape-verde-cldr"),
        pytest.param("East Timor", "TL", id="east-timor"),
        pytest.param("Bosnia & Herzegovina", "BA", id="ampersand-cldr"),
        pytest.param("St. Kitts & Nevis", "KN", id="saint-abbreviated-cldr"),
        pytest.param("St Lucia", "LC", id="saint-without-dot"),
        pytest.param("Hong Kong SAR China", "HK", id="hong-kong-cldr"),
        pytest.param("U.S. Virgin Islands", "VI", id="us-virgin-islands-cldr"),
        pytest.param("British Virgin Islands", "VG", id="inverted-iso-name"),
        pytest.param("Republic of Moldova", "MD", id="official-name"),
        pytest.param("Vatican City", "VA", id="vatican"),
        pytest.param("Guinea Bissau", "GW", id="dash-as-space"),
        pytest.param("CURACAO", "CW", id="upper-case-ascii"),
        pytest.param("The Gambia", "GM", id="leading-the"),
    ],
)
def test_resolves_common_former_and_ascii_names(text, code):
    country = resolve_country(text)

    assert country is not None
    assert country.code == code


def _ascii(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore")
    return folded.decode("ascii")


def _iso_names() -> list[tuple[str, str]]:
    names = []
    for c in pycountry.countries:
        for attribute in ("name", "common_name", "official_name"):
            name = getattr(c, attribute, None)
            if name is not None:
                names += [(c.alpha_2, name), (c.alpha_2, _ascii(name))]
    return names


def test_every_iso_country_name_and_its_ascii_spelling_resolve_to_its_code():
    names = _iso_names()

    wrong = [(code, name) for code, name in names
             if getattr(resolve_country(name), "code", None) != code]  # fmt: skip

    assert len(names) > 249 * 2
    assert wrong == []


@pytest.mark.parametrize("code", sorted(PSEUDO_COUNTRIES))
def test_pseudo_codes_stay_pseudo(code):
    country = resolve_country(code.lower())

    assert country is not None
    assert country.code == code
    assert country.is_pseudo
    assert country_name(code) == PSEUDO_COUNTRIES[code]


@pytest.mark.parametrize(
    "text", ["Korea", "Narnia", "Untied Kingdom", "Virgin Islands", "Congo D"]
)
def test_ambiguous_or_unknown_values_are_not_guessed(text):
    assert resolve_country(text) is None


def test_a_sellers_aliases_win_over_built_in_names():
    aliases = fold_aliases({"Narnia": "GB", " georgia ": "US", "Kongo": "Congo"})

    assert resolve_country("NARNIA", aliases=aliases).code == "GB"
    assert resolve_country("Georgia", aliases=aliases).code == "US"
    assert resolve_country("Georgia").code == "GE"
    assert resolve_country("Kongo", aliases=aliases).code == "CG"
    assert resolve_country("Swaziland", aliases=aliases).code == "SZ"


@pytest.mark.parametrize("target", ["Mordor", "", "Korea"])
def test_an_alias_to_an_unknown_country_is_refused_naming_it(target):
    with pytest.raises(DataValidationError, match="country alias 'Narnia'"):
        fold_aliases({"Narnia": target})


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
