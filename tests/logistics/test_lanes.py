"""Shipping lanes and route choice: rate cards, Monte Carlo days, YAML, defaults."""

from __future__ import annotations

import math
import re
from decimal import Decimal
from pathlib import Path

import numpy as np
import pycountry
import pytest

from tradepilot.domain.errors import (
    DataValidationError,
    NoRouteError,
    ReferenceDataError,
)
from tradepilot.logistics.lanes import (
    LaneNetwork,
    Leg,
    Node,
    RateCard,
    Transit,
    load_lanes,
)

D = Decimal
# Fixed mid rates, EUR per unit: enough to add legs quoted in several currencies.
EUR_PER = {"EUR": D("1"), "USD": D("0.92"), "GBP": D("1.17"), "AUD": D("0.60")}


def to_usd(amount: Decimal, currency: str) -> Decimal:
    return amount * EUR_PER[currency] / EUR_PER["USD"]


def card(per_kg: str, per_shipment: str, **kwargs: object) -> RateCard:
    return RateCard("USD", D(per_kg), D(per_shipment), **kwargs)  # type: ignore[arg-type]


def small_network(**kwargs: object) -> LaneNetwork:
    """Supplier A (CN, 1 day handling) and a 3PL H (US, 2 days): direct express
    (5 days door to door, USD 30 for 2 kg) or sea to H then parcel (26 days, USD 7)."""
    nodes = [Node("A", "CN", "supplier", 1.0), Node("H", "US", "3pl", 2.0)]
    legs = [
        Leg(
            "A", "buyer:US", "X", "express", card("5", "20", max_kg=30.0), Transit(4, 0)
        ),
        Leg("A", "H", "S", "sea_freight", card("1", "0"), Transit(20, 0)),
        Leg("H", "buyer:US", "P", "parcel", card("1", "3"), Transit(3, 0)),
    ]
    return LaneNetwork(nodes, legs, **kwargs)  # type: ignore[arg-type]


# --- rate cards ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate_card", "weight_kg", "dims_cm", "expected"),
    [
        # (4.50 + 3.20 * 1.3) * 1.185 = 10.2621
        (RateCard("EUR", D("3.20"), D("4.50"), D("0.185")), 1.3, None, D("10.26")),
        # freight 0 + 1 * 2 = 2 < minimum 5; 5 * 1.10 = 5.50
        (
            RateCard("EUR", D("1"), D("0"), D("0.10"), min_charge=D("5")),
            2.0,
            None,
            D("5.50"),
        ),
        # 50 * 40 * 30 / 5000 = 12 kg > 3 kg actual: (10 + 2.5 * 12) * 1.2 = 48
        (
            RateCard("EUR", D("2.5"), D("10"), D("0.2"), 5000),
            3.0,
            (50, 40, 30),
            D("48.00"),
        ),
        # volumetric lighter than actual: 20 * 20 * 10 / 5000 = 0.8 kg < 3 kg
        (
            RateCard("EUR", D("2.5"), D("10"), D("0.2"), 5000),
            3.0,
            (20, 20, 10),
            D("21.00"),
        ),
        # no divisor (sea): actual weight only
        (RateCard("EUR", D("2.5"), D("10"), D("0.2")), 3.0, (50, 40, 30), D("21.00")),
    ],
    ids=["fuel", "minimum", "volumetric", "actual-heavier", "no-divisor"],
)
def test_rate_card_price_to_the_cent(
    rate_card: RateCard,
    weight_kg: float,
    dims_cm: tuple[float, float, float] | None,
    expected: Decimal,
) -> None:
    assert rate_card.price(weight_kg, dims_cm) == expected


def test_rate_card_refuses_a_parcel_over_max_kg() -> None:
    rate_card = RateCard("EUR", D("1"), D("1"), max_kg=2.0)

    with pytest.raises(DataValidationError, match="3 kg exceeds this card's max_kg 2"):
        rate_card.price(3.0)


# --- route choice on a hand-made network --------------------------------------------


def test_two_legs_beat_direct_within_a_loose_deadline() -> None:
    route = small_network().best("A", "US", weight_kg=2.0, max_days=30, currency="USD")

    assert [leg.carrier for leg in route.legs] == ["S", "P"]
    assert route.leg_costs == (D("2.00"), D("5.00"))
    assert route.cost == D("7.00")
    assert route.days_at_probability == 26.0  # 1 + 20 + 2 + 3, all deterministic


def test_tight_deadline_makes_direct_win() -> None:
    route = small_network().best("A", "US", weight_kg=2.0, max_days=10, currency="USD")

    assert [leg.carrier for leg in route.legs] == ["X"]
    assert route.cost == D("30.00")


