"""Simulated reviews: ground truth the review analysis recovers."""

from __future__ import annotations

from tests.simstore import SIM

from tradepilot.reviews.analysis import analyse
from tradepilot.simulate import simulate_store
from tradepilot.simulate.reviews import simulate_reviews, write_reviews


def test_simulated_reviews_carry_truth_that_the_analysis_recovers(tmp_path) -> None:
    store = simulate_store(SIM)

    reviews = simulate_reviews(store.orders, store.order_lines, seed=1)
    paths = write_reviews(reviews, tmp_path)
    found = analyse(reviews["body"].to_list(), reviews["rating"].to_list())

    assert reviews.height > 100
    assert {"de", "fr", "en"} <= set(reviews["truth_language"])
    assert paths["reviews"].read_text(encoding="utf-8").startswith("id,product_handle")
    languages = sum(
        f["language"] == t
        for f, t in zip(found, reviews["truth_language"], strict=True)
    )
    aspects = sum(
        t.split(":")[0] in {a["aspect"] for a in f["aspects"]}
        for f, t in zip(found, reviews["truth_aspects"], strict=True)
    )
    assert languages / reviews.height >= 0.95
    assert aspects / reviews.height >= 0.95
