from __future__ import annotations

import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradepilot.domain.errors import DataValidationError
from tradepilot.markets import COMPONENTS, ScoreWeights, regions, score_markets

ALLOWED = "demand, growth, peers, margin, delivery, burden, returns"


def make_signals(rows: list[dict]) -> pl.DataFrame:
    defaults = {
        "revenue_base": 0.0,
        "growth": None,
        "peer_revenue_base": 0.0,
        "margin_rate": None,
        "delivery_days": None,
        "burden": 0.0,
        "burden_note": "",
        "return_rate": None,
    }
    schema = {
        "country": pl.String,
        **{k: pl.Float64 for k in defaults if k != "burden_note"},
        "burden_note": pl.String,
    }
    return pl.DataFrame([{**defaults, **row} for row in rows], schema=schema)


def two_countries() -> pl.DataFrame:
    # A: sold before, everything known; B: never sold, sells via its peers.
    return make_signals(
        [
            {
                "country": "DE",
                "revenue_base": 40_000.0,
                "growth": 0.25,
                "margin_rate": 0.20,
                "delivery_days": 2.0,
                "burden": 0.0,
                "return_rate": 0.10,
            },
            {
                "country": "AT",
                "peer_revenue_base": 40_000.0,
                "margin_rate": 0.40,
                "delivery_days": 16.0,
                "burden": 0.5,
                "burden_note": "VAT registration from the first sale",
            },
        ]
    )


def test_hand_computed_two_country_example():
    # DE: 30*1 + 10*0.5 + 15*0 + 25*0.5 + 10*1 + 5*1 + 5*0.75 = 66.25
    # AT: 30*0 + 10*0.5 + 15*1 + 25*0.75 + 10*0.5 + 5*0.5 + 5*0.5 = 48.75
    result = score_markets(two_countries(), currency="EUR")

    assert result.select("rank", "country", "name", "sold_before").rows() == [
        (1, "DE", "Germany", True),
        (2, "AT", "Austria", False),
    ]
    assert result.get_column("score").to_list() == pytest.approx(
        [66.25, 48.75], abs=1e-12
    )
    norms = result.select(f"{c}_norm" for c in COMPONENTS).rows()
    assert norms[0] == pytest.approx((1.0, 0.5, 0.0, 0.5, 1.0, 1.0, 0.75), abs=1e-12)
    assert norms[1] == pytest.approx((0.0, 0.5, 1.0, 0.75, 0.5, 0.5, 0.5), abs=1e-12)
    points = result.select(f"{c}_points" for c in COMPONENTS).row(1)
    assert points == pytest.approx((0.0, 5.0, 15.0, 18.75, 5.0, 2.5, 2.5), abs=1e-12)


def test_explanations_name_contributors_drag_and_unknowns():
    result = score_markets(two_countries(), currency="EUR")

    assert result.get_column("explanation").to_list() == [
        "Strong own sales (EUR 40k, 30 pts) and margin (20%, 12 pts); "
        "no sales in peer markets costs the most.",
        "High margin (40%, 19 pts) and strong sales in peer markets (EUR 40k, 15 pts); "
        "no own sales yet costs the most; growth unknown, return rate unknown "
        "(scored neutral).",
    ]


@pytest.mark.parametrize(
    ("weights", "expected"),
    [
        pytest.param(
            ScoreWeights(),
            "Strong own sales (5.0k, 30 pts) and margin unknown (scored neutral, 12 pts); "
            "no sales in peer markets costs the most; growth unknown, delivery time "
            "unknown, return rate unknown (scored neutral).",
            id="contributor",
        ),
        pytest.param(
            ScoreWeights.from_mapping(
                {"demand": 0.5, "growth": 0, "peers": 0, "margin": 0.1}
                | {"delivery": 0, "burden": 0.4, "returns": 0}
            ),
            "Strong own sales (5.0k, 50 pts) and light tax/registration burden (40 pts); "
            "margin unknown (scored neutral) costs the most.",
            id="drag",
        ),
        pytest.param(
            ScoreWeights(margin=0.0, burden=0.2),
            "Strong own sales (5.0k, 33 pts) and light tax/registration burden (22 pts); "
            "no sales in peer markets costs the most; growth unknown, delivery time "
            "unknown, return rate unknown (scored neutral).",
            id="zero-weight-not-mentioned",
        ),
    ],
)
def test_unknown_margin_shows_in_explanation(weights, expected):
    signals = make_signals([{"country": "FR", "revenue_base": 5_000.0, "burden": 0.0}])

    explanation = score_markets(signals, weights).item(0, "explanation")

    assert explanation == expected


