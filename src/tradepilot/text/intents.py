"""Intent classification: TF-IDF word and character n-grams, a calibrated linear
SVM, and an abstention threshold chosen by cross-validation on the training data.

Character n-grams (2 to 5 letters inside word boundaries) carry most of the
signal across spelling mistakes and inflected languages (German compounds, Polish
cases), where whole words alone miss. Probabilities come from a sigmoid
calibration of the SVM margins (3 internal folds); classes with fewer than 6
examples fall back to a logistic regression, whose probabilities need no
calibration folds.

The threshold is the highest confidence below which at most ``max_cost`` (1%) of
the training examples would be turned from right to "unknown", measured on
out-of-fold predictions, so it costs at most about one point of in-scope
accuracy and needs no out-of-scope examples. When the examples carry groups (the
default model: the language of each example), each group with at least
``MIN_GROUP`` examples gets a threshold of its own by the same rule: a model
trained mostly on English is much less confident in Polish, and one threshold
would turn most Polish messages into "unknown".
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tradepilot.domain.errors import DataValidationError, NotFittedError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

UNKNOWN = "unknown"
MIN_GROUP = 20
_DIGITS = re.compile(r"\d")


def normalise(text: str) -> str:
    """Lower case, every digit written 0 (order numbers share a shape, not a value).

    >>> normalise("Order #A-1234 où?")
    'order #a-0000 où?'
    """
    return _DIGITS.sub("0", text.lower())


def features() -> Any:
    """Word 1-2 grams and character 2-5 grams, each TF-IDF with sublinear counts."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_union

    words = TfidfVectorizer(
        preprocessor=normalise,
        ngram_range=(1, 2),
        sublinear_tf=True,
        strip_accents="unicode",
        token_pattern=r"(?u)\b\w+\b",
    )
    chars = TfidfVectorizer(
        preprocessor=normalise,
        analyzer="char_wb",
        ngram_range=(2, 5),
        sublinear_tf=True,
        min_df=2,
        max_features=300_000,
    )
    return make_union(words, chars)


class IntentModel:
    """Intent classifier that abstains with ``"unknown"`` below a learnt threshold.

    Parameters
    ----------
    max_cost : float
        Share of training examples, right out of fold, that the threshold may turn
        into "unknown" (0.01: one point of in-scope accuracy).
    folds : int
        Cross-validation folds for the out-of-fold predictions.
    random_state : int
        Seed of the fold split.

    Attributes
    ----------
    classes_ : list of str
    threshold_ : float
        Confidence below which :meth:`predict` answers ``"unknown"``.
    cv_accuracy_ : float
        Out-of-fold accuracy without abstention.
    cv_accuracy_with_abstention_ : float
        Out-of-fold accuracy counting "unknown" as wrong.
    confusions_ : list of dict
        The most frequent out-of-fold confusions: ``{"label", "predicted", "count"}``.
    n_examples_ : int

    Examples
    --------
    >>> texts = ["where is my parcel", "my parcel has not arrived", "track my order",
    ...          "i want my money back", "refund please", "give me a refund"] * 3
    >>> labels = ["track", "track", "track", "refund", "refund", "refund"] * 3
    >>> model = IntentModel().fit(texts, labels)
    >>> model.predict(["where is my parcel"])[0][0]
    'track'
    """

    def __init__(
        self, *, max_cost: float = 0.01, folds: int = 3, random_state: int = 0
    ) -> None:
        self.max_cost = max_cost
        self.folds = folds
        self.random_state = random_state

    def _estimator(self, counts: Counter[str]) -> Any:
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.svm import LinearSVC

        if min(counts.values()) >= 6:
            classifier: Any = CalibratedClassifierCV(LinearSVC(C=0.5), cv=3)
        else:
            classifier = LogisticRegression(C=20.0, max_iter=2000)
        return make_pipeline(features(), classifier)

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        groups: Sequence[str] | None = None,
    ) -> IntentModel:
        """Learn the intents, the cross-validated accuracy and the threshold(s).

        ``groups`` (optional, e.g. each example's language) gives each group of at
        least ``MIN_GROUP`` examples its own threshold (``thresholds_``).

        Raises
        ------
        DataValidationError
            Fewer than two labels, a text that is empty, or lengths that differ.
        """
        import numpy as np
        from sklearn.model_selection import StratifiedKFold

        texts_, labels_ = _checked(texts, labels)
        counts = Counter(labels_)
        y = np.asarray(labels_, dtype=object)
        folds = max(2, min(self.folds, min(counts.values())))
        split = StratifiedKFold(folds, shuffle=True, random_state=self.random_state)
        predicted = np.empty(len(y), dtype=object)
        confidence = np.zeros(len(y))
        x = np.asarray(texts_, dtype=object)
        for train, test in split.split(x, y):
            fold_counts = Counter(labels_[i] for i in train)
            model = self._estimator(fold_counts).fit(x[train], y[train])
            proba = model.predict_proba(x[test])
            predicted[test] = model.classes_[proba.argmax(axis=1)]
            confidence[test] = proba.max(axis=1)
        right = predicted == y
        self.threshold_ = choose_threshold(confidence, right, max_cost=self.max_cost)
        self.thresholds_: dict[str, float] = {}
        cut = np.full(len(y), self.threshold_)
        if groups is not None:
            group = np.asarray(list(groups), dtype=object)
            for name, n in Counter(group.tolist()).items():
                if n >= MIN_GROUP:
                    mask = group == name
                    self.thresholds_[str(name)] = choose_threshold(
                        confidence[mask], right[mask], max_cost=self.max_cost
                    )
                    cut[mask] = self.thresholds_[str(name)]
        kept = confidence >= cut
        self.cv_accuracy_ = float(right.mean())
        self.cv_accuracy_with_abstention_ = float((right & kept).mean())
        self.confusions_ = _confusions(y, predicted)
        self.pipeline_ = self._estimator(counts).fit(x, y)
        self.classes_ = [str(c) for c in self.pipeline_.classes_]
        self.n_examples_ = len(y)
        return self

    def predict_proba(self, texts: Sequence[str]) -> NDArray[np.float64]:
        """Class probabilities, shape (n_texts, n_classes), columns as ``classes_``."""
        if not hasattr(self, "pipeline_"):
            raise NotFittedError("this IntentModel is not fitted yet: call fit first")
        proba: NDArray[np.float64] = self.pipeline_.predict_proba(list(texts))
        return proba

    def predict(
        self, texts: Sequence[str], groups: Sequence[str] | None = None
    ) -> list[tuple[str, float]]:
        """``(intent, confidence)`` per text; ``"unknown"`` below the threshold (of
        the text's group when given and known) or for an empty text (confidence 0).
        """
        found: list[tuple[str, float]] = [(UNKNOWN, 0.0)] * len(texts)
        todo = [i for i, text in enumerate(texts) if text and text.strip()]
        if not todo:
            return found
        proba = self.predict_proba([texts[i] for i in todo])
        best = proba.argmax(axis=1)
        own = getattr(self, "thresholds_", {})
        for row, i in enumerate(todo):
            confidence = float(proba[row, best[row]])
            label = self.classes_[best[row]]
            cut = own.get(groups[i], self.threshold_) if groups else self.threshold_
            found[i] = (label if confidence >= cut else UNKNOWN, round(confidence, 4))
        return found

    @property
    def needs_groups(self) -> bool:
        """True when thresholds depend on the text's group (its language)."""
        return bool(getattr(self, "thresholds_", {}))


