"""Ranking metrics against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

from tradepilot.recommend.metrics import ranking_metrics, top_k


def test_metrics_of_three_customers_by_hand() -> None:
    top = np.array([[1, 5, 2], [4, -1, -1], [3, 3, 3], [7, 8, 9]])
    relevant = [{1, 2}, {9}, set(), {7, 8, 9}]
    n_relevant = np.array([3, 1, 0, 5])  # 3rd bought nothing: left out

    found = ranking_metrics(top, relevant, n_relevant)

    # 1st: hits at ranks 1 and 3 of 3 bought; 2nd: none; 4th: 3 hits of 5 bought
    ndcg_first = (1 + 1 / 2) / (1 + 1 / np.log2(3) + 1 / 2)
    assert found.customers == 3
    assert found.recall == pytest.approx((2 / 3 + 0 + 3 / 5) / 3)
    assert found.recall_capped == pytest.approx((2 / 3 + 0 + 3 / 3) / 3)
    assert found.ndcg == pytest.approx((ndcg_first + 0 + 1) / 3)


def test_metrics_without_customers_are_zero() -> None:
    found = ranking_metrics(np.zeros((0, 10), dtype=int), [], np.array([]))

    assert found.as_dict() == {
        "recall": 0.0, "recall_capped": 0.0, "ndcg": 0.0, "customers": 0,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("scores", "k", "expected"),
    [
        ([[0.1, 0.9, 0.5]], 2, [[1, 2]]),
        ([[0.5, 0.9, 0.5, 0.5]], 3, [[1, 0, 2]]),  # ties: lower column first
        ([[1.0, -np.inf, -np.inf]], 2, [[0, -1]]),  # -inf: never listed
        ([[2.0, 1.0]], 4, [[0, 1, -1, -1]]),  # fewer items than k
    ],
    ids=["order", "ties", "excluded", "short"],
)
def test_top_k(scores: list[list[float]], k: int, expected: list[list[int]]) -> None:
    assert top_k(np.array(scores), k).tolist() == expected


def test_top_k_equals_a_stable_full_sort() -> None:
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 5, size=(50, 30)).astype(float)
    scores[scores == 0] = -np.inf

    expected = [
        [c if np.isfinite(row[c]) else -1 for c in np.argsort(-row, kind="stable")[:7]]
        for row in scores
    ]
    assert top_k(scores, 7).tolist() == expected