def test_output_columns():
    result = score_markets(two_countries())

    per_component = [
        f"{c}_{p}" for c in COMPONENTS for p in ("value", "norm", "points")
    ]
    assert result.columns == [
        "rank",
        "country",
        "name",
        "score",
        *per_component,
        "explanation",
        "sold_before",
    ]
    assert result.item(1, "burden_value") == 0.5
    assert result.item(1, "growth_value") is None


@pytest.mark.parametrize(
    ("column", "value", "component", "expected"),
    [
        pytest.param(
            "revenue_base",
            100.0,
            "demand",
            math.log(101) / math.log(1001),
            id="demand-tenth",
        ),
        pytest.param("revenue_base", -50.0, "demand", 0.0, id="demand-negative"),
        pytest.param("growth", 3.0, "growth", 1.0, id="growth-clipped-high"),
        pytest.param("growth", -0.9, "growth", 0.0, id="growth-clipped-low"),
        pytest.param("growth", 0.0, "growth", 1 / 3, id="growth-flat"),
        pytest.param("margin_rate", 0.6, "margin", 1.0, id="margin-top"),
        pytest.param("margin_rate", -0.5, "margin", 0.0, id="margin-clipped"),
        pytest.param("delivery_days", 1.0, "delivery", 1.0, id="delivery-fast"),
        pytest.param("delivery_days", 45.0, "delivery", 0.0, id="delivery-slow"),
        pytest.param("burden", 1.0, "burden", 0.0, id="burden-heavy"),
        pytest.param("return_rate", 0.2, "returns", 0.5, id="returns-half"),
        pytest.param("return_rate", 0.6, "returns", 0.0, id="returns-clipped"),
        pytest.param("return_rate", float("nan"), "returns", 0.5, id="nan-is-unknown"),
    ],
)
def test_normalisation(column, value, component, expected):
    signals = make_signals(
        [{"country": "DE", "revenue_base": 1_000.0}, {"country": "FR", column: value}]
    )

    result = score_markets(signals).filter(country="FR")

    assert result.item(0, f"{component}_norm") == pytest.approx(expected, abs=1e-12)


def test_margin_weight_lets_a_high_margin_new_market_overtake_a_big_one():
    signals = make_signals(
        [
            {"country": "US", "revenue_base": 500_000.0, "margin_rate": 0.05},
            {"country": "CA", "revenue_base": 0.0, "margin_rate": 0.45},
        ]
    )
    margin_only = ScoreWeights.from_mapping(
        {
            "demand": 0,
            "growth": 0,
            "peers": 0,
            "margin": 1,
            "delivery": 0,
            "burden": 0,
            "returns": 0,
        }
    )

    default_order = score_markets(signals).get_column("country").to_list()
    margin_order = score_markets(signals, margin_only).get_column("country").to_list()

    assert default_order == ["US", "CA"]
    assert margin_order == ["CA", "US"]


def test_weights_are_normalised():
    scaled = ScoreWeights(**{k: v * 10 for k, v in ScoreWeights().as_dict().items()})

    original = score_markets(two_countries()).get_column("score")
    rescaled = score_markets(two_countries(), scaled).get_column("score")

    assert rescaled.to_list() == pytest.approx(original.to_list(), abs=1e-12)


def test_ties_rank_by_country_code():
    signals = make_signals([{"country": "FR"}, {"country": "BE"}, {"country": "DE"}])

    assert score_markets(signals).select("rank", "country").rows() == [
        (1, "BE"),
        (2, "DE"),
        (3, "FR"),
    ]


def test_empty_signals_give_an_empty_ranking():
    result = score_markets(make_signals([]))

    assert result.height == 0
    assert result.schema["explanation"] == pl.String


COUNTRY_CODES = sorted(regions().get_column("country").to_list())
optional = st.none() | st.floats(-2.0, 5.0, allow_nan=False)
signal_rows = st.fixed_dictionaries(
    {
        "revenue_base": st.floats(-1e3, 1e7, allow_nan=False),
        "growth": optional,
        "peer_revenue_base": st.floats(0.0, 1e8, allow_nan=False),
        "margin_rate": optional,
        "delivery_days": st.none() | st.floats(0.0, 90.0, allow_nan=False),
        "burden": st.floats(0.0, 1.0, allow_nan=False),
        "return_rate": st.none() | st.floats(0.0, 1.0, allow_nan=False),
    }
)
weight_values = st.lists(
    st.floats(0.0, 10.0, allow_nan=False), min_size=7, max_size=7
).filter(lambda ws: sum(ws) > 0)


