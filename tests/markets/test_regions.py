from __future__ import annotations

from collections import Counter

import polars as pl
import pycountry
import pytest

from tradepilot.domain.errors import DataValidationError
from tradepilot.markets import neighbours_of, peer_revenue, peers_of, regions

M49_REGIONS = {"Africa", "Americas", "Asia", "Europe", "Oceania", "Antarctica"}


def test_every_pycountry_country_is_present_exactly_once():
    codes = regions().get_column("country").to_list()

    assert Counter(codes) == Counter(c.alpha_2 for c in pycountry.countries)


def test_regions_schema_and_region_names():
    table = regions()

    assert table.schema == pl.Schema(
        {
            "country": pl.String,
            "name": pl.String,
            "region": pl.String,
            "subregion": pl.String,
            "neighbours": pl.List(pl.String),
        }
    )
    assert set(table.get_column("region").unique()) == M49_REGIONS
    assert table.null_count().row(0) == (0, 0, 0, 0, 0)


@pytest.mark.parametrize(
    ("country", "region", "subregion"),
    [
        pytest.param("DE", "Europe", "Western Europe", id="germany"),
        pytest.param("GB", "Europe", "Northern Europe", id="uk"),
        pytest.param("NA", "Africa", "Southern Africa", id="namibia-not-null"),
        pytest.param("BR", "Americas", "South America", id="brazil-intermediate"),
        pytest.param("US", "Americas", "Northern America", id="usa"),
        pytest.param("JP", "Asia", "Eastern Asia", id="japan"),
        pytest.param("NZ", "Oceania", "Australia and New Zealand", id="new-zealand"),
    ],
)
def test_region_and_subregion_follow_m49(country, region, subregion):
    row = regions().filter(country=country).row(0, named=True)

    assert (row["region"], row["subregion"]) == (region, subregion)


def test_neighbours_are_symmetric_and_known_codes():
    known = set(regions().get_column("country"))

    for country in known:
        for other in neighbours_of(country):
            assert other in known
            assert other != country
            assert country in neighbours_of(other), f"{other} lists {country}? no"


@pytest.mark.parametrize(
    ("country", "expected"),
    [
        pytest.param("AT", {"CH", "CZ", "DE", "HU", "IT", "LI", "SI", "SK"}, id="land"),
        pytest.param("GB", {"FR", "GG", "IE", "IM", "JE"}, id="sea-links"),
        pytest.param("AU", {"NZ"}, id="au-nz"),
        pytest.param("KR", {"JP", "KP"}, id="jp-kr"),
        pytest.param("IS", set(), id="island"),
    ],
)
def test_neighbours_of(country, expected):
    assert neighbours_of(country) == frozenset(expected)


def test_peers_combine_neighbours_and_subregion():
    at_peers = peers_of("AT")

    assert "DE" in at_peers
    assert "IT" in at_peers  # neighbour in another sub-region
    assert "NL" in at_peers  # same sub-region, no border
    assert "AT" not in at_peers
    assert "ES" not in at_peers


def test_unknown_country_raises():
    with pytest.raises(DataValidationError, match=r"country 'XX' is not an ISO 3166-1"):
        peers_of("XX")
    with pytest.raises(DataValidationError, match=r"country 'de' is not an ISO 3166-1"):
        neighbours_of("de")


def test_peer_revenue_sums_over_peers_for_every_country():
    sold = pl.DataFrame(
        {"country": ["DE", "FR", "JP"], "revenue_base": [100.0, 50.0, 7.0]}
    )

    result = peer_revenue(sold)

    assert result.columns == ["country", "peer_revenue_base"]
    assert result.height == regions().height
    by_country = dict(result.iter_rows())
    assert by_country["AT"] == 150.0  # DE neighbour, FR same sub-region
    assert by_country["DE"] == 50.0  # itself excluded
    assert by_country["FR"] == 100.0
    assert by_country["ES"] == 50.0  # FR neighbour
    assert by_country["KR"] == 7.0  # JP sea link
    assert by_country["CN"] == 7.0  # JP same sub-region
    assert by_country["BR"] == 0.0


def test_peer_revenue_rejects_unknown_and_repeated_countries():
    unknown = pl.DataFrame({"country": ["DE", "XX"], "revenue_base": [1.0, 2.0]})
    repeated = pl.DataFrame({"country": ["DE", "DE"], "revenue_base": [1.0, 2.0]})

    with pytest.raises(DataValidationError, match="revenue frame: XX not ISO 3166-1"):
        peer_revenue(unknown)
    with pytest.raises(DataValidationError, match="found several for DE"):
        peer_revenue(repeated)


def test_peer_revenue_missing_column():
    with pytest.raises(
        DataValidationError,
        match="revenue frame is missing column\\(s\\) revenue_base; found: country, revenue",
    ):
        peer_revenue(pl.DataFrame({"country": ["DE"], "revenue": [1.0]}))
