"""Review sentiment learnt from the seller's own star ratings, in any language.

Stars give the labels (1-2 negative, 3 neutral, 4-5 positive); the model is TF-IDF
word 1-2 grams and character 2-5 grams with a class-balanced logistic regression,
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


def stars_to_label(stars: float) -> str:
    """1-2 stars negative, 3 neutral, 4-5 positive.

    >>> [stars_to_label(s) for s in (1, 2, 3, 4, 5)]
    ['negative', 'negative', 'neutral', 'positive', 'positive']
    """
    if not 1 <= stars <= 5:
        raise DataValidationError(f"a rating must be 1 to 5 stars; found {stars}")
    return "negative" if stars < 2.5 else "neutral" if stars < 3.5 else "positive"


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
    n_examples_ : int
    """

    def __init__(self, *, folds: int = 3, random_state: int = 0) -> None:
        self.folds = folds
        self.random_state = random_state

    @staticmethod
    def _estimator() -> Any:
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        return make_pipeline(
            features(),
            LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced"),
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
        predicted = cross_val_predict(self._estimator(), x, y, cv=split)
        self.cv_accuracy_ = float((predicted == y).mean())
        self.cv_macro_f1_ = float(f1_score(y, predicted, average="macro"))
        self.pipeline_ = self._estimator().fit(x, y)
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