@settings(max_examples=60, deadline=None)
@given(
    codes=st.lists(st.sampled_from(COUNTRY_CODES), min_size=1, max_size=8, unique=True),
    rows=st.lists(signal_rows, min_size=8, max_size=8),
    raw_weights=weight_values,
)
def test_points_add_up_to_the_score(codes, rows, raw_weights):
    signals = make_signals(
        [{"country": c, **row} for c, row in zip(codes, rows, strict=False)]
    )
    weights = ScoreWeights(**dict(zip(COMPONENTS, raw_weights, strict=True)))

    result = score_markets(signals, weights)

    assert result.height == len(codes)
    assert result.get_column("rank").to_list() == list(range(1, len(codes) + 1))
    for row in result.iter_rows(named=True):
        points = [row[f"{c}_points"] for c in COMPONENTS]
        assert sum(points) == row["score"]  # same order of addition: exact
        assert 0.0 <= row["score"] <= 100.0 + 1e-9
        assert all(0.0 <= row[f"{c}_norm"] <= 1.0 for c in COMPONENTS)
        assert row["explanation"].endswith(".")
    assert result.get_column("score").is_sorted(descending=True)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        pytest.param(
            {"speed": 1.0},
            f"unknown score weight 'speed'; allowed: {ALLOWED}",
            id="unknown",
        ),
        pytest.param(
            {"price": 1.0, "speed": 1.0},
            f"unknown score weights 'price', 'speed'; allowed: {ALLOWED}",
            id="two-unknown",
        ),
        pytest.param(
            {"margin": -0.1},
            f"score weight 'margin' must be a finite number >= 0; found -0.1 (weights: {ALLOWED})",
            id="negative",
        ),
        pytest.param(
            {"growth": float("nan")},
            f"score weight 'growth' must be a finite number >= 0; found nan (weights: {ALLOWED})",
            id="nan",
        ),
        pytest.param(
            {"delivery": "fast"},
            f"score weight 'delivery' must be a finite number >= 0; found 'fast' (weights: {ALLOWED})",
            id="not-a-number",
        ),
        pytest.param(
            dict.fromkeys(ALLOWED.split(", "), 0.0),
            f"score weights are all zero; give at least one of {ALLOWED} a weight > 0",
            id="all-zero",
        ),
    ],
)
def test_bad_weights_raise(values, message):
    with pytest.raises(DataValidationError) as caught:
        ScoreWeights.from_mapping(values)

    assert str(caught.value) == message


def test_missing_columns_raise_listing_missing_and_found():
    signals = two_countries().drop("growth", "return_rate")

    with pytest.raises(DataValidationError) as caught:
        score_markets(signals)

    assert str(caught.value) == (
        "signals frame is missing column(s) growth, return_rate; found: country, "
        "revenue_base, peer_revenue_base, margin_rate, delivery_days, burden, burden_note"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(
            pl.col("burden").replace(0.5, None),
            "signals frame: column 'burden' needs a number for every country; found null for AT",
            id="null-burden",
        ),
        pytest.param(
            pl.col("burden").replace(0.5, 1.5),
            "signals frame: column 'burden' must be within 0..1; found values outside for AT",
            id="burden-range",
        ),
        pytest.param(
            pl.col("margin_rate").cast(pl.String),
            "signals frame: column 'margin_rate' must be numeric; found String",
            id="text-margin",
        ),
        pytest.param(
            pl.col("country").replace("AT", "Austria"),
            "signals frame: Austria not ISO 3166-1 alpha-2 codes (expected e.g. DE, FR)",
            id="country-name",
        ),
        pytest.param(
            pl.col("country").replace("AT", "DE"),
            "signals frame: expected one row per country; found several for DE",
            id="duplicate",
        ),
    ],
)
def test_bad_signals_raise(change, message):
    signals = two_countries().with_columns(change)

    with pytest.raises(DataValidationError) as caught:
        score_markets(signals)

    assert str(caught.value) == message
