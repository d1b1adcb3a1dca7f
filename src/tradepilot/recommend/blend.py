"""The blend: a weighted sum of the recommenders' scores, each scaled per customer,
with weights chosen by recall@k on a validation period.

Each component's row (one customer's scores) is scaled to unit L2 norm after
negative and non-finite scores are set to 0, so a weight says how much a method
counts relative to the others whatever its scale. Two blends are chosen: ``next``
(any item, the customer's own frequency included) and ``new`` (items the customer
never bought; their own purchases cannot help).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from tradepilot.recommend.metrics import Relevance, top_k

# Starting weights and the values tried per component. The starting weights are
# the ones chosen on UCI Online Retail's validation period (train before
# 2011-06-01, validate to 2011-09-01); a store with too little history for a
# validation period of its own uses them as they are.
NEXT_START = {"frequency": 1.0, "repurchase": 0.0, "item_knn": 0.0,
              "user_knn": 0.5, "als": 0.5, "trending": 0.1}  # fmt: skip
NEW_START = {"user_knn": 1.0, "item_knn": 0.0, "als": 1.0, "trending": 0.1,
             "popularity": 0.0}  # fmt: skip
GRID = (0.0, 0.25, 0.5, 1.0, 2.0)
SMALL_GRID = (0.0, 0.05, 0.1, 0.3, 0.6)
FIXED = {"next": "frequency", "new": "user_knn"}  # the scale: weight 1, not tuned


@dataclass(frozen=True)
class BlendChoice:
    """Weights of one blend and how they were chosen.

    Attributes
    ----------
    weights : dict of str to float
        Component name to weight.
    chosen_on : str
        ``"validation"`` (tuned) or ``"default"`` (too little data to tune).
    validation_recall : float or None
        recall@k of the chosen weights on the validation period.
    tried : int
        Weight sets evaluated.
    """

    weights: dict[str, float]
    chosen_on: str = "default"
    validation_recall: float | None = None
    tried: int = 0
    history: list[dict[str, float]] = field(default_factory=list, repr=False)


def scaled(scores: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 norm; negative and non-finite scores become 0.

    Examples
    --------
    >>> scaled(np.array([[3.0, 4.0, -1.0], [0.0, 0.0, -np.inf]])).tolist()
    [[0.6, 0.8, 0.0], [0.0, 0.0, 0.0]]
    """
    clean = np.where(np.isfinite(scores) & (scores > 0), scores, 0.0)
    norms = np.linalg.norm(clean, axis=1, keepdims=True)
    return clean / np.where(norms > 0, norms, 1.0)


def blend(
    components: Mapping[str, np.ndarray], weights: Mapping[str, float]
) -> np.ndarray:
    """Weighted sum of scaled components (see :func:`scaled`).

    Parameters
    ----------
    components : mapping of str to numpy.ndarray
        Scaled scores per component, each of shape (n_customers, n_items).
    weights : mapping of str to float
        Weight per component; components without a weight count 0.

    Examples
    --------
    >>> parts = {"a": np.array([[1.0, 0.0]]), "b": np.array([[0.0, 1.0]])}
    >>> blend(parts, {"a": 1.0, "b": 0.5}).tolist()
    [[1.0, 0.5]]
    """
    total: np.ndarray | None = None
    for name, weight in weights.items():
        if weight == 0 or name not in components:
            continue
        part = weight * components[name]
        total = part if total is None else total + part
    if total is None:
        return np.zeros_like(next(iter(components.values())))
    return total


def choose_weights(
    components: Mapping[str, np.ndarray],
    *,
    start: Mapping[str, float],
    fixed: str,
    relevant: list[set[int]],
    n_relevant: np.ndarray,
    excluded: np.ndarray,
    k: int = 10,
    passes: int = 2,
    depth: int = 100,
) -> BlendChoice:
    """Weights maximising recall@k by coordinate ascent from ``start``.

    Each pass tries, for every component but ``fixed``, every value of its grid
    (:data:`GRID`, :data:`SMALL_GRID` for popularity and trending) with the
    others held, keeping a change only if recall improves.

    Parameters
    ----------
    components : mapping of str to numpy.ndarray
        Scaled scores per component on the validation customers.
    start : mapping of str to float
        Initial weights; the components tuned are its keys.
    fixed : str
        Component whose weight stays (it sets the scale).
    relevant, n_relevant
        What the validation customers bought (see
        :func:`~tradepilot.recommend.metrics.ranking_metrics`).
    excluded : numpy.ndarray
        Boolean (n_customers, n_items): items that may not be recommended.
    k : int
        List length.
    passes : int
        Sweeps over the components.
    depth : int
        Candidates per component and customer (see :func:`shortlist`).

    Returns
    -------
    BlendChoice
    """
    columns, parts, blocked = shortlist(
        {n: components[n] for n in start if n in components}, excluded, depth=depth
    )
    weights = dict(start)
    relevance = Relevance.of(relevant, n_relevant)

    def recall_of(trial: Mapping[str, float]) -> float:
        scores = np.where(blocked, -np.inf, blend(parts, trial))
        local = top_k(scores, k)
        chosen = np.where(
            local >= 0, np.take_along_axis(columns, np.maximum(local, 0), axis=1), -1
        )
        return relevance.metrics(chosen).recall

    best = recall_of(weights)
    tried, history = 1, [dict(weights)]
    for _ in range(passes):
        improved = False
        for name in [n for n in weights if n != fixed and n in parts]:
            for value in _grid(name):
                if value == weights[name]:
                    continue
                trial = {**weights, name: value}
                recall = recall_of(trial)
                tried += 1
                if recall > best + 1e-9:
                    best, weights, improved = recall, trial, True
                    history.append(dict(weights))
        if not improved:
            break
    return BlendChoice(weights, "validation", round(best, 4), tried, history)


def shortlist(
    components: Mapping[str, np.ndarray], excluded: np.ndarray, *, depth: int = 100
) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """Each row's candidates: the union of every component's ``depth`` best
    items, so a blend is ranked on a few hundred columns, not the catalogue.

    Returns
    -------
    columns : numpy.ndarray
        Candidate columns per row, shape (n_rows, n_candidates), -1 for padding.
    parts : dict of str to numpy.ndarray
        Each component's scores of the candidates, same shape.
    blocked : numpy.ndarray
        True for padding and excluded candidates, same shape.

    Examples
    --------
    >>> parts = {"a": np.array([[0.9, 0.1, 0.0]]), "b": np.array([[0.9, 0.0, 0.2]])}
    >>> columns, _, blocked = shortlist(parts, np.zeros((1, 3), bool), depth=1)
    >>> columns.tolist(), blocked.tolist()
    ([[0, -1]], [[False, True]])
    """
    n_rows, n_cols = excluded.shape
    masked = {n: np.where(excluded, -np.inf, c) for n, c in components.items()}
    tops = [top_k(m, min(depth, n_cols)) for m in masked.values()]
    columns = np.sort(np.concatenate(tops, axis=1), axis=1)
    repeat = np.zeros_like(columns, dtype=bool)
    repeat[:, 1:] = columns[:, 1:] == columns[:, :-1]
    columns = np.where(repeat, -1, columns)
    safe = np.maximum(columns, 0)
    parts = {n: np.take_along_axis(c, safe, axis=1) for n, c in components.items()}
    blocked = (columns < 0) | np.take_along_axis(excluded, safe, axis=1)
    return columns, parts, blocked


def _grid(name: str) -> Sequence[float]:
    return SMALL_GRID if name in ("trending", "popularity") else GRID
