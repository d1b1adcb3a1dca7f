"""Recommenders on hand-made baskets: exact rankings and hand-computed scores."""

from __future__ import annotations

import math

import numpy as np
import pytest
from tests.recommend.baskets import AS_OF, frame, tea_shop

from tradepilot.domain.errors import NotFittedError
from tradepilot.recommend.data import interactions
from tradepilot.recommend.factors import ImplicitALS
from tradepilot.recommend.metrics import top_k
from tradepilot.recommend.models import (
    PersonalFrequency,
    Popularity,
    PTopFreq,
    RepurchaseCycle,
)
from tradepilot.recommend.neighbours import ItemKNN, UserKNN
from tradepilot.recommend.pipeline import RecommendConfig, build_models

ANN, BOB, CY = 0, 1, 2


def ranking(model, row: int, k: int = 5) -> list[str]:
    data = model.data_
    return [data.items[c] for c in top_k(model.score(np.array([row])), k)[0] if c >= 0]


def test_popularity_counts_customers_not_purchases() -> None:
    model = Popularity().fit(tea_shop())

    assert model.counts_.tolist() == [3.0, 2.0, 1.0, 1.0, 3.0]  # cups .. tea
    assert ranking(model, ANN) == ["cups", "tea", "jam", "pot", "saucers"]


def test_trending_weights_each_customer_by_their_latest_purchase() -> None:
    model = Popularity(half_life=14).fit(tea_shop())

    expected_cups = 0.5 ** (30 / 14) + 0.5 ** (10 / 14) + 0.5 ** (5 / 14)
    assert model.counts_[0] == pytest.approx(expected_cups)
    assert ranking(model, ANN) == ["cups", "jam", "tea", "saucers", "pot"]


def test_p_topfreq_ranks_own_items_by_purchase_days_and_recommends_nothing_else() -> (
    None
):
    model = PTopFreq().fit(tea_shop())

    assert ranking(model, ANN) == ["tea", "pot"]
    # cy bought three items once each: tea and cups 10 days ago, jam 12 days ago
    assert ranking(model, CY) == ["cups", "tea", "jam"]


def test_personal_frequency_decays_old_purchases() -> None:
    model = PersonalFrequency(half_life=28).fit(tea_shop())

    scores = model.score(np.array([ANN]))[0]
    assert scores[4] == pytest.approx(0.5**3 + 0.5**2 + 0.5**1)  # tea
    assert scores[0] == -np.inf  # cups: never bought


def test_repurchase_cycle_probability_is_erlang2_over_the_horizon() -> None:
    model = RepurchaseCycle(horizon=28).fit(tea_shop())

    # ann's tea: 3 purchases 84, 56, 28 days ago, first purchase of all 200 days ago;
    # mean interval (84 - 28 + (200 + 28)) / (2 + 1), survival (1 + 2t/m) e^(-2t/m)
    m = (84 - 28 + 228) / 3
    survival = lambda t: (1 + 2 * t / m) * math.exp(-2 * t / m)  # noqa: E731
    assert model.score(np.array([ANN]))[0][4] == pytest.approx(
        1 - survival(56) / survival(28)
    )
    assert model.cycles(ANN, np.array([4, 2, 0]))[1].tolist() == [28.0, 0.0, 0.0]


def test_repurchase_cycle_ranks_a_due_item_above_one_just_bought() -> None:
    # bought weekly for 8 weeks: "due" was last bought 7 days ago, "fresh" today
    rows = [("a", "due", 7 * w) for w in range(1, 9)]
    rows += [("a", "fresh", 7 * w - 6) for w in range(1, 9)]
    model = RepurchaseCycle(horizon=3).fit(interactions(frame(rows), as_of=AS_OF))

    assert ranking(model, 0) == ["due", "fresh"]


def test_item_knn_scores_are_sums_of_cosine_similarities() -> None:
    model = ItemKNN(shrink=0, profile_half_life=None).fit(tea_shop())

    scores = model.score(np.array([BOB]))[0]  # bob bought tea and cups
    # C = X'X on purchase days: tea 11, cups 3, jam 2; tea-jam 1, cups-jam 1
    assert scores[1] == pytest.approx(1 / math.sqrt(22) + 1 / math.sqrt(6))
    assert ranking(model, BOB) == ["pot", "jam", "saucers", "cups", "tea"]
    assert model.because(BOB, 2) == 4  # pot: because of tea


def test_item_knn_keeps_only_the_nearest_neighbours() -> None:
    model = ItemKNN(neighbours=1, shrink=0, profile_half_life=None).fit(tea_shop())

    assert np.diff(model.similarity_.indptr).tolist() == [1, 1, 1, 1, 1]
    assert model.similarity_[4].indices.tolist() == [2]  # tea's nearest: pot


def test_user_knn_recommends_what_the_nearest_customer_bought() -> None:
    model = UserKNN(neighbours=1, half_life=None).fit(tea_shop())

    # bob (tea, cups) is nearest to cy (tea, cups, jam): cosine 2 / (√2 √3)
    near = model.neighbourhood(np.array([BOB]))
    assert near.indices.tolist() == [CY]
    assert model.score(np.array([BOB]))[0].round(4).tolist() == [
        0.5774, 0.5774, 0.0, 0.0, 0.5774,
    ]  # fmt: skip
    assert model.neighbours_buying(BOB, 1) == (1, 1)


def test_als_recommends_within_the_customers_group() -> None:
    rows = []
    for c in range(12):
        group = "a" if c < 6 else "b"
        rows += [(f"{group}{c}", f"{group}-item{i}", 5 + c + i) for i in range(4)]
    rows += [("newbie", "a-item0", 2)]
    data = interactions(frame(rows), as_of=AS_OF)
    model = ImplicitALS(factors=4, iterations=30, regularization=0.1).fit(data)
    newbie = int(data.customer_index(np.array(["newbie"], dtype=object))[0])

    scores = model.score(np.array([newbie]))[0]
    group_a = [i for i, sku in enumerate(data.items) if sku.startswith("a-")]
    group_b = [i for i, sku in enumerate(data.items) if sku.startswith("b-")]
    assert scores[group_a].min() > scores[group_b].max()


@pytest.mark.parametrize("name", list(build_models(RecommendConfig())))
def test_every_model_follows_the_contract(name: str) -> None:
    model = build_models(RecommendConfig())[name]
    with pytest.raises(NotFittedError):
        model.score(np.array([0]))

    fitted = model.fit(tea_shop())
    scores = fitted.score(np.array([0, 2]))

    assert fitted is model
    assert scores.shape == (2, 5)
    assert scores.dtype == np.float64
    assert not np.isnan(scores).any()
