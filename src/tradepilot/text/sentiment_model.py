"""Review sentiment learnt from the seller's own star ratings, in any language.

Stars give the labels (1-2 negative, 3 neutral, 4-5 positive); the model is TF-IDF
word 1-2 grams and character 2-5 grams with a logistic regression, its class
weights and regularisation chosen by cross-validated accuracy on the seller's own
reviews (:data:`SETTINGS`),
so a seller whose customers write Indonesian or Japanese gets a model of that
language from its own reviews (character n-grams need no word segmentation).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from tradepilot.domain.errors import DataValidationError, NotFittedError
from tradepilot.text.intents import features

LABELS = ("negative", "neutral", "positive")
# (class weights, C) tried on the seller's own reviews, simplest first: the one with
# the best cross-validated accuracy against the stars is kept. Chosen this way, on
# three data sets with different needs (development figures: the 70% training
# splits, 3-fold, accuracy against the stars; and against the people's labels where
# a data set has them):
# - PRDECT-ID (Indonesian Tokopedia reviews, sentiments labelled by people, who
#   called 402 of 459 three-star reviews negative): plain C 1 and C 4 tie at 0.873
#   against the stars and C 1 is kept, 0.945 against the people (square root 0.926,
#   balanced 0.888: a rare "neutral" weighted up is mostly wrong there);
# - women's clothing reviews (English, stars only): square root C 1, 0.839
#   (plain C 4 0.837, C 1 0.833; macro-F1 0.647 against 0.623 and 0.607);
# - SmSA (Indonesian, labelled by people with a real neutral class, no stars):
#   fully balanced C 4, the single setting before, 0.82 (the others 0.81 at best).
SETTINGS: tuple[tuple[str, float], ...] = (
    ("plain", 1.0),
    ("plain", 4.0),
    ("sqrt", 1.0),
    ("sqrt", 4.0),
    ("balanced", 4.0),
)


def stars_to_label(stars: float) -> str:
    """1-2 stars negative, 3 neutral, 4-5 positive.

    >>> [stars_to_label(s) for s in (1, 2, 3, 4, 5)]
    ['negative', 'negative', 'neutral', 'positive', 'positive']
    """
    if not 1 <= stars <= 5:
        raise DataValidationError(f"a rating must be 1 to 5 stars; found {stars}")
    return "negative" if stars < 2.5 else "neutral" if stars < 3.5 else "positive"


def class_weights(counts: Counter[str], kind: str) -> dict[str, float] | None:
    """Class weights of the logistic regression: none (``"plain"``), scikit-learn's
    "balanced" weights ``n / (k * n_class)`` (``"balanced"``), or their square root
    (``"sqrt"``).

    Fully balanced weights make the rare class (3-star "neutral") win whenever a
    review is unclear; their square root keeps part of that recall.

    >>> weights = class_weights(Counter({"positive": 8, "neutral": 2}), "sqrt")
    >>> {label: round(w, 4) for label, w in weights.items()}
    {'positive': 0.7906, 'neutral': 1.5811}
    """
    if kind == "plain":
        return None
    n, k = sum(counts.values()), len(counts)
    power = 0.5 if kind == "sqrt" else 1.0
    return {label: (n / (k * m)) ** power for label, m in counts.items()}


class SentimentModel:
    """Sentiment from text, trained on star-rated reviews.

    Parameters
    ----------
    folds : int
        Cross-validation folds for the reported accuracy and macro-F1.
    random_state : int

    Attributes
    ----------
    classes_ : list of str
    cv_accuracy_, cv_macro_f1_ : float
        Of the setting kept.
    setting_ : tuple of (str, float)
        The class weights and C kept (see :data:`SETTINGS`).
    n_examples_ : int
    """

    def __init__(self, *, folds: int = 3, random_state: int = 0) -> None:
        self.folds = folds
        self.random_state = random_state

    @staticmethod
    def _estimator(counts: Counter[str], setting: tuple[str, float]) -> Any:
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        weights, c = setting
        return make_pipeline(
            features(),
            LogisticRegression(
                C=c, max_iter=3000, class_weight=class_weights(counts, weights)
            ),
        )

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> SentimentModel:
        """Learn from texts and their labels (see :func:`stars_to_label`)."""
        import numpy as np
        from sklearn.metrics import f1_score
        from sklearn.model_selection import StratifiedKFold, cross_val_predict

        pairs = [
            (str(t), str(y))
            for t, y in zip(texts, labels, strict=True)
            if t and str(t).strip()
        ]
        if not pairs:
            raise DataValidationError("no review has text to learn from")
        counts = Counter(y for _, y in pairs)
        # a sentiment seen once cannot be cross-validated: it is left out
        self.dropped_ = sorted(label for label, n in counts.items() if n < 2)
        pairs = [(t, y) for t, y in pairs if y not in self.dropped_]
        counts = Counter(y for _, y in pairs)
        if len(counts) < 2:
            raise DataValidationError(
                f"every review has the same sentiment ({next(iter(counts), 'none')}): "
                "a model needs at least two of negative, neutral, positive"
            )
        x = np.asarray([t for t, _ in pairs], dtype=object)
        y = np.asarray([label for _, label in pairs], dtype=object)
        folds = max(2, min(self.folds, min(counts.values())))
        split = StratifiedKFold(folds, shuffle=True, random_state=self.random_state)
        # each setting scored on the same folds; the first of the best wins
        best: tuple[float, tuple[str, float], Any] | None = None
        for setting in SETTINGS:
            found = cross_val_predict(self._estimator(counts, setting), x, y, cv=split)
            accuracy = float((found == y).mean())
            if best is None or accuracy > best[0]:
                best = (accuracy, setting, found)
        assert best is not None
        self.cv_accuracy_, self.setting_, predicted = best
        self.cv_macro_f1_ = float(f1_score(y, predicted, average="macro"))
        self.pipeline_ = self._estimator(counts, self.setting_).fit(x, y)
        self.classes_ = [str(c) for c in self.pipeline_.classes_]
        self.n_examples_ = len(y)
        return self

    def predict(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """``(label, confidence)`` per text; empty text is neutral at 0."""
        if not hasattr(self, "pipeline_"):
            raise NotFittedError(
                "this SentimentModel is not fitted yet: call fit first"
            )
        found: list[tuple[str, float]] = [("neutral", 0.0)] * len(texts)
        todo = [i for i, text in enumerate(texts) if text and text.strip()]
        if not todo:
            return found
        proba = self.pipeline_.predict_proba([texts[i] for i in todo])
        for row, i in enumerate(todo):
            best = int(proba[row].argmax())
            found[i] = (self.classes_[best], round(float(proba[row, best]), 4))
        return found