def choose_threshold(
    confidence: NDArray[np.float64], right: NDArray[np.bool_], *, max_cost: float
) -> float:
    """The highest threshold that rejects at most ``max_cost`` of all examples
    among those predicted right.

    >>> import numpy as np
    >>> conf = np.array([0.9, 0.8, 0.3, 0.2, 0.95, 0.6])
    >>> right = np.array([True, True, False, True, True, True])
    >>> choose_threshold(conf, right, max_cost=0.2)  # may lose 1 of 6: the 0.2
    0.6
    """
    import numpy as np

    right_conf = np.sort(confidence[right])
    allowed = int(np.floor(max_cost * len(confidence) + 1e-9))
    if right_conf.size == 0:
        return 1.0
    if allowed >= right_conf.size:
        return float(right_conf[-1])
    return float(right_conf[allowed])


def _checked(
    texts: Sequence[str], labels: Sequence[str]
) -> tuple[list[str], list[str]]:
    if len(texts) != len(labels):
        raise DataValidationError(
            f"{len(texts)} texts but {len(labels)} labels: they must pair up"
        )
    empty = [i + 1 for i, text in enumerate(texts) if not str(text or "").strip()]
    if empty:
        shown = ", ".join(map(str, empty[:5]))
        raise DataValidationError(
            f"{len(empty)} training text(s) are empty (rows {shown}); give every "
            "example some text or drop it"
        )
    missing = [i + 1 for i, label in enumerate(labels) if not str(label or "").strip()]
    if missing:
        shown = ", ".join(map(str, missing[:5]))
        raise DataValidationError(f"{len(missing)} label(s) are empty (rows {shown})")
    labels_ = [str(label).strip() for label in labels]
    counts = Counter(labels_)
    if len(counts) < 2:
        only = next(iter(counts), "none")
        raise DataValidationError(
            f"the labels hold one class only ({only!r}): an intent model needs at "
            "least two"
        )
    rare = sorted(label for label, n in counts.items() if n < 2)
    if rare:
        raise DataValidationError(
            f"label(s) {', '.join(rare[:10])} have a single example: give each "
            "intent at least two (cross-validation needs them)"
        )
    return [str(t) for t in texts], labels_


def _confusions(y: Any, predicted: Any, top: int = 10) -> list[dict[str, Any]]:
    pairs = Counter(
        (str(a), str(b)) for a, b in zip(y, predicted, strict=True) if a != b
    )
    return [
        {"label": a, "predicted": b, "count": n} for (a, b), n in pairs.most_common(top)
    ]