def test_deterministic_one_leg_quantile_is_mean_plus_handling() -> None:
    route = small_network().best("A", "US", weight_kg=2.0, max_days=5, currency="USD")

    assert route.days_at_probability == 5.0  # 4 days transit + 1 day handling at A
    assert route.days_p50 == 5.0


def test_routes_lists_every_candidate_cheapest_first() -> None:
    routes = small_network().routes("A", "US", weight_kg=2.0, currency="USD")

    assert [r.describe() for r in routes] == [
        "A -> H (sea_freight, S) -> buyer US (parcel, P): USD 7.00, 26 days at 90%",
        "A -> buyer US (express, X): USD 30.00, 5 days at 90%",
    ]


def test_origin_country_tries_every_origin_node_there() -> None:
    routes = small_network().routes("US", "US", weight_kg=2.0, currency="USD")

    assert [r.origin for r in routes] == ["H"]
    assert small_network().origins_in("CN") == ["A"]


def test_legs_over_max_kg_are_skipped() -> None:
    route = small_network().best(
        "A", "US", weight_kg=40.0, max_days=None, currency="USD"
    )

    assert [leg.carrier for leg in route.legs] == ["S", "P"]


def test_no_route_in_time_names_the_fastest() -> None:
    expected = (
        "no route from A to buyers in US arrives within 4 days at 90%; the fastest is "
        "A -> buyer US (express, X): USD 30.00, 5 days at 90% (5.0 days)"
    )

    with pytest.raises(NoRouteError, match=re.escape(expected)):
        small_network().best("A", "US", weight_kg=2.0, max_days=4, currency="USD")


def test_unreachable_country_raises_no_route() -> None:
    with pytest.raises(NoRouteError, match="no lane joins A to buyers in FR"):
        small_network().best("A", "FR", weight_kg=1.0, currency="USD")


def test_unknown_origin_raises_no_route() -> None:
    with pytest.raises(NoRouteError, match="origin 'ZZ-X' is neither a node id"):
        small_network().best("ZZ-X", "US", weight_kg=1.0, currency="USD")


def test_foreign_currency_needs_a_converter() -> None:
    with pytest.raises(
        ReferenceDataError, match="priced in USD but the route is wanted in EUR"
    ):
        small_network().best("A", "US", weight_kg=2.0, max_days=10)


def test_converter_turns_each_leg_into_the_requested_currency() -> None:
    route = small_network().best(
        "A", "US", weight_kg=2.0, max_days=30, convert=lambda a, c: a * D("0.9")
    )

    assert (route.currency, route.leg_costs, route.cost) == (
        "EUR",
        (D("1.80"), D("4.50")),
        D("6.30"),
    )


def test_as_dict_is_json_ready() -> None:
    route = small_network().best("A", "US", weight_kg=2.0, max_days=10, currency="USD")

    data = route.as_dict()

    assert (data["cost"], data["currency"], data["days_at_probability"]) == (
        "30.00",
        "USD",
        5.0,
    )
    assert data["legs"] == [
        {
            "origin": "A",
            "destination": "buyer:US",
            "carrier": "X",
            "mode": "express",
            "cost": "30.00",
            "card_currency": "USD",
            "mean_days": 4,
            "std_days": 0,
        }
    ]


def test_monte_carlo_quantile_of_a_two_leg_sum_matches_a_large_sample() -> None:
    # Given two lognormal legs and no handling
    legs = [
        Leg("A", "H", "S", "sea_freight", card("1", "0"), Transit(10.0, 3.0)),
        Leg("H", "buyer:US", "P", "parcel", card("1", "0"), Transit(5.0, 2.0)),
    ]
    network = LaneNetwork([Node("A", "CN", "supplier"), Node("H", "US", "3pl")], legs)
    # and a reference from 2,000,000 independent draws of the same sum
    rng = np.random.default_rng(12345)
    reference_sum = np.zeros(2_000_000)
    for mean, std in [(10.0, 3.0), (5.0, 2.0)]:
        sigma = math.sqrt(math.log(1 + (std / mean) ** 2))
        reference_sum += rng.lognormal(math.log(mean) - sigma**2 / 2, sigma, 2_000_000)
    reference = float(np.quantile(reference_sum, 0.95))

    # When
    route = network.best("A", "US", weight_kg=1.0, probability=0.95, currency="USD")

    # Then
    assert abs(route.days_at_probability - reference) / reference < 0.02
    assert (
        route.days_at_probability
        == network.best(
            "A", "US", weight_kg=1.0, probability=0.95, currency="USD"
        ).days_at_probability
    )  # deterministic


# --- lanes.yaml ---------------------------------------------------------------------

