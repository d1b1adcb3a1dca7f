"""The blend and its choice, frequently bought together, and reasons in words."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from tests.recommend.baskets import AS_OF, frame

from tradepilot.recommend.blend import blend, choose_weights, scaled
from tradepilot.recommend.pipeline import Recommendations, RecommendConfig
from tradepilot.recommend.reasons import explain, span
from tradepilot.recommend.together import bought_together


def test_blend_of_scaled_components() -> None:
    parts = {
        "a": scaled(np.array([[3.0, 4.0, 0.0]])),
        "b": scaled(np.array([[0.0, 0.0, -2.0]])),  # negative: counts nothing
        "c": scaled(np.array([[0.0, 1.0, 0.0]])),
    }

    assert blend(parts, {"a": 1.0, "b": 5.0, "c": 0.5}).tolist() == [[0.6, 1.3, 0.0]]


def test_choose_weights_turns_on_the_component_that_predicts() -> None:
    # "noise" ranks item 0 first for everyone; "signal" ranks what each bought
    rng = np.random.default_rng(1)
    bought = rng.integers(1, 20, size=40)
    noise = np.tile(np.linspace(1.0, 0.1, 20), (40, 1))
    signal = np.zeros((40, 20))
    signal[np.arange(40), bought] = 1.0
    parts = {"noise": scaled(noise), "signal": scaled(signal)}

    choice = choose_weights(
        parts, start={"noise": 1.0, "signal": 0.0}, fixed="noise",
        relevant=[{int(b)} for b in bought], n_relevant=np.ones(40, dtype=int),
        excluded=np.zeros((40, 20), dtype=bool), k=1,
    )  # fmt: skip

    # noise's scaled top score is 0.36: signal at 0.25 loses some customers, at
    # 0.5 wins them all; 1 and 2 are no better, so the first best (0.5) stays
    assert choice.weights == {"noise": 1.0, "signal": 0.5}
    assert choice.validation_recall == 1.0
    assert choice.chosen_on == "validation"


def test_frequently_bought_together_by_hand() -> None:
    # 5 orders; tea in 3, cups in 3 (2 with tea), jam in 2 (1 with tea)
    baskets = pl.DataFrame({
        "order": [1, 1, 2, 2, 2, 3, 3, 4, 5, 5],
        "sku": ["tea", "cups", "tea", "cups", "cups", "tea", "jam", "cups", "jam", "pot"],
    })  # fmt: skip

    found = bought_together(baskets, "tea", min_orders=1)

    # cups: support 2/5, confidence 2/3, lift (2/3) / (3/5); jam: lift (1/3)/(2/5) < 1
    assert found.rows() == [("cups", 2, 0.4, 0.6667, 1.1111)]
    assert bought_together(baskets, "tea", min_orders=3).height == 0
    only_jam = pl.Series(["jam"])
    assert bought_together(baskets, "tea", candidates=only_jam).height == 0
    assert bought_together(baskets, "nothing").height == 0


@pytest.mark.parametrize(
    ("days", "words"),
    [
        (1, "1 day"),
        (13, "13 days"),
        (14, "2 weeks"),
        (49, "7 weeks"),
        (365, "12 months"),
    ],
)
def test_spans_in_words(days: float, words: str) -> None:
    assert span(days) == words


def test_each_reason_names_its_evidence() -> None:
    shop = frame([
        ("ann", "tea", 84), ("ann", "tea", 42), ("ann", "cups", 40),
        ("bob", "tea", 30), ("bob", "cups", 30), ("bob", "jam", 30),
        ("cy", "cups", 5), ("cy", "honey", 5), ("dee", "mugs", 2),
    ])  # fmt: skip
    fitted = Recommendations(RecommendConfig()).fit(
        shop, shop.select("sku", "day"), as_of=AS_OF
    )
    items = list(fitted.fitted().items)  # cups honey jam mugs tea
    data = fitted.fitted()
    ann = int(data.customer_index(np.array(["ann"], dtype=object))[0])

    reasons = explain(fitted, ann, np.array([items.index(i) for i in
                                             ("tea", "cups", "jam", "mugs")]))  # fmt: skip

    assert reasons == [
        "bought every 6 weeks, last 6 weeks ago",
        "bought once, 6 weeks ago",
        "customers who buy tea also buy jam",
        "popular now: bought by 1 customer in the last 4 weeks",
    ]
