"""Why an item is recommended to a customer, in words.

* bought before: its cycle — "bought every 6 weeks, last 7 weeks ago", or
  "bought once, 20 weeks ago";
* never bought, but co-purchased with something they bought: "customers who buy
  85123A also buy 22423" (the customer's item contributing most to the item-kNN
  score);
* else, bought by their nearest customers: "bought by 12 of the 200 customers
  most like them";
* else what is popular: "popular now: bought by 41 customers in the last 4 weeks".
"""

from __future__ import annotations

import numpy as np

from tradepilot.recommend.models import RepurchaseCycle
from tradepilot.recommend.neighbours import ItemKNN, UserKNN
from tradepilot.recommend.pipeline import RECENT_DAYS, Recommendations


def span(days: float) -> str:
    """A number of days in words, in days, weeks or months.

    Examples
    --------
    >>> span(1), span(9), span(45), span(300)
    ('1 day', '9 days', '6 weeks', '10 months')
    """
    if days < 14:
        whole = max(1, round(days))
        return f"{whole} day" + ("s" if whole != 1 else "")
    if days < 183:
        return f"{round(days / 7)} weeks"
    return f"{round(days / 30.44)} months"


def cycle_reason(purchases: int, mean_days: float, last_days: float) -> str:
    """Reason for an item bought before.

    Examples
    --------
    >>> cycle_reason(4, 42.0, 49.0)
    'bought every 6 weeks, last 7 weeks ago'
    >>> cycle_reason(1, 0.0, 140.0)
    'bought once, 20 weeks ago'
    """
    if purchases < 2:
        return f"bought once, {span(last_days)} ago"
    return f"bought every {span(mean_days)}, last {span(last_days)} ago"


def co_purchase_reason(bought: str, item: str) -> str:
    """Reason for an item co-purchased with one the customer bought.

    Examples
    --------
    >>> co_purchase_reason("85123A", "22423")
    'customers who buy 85123A also buy 22423'
    """
    return f"customers who buy {bought} also buy {item}"


def neighbours_reason(buying: int, neighbours: int) -> str:
    """Reason for an item bought by the customer's nearest customers.

    Examples
    --------
    >>> neighbours_reason(12, 200)
    'bought by 12 of the 200 customers most like them'
    """
    return f"bought by {buying} of the {neighbours} customers most like them"


def popular_reason(customers: int, *, recent: bool = True) -> str:
    """Reason for a popular item: bought by ``customers`` lately (or ever).

    Examples
    --------
    >>> popular_reason(41)
    'popular now: bought by 41 customers in the last 4 weeks'
    >>> popular_reason(1, recent=False)
    'popular: bought by 1 customer'
    """
    who = f"{customers} customer" + ("s" if customers != 1 else "")
    if not recent:
        return f"popular: bought by {who}"
    return f"popular now: bought by {who} in the last {span(RECENT_DAYS)}"


def explain(fitted: Recommendations, row: int, columns: np.ndarray) -> list[str]:
    """Reasons for recommending ``columns`` (items, >= 0) to customer ``row``."""
    return explain_rows(fitted, np.array([row]), np.asarray(columns)[None, :])[0]


def explain_rows(
    fitted: Recommendations, rows: np.ndarray, columns: np.ndarray
) -> list[list[str]]:
    """Reasons for recommending ``columns`` to the customers ``rows``.

    Parameters
    ----------
    fitted : Recommendations
        The fitted recommenders.
    rows : numpy.ndarray
        Customer rows, shape (n_rows,).
    columns : numpy.ndarray
        Recommended item columns per customer, shape (n_rows, k); -1 for an
        empty slot (no reason given).

    Returns
    -------
    list of list of str
        Per customer, one reason per recommended column.
    """
    data = fitted.fitted()
    cycle = fitted.models_["repurchase"]
    assert isinstance(cycle, RepurchaseCycle)
    safe = np.maximum(columns, 0)
    n, first, last = (
        np.take_along_axis(cycle.cells_[name][rows].toarray(), safe, axis=1)
        for name in ("n", "first", "last")
    )
    mean = np.where(n > 1, (first - last) / np.maximum(n - 1, 1), 0.0)
    sources = _co_purchase_sources(fitted, rows, safe)
    crowd, crowd_size = _neighbour_purchases(fitted, rows, safe)
    reasons: list[list[str]] = []
    for r in range(len(rows)):
        mine = []
        for j in np.flatnonzero(columns[r] >= 0):
            if n[r, j] > 0:
                mine.append(cycle_reason(int(n[r, j]), mean[r, j], last[r, j]))
            elif sources[r, j] >= 0:
                source, item = data.items[sources[r, j]], data.items[columns[r, j]]
                mine.append(co_purchase_reason(source, item))
            elif crowd[r, j] > 0:
                mine.append(neighbours_reason(int(crowd[r, j]), int(crowd_size[r])))
            else:
                mine.append(_popular(fitted, int(columns[r, j])))
        reasons.append(mine)
    return reasons


def _popular(fitted: Recommendations, column: int) -> str:
    recent = int(fitted.recent_buyers_[column])
    if recent:
        return popular_reason(recent)
    ever = fitted.models_["popularity"].score(np.array([0]))[0][column]
    return popular_reason(int(ever), recent=False)


def _co_purchase_sources(
    fitted: Recommendations, rows: np.ndarray, columns: np.ndarray
) -> np.ndarray:
    """Per customer and column, the customer's item contributing most to the
    column's item-kNN score (-1 where none does), shape of ``columns``."""
    knn = fitted.models_["item_knn"]
    assert isinstance(knn, ItemKNN)
    profile = knn.profile_[rows].toarray()  # (n_rows, n_items)
    by_column = knn.similarity_.tocsc()
    sources = np.full(columns.shape, -1, dtype=np.int64)
    for j in range(columns.shape[1]):
        # sims[i, r]: similarity of item i to row r's j-th column
        sims = by_column[:, columns[:, j]].toarray()
        contribution = profile * sims.T
        best = contribution.argmax(axis=1)
        found = contribution[np.arange(len(rows)), best] > 0
        sources[:, j] = np.where(found, best, -1)
    return sources


def _neighbour_purchases(
    fitted: Recommendations, rows: np.ndarray, columns: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """How many of each customer's neighbours bought each column (shape of
    ``columns``), and how many neighbours each has (shape (n_rows,))."""
    users = fitted.models_["user_knn"]
    assert isinstance(users, UserKNN)
    assert fitted.bought_ is not None
    near = users.neighbourhood(rows)
    near.data[:] = 1.0
    counts = np.asarray((near @ fitted.bought_).toarray())
    return np.take_along_axis(counts, columns, axis=1), np.diff(near.indptr)