VALID = """\
zones:
  EU: [DE, FR]
nodes:
  - {id: A, country: DE, kind: warehouse, handling_days: 1}
legs:
  - {from: A, to: EU, carrier: DHL, mode: express,
     card: {currency: EUR, per_kg: 2, per_shipment: 10},
     transit: {mean_days: 2, std_days: 0}}
  - {from: A, to: ROW, carrier: DHL, mode: express,
     card: {currency: EUR, per_kg: 9, per_shipment: 30},
     transit: {mean_days: 4, std_days: 0}}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "lanes.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_most_specific_zone_wins_and_zones_skip_the_origin_country(
    tmp_path: Path,
) -> None:
    network = LaneNetwork.from_yaml(write(tmp_path, VALID))

    assert network.best("A", "FR", weight_kg=1.0).cost == D("12.00")  # EU card
    assert network.best("A", "JP", weight_kg=1.0).cost == D("39.00")  # ROW card
    with pytest.raises(NoRouteError, match="no lane joins A to buyers in DE"):
        network.best("A", "DE", weight_kg=1.0)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "per_kg: 2, ",
            "",
            "leg 1 (from A to EU, DHL express): field 'card.per_kg' is missing",
        ),
        (
            "to: EU,",
            "to: EUROPA,",
            "leg 1 (from A to EUROPA, DHL express): field 'to': expected a node id, "
            "a zone (EU, ROW) or an ISO 3166-1 alpha-2 country code; found 'EUROPA'",
        ),
        (
            "per_kg: 9,",
            "per_kg: -9,",
            "leg 2 (from A to ROW, DHL express): field 'card.per_kg': Input should be "
            "greater than or equal to 0; found -9",
        ),
        (
            "kind: warehouse",
            "kind: shop",
            "node 1 (A): field 'kind': Input should be 'supplier', 'warehouse', '3pl' "
            "or 'fba'; found 'shop'",
        ),
        (
            "[DE, FR]",
            "[DE, XX]",
            "zone 'EU': expected ISO 3166-1 alpha-2 codes; found ['XX']",
        ),
    ],
    ids=[
        "missing-field",
        "unknown-zone",
        "negative-rate",
        "unknown-kind",
        "bad-country",
    ],
)
def test_malformed_lanes_file_names_file_entry_and_field(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    path = write(tmp_path, VALID.replace(old, new, 1))

    with pytest.raises(ReferenceDataError, match=re.escape(f"{path}: {message}")):
        LaneNetwork.from_yaml(path)


def test_missing_lanes_file_is_reference_data_error(tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError, match="lanes file not found"):
        LaneNetwork.from_yaml(tmp_path / "nope.yaml")


def test_sellers_lanes_file_replaces_the_default(tmp_path: Path) -> None:
    write(tmp_path, VALID)

    assert sorted(load_lanes(tmp_path).origins_in("DE")) == ["A"]
    assert load_lanes(tmp_path / "empty").origins_in("DE") == ["DE-FBA", "DE-WH"]


# --- the default network ------------------------------------------------------------


@pytest.fixture(scope="module")
def default_network() -> LaneNetwork:
    return load_lanes()


@pytest.mark.parametrize(
    ("origin", "currency"), [("DE-WH", "EUR"), ("GB-WH", "GBP")], ids=["DE", "GB"]
)
def test_every_country_is_reachable_from_the_sellers_warehouses(
    default_network: LaneNetwork, origin: str, currency: str
) -> None:
    unreachable = []
    for country in pycountry.countries:
        try:
            default_network.best(
                origin, country.alpha_2, weight_kg=1.0, currency=currency
            )
        except NoRouteError:
            unreachable.append(country.alpha_2)

    assert unreachable == []


def test_default_cn_to_us_sea_and_3pl_beats_express_given_fifty_days(
    default_network: LaneNetwork,
) -> None:
    route = default_network.best(
        "CN-SZX", "US", weight_kg=2.0, max_days=50, currency="USD", convert=to_usd
    )

    assert [(leg.destination, leg.mode) for leg in route.legs] == [
        ("US-3PL", "sea_freight"),
        ("buyer:US", "parcel"),
    ]


def test_default_cn_to_us_express_wins_within_a_week(
    default_network: LaneNetwork,
) -> None:
    route = default_network.best(
        "CN-SZX", "US", weight_kg=2.0, max_days=7, currency="USD", convert=to_usd
    )

    assert [(leg.destination, leg.mode) for leg in route.legs] == [
        ("buyer:US", "express")
    ]
    assert (
        route.cost
        > default_network.best(
            "CN-SZX", "US", weight_kg=2.0, max_days=50, currency="USD", convert=to_usd
        ).cost
    )
