"""Intent classification: TF-IDF word and character n-grams, a linear SVM whose
scores become probabilities by temperature scaling, and an abstention threshold
chosen by cross-validation on the training data.

Character n-grams (2 to 5 letters inside word boundaries) carry most of the
signal across spelling mistakes and inflected languages (German compounds, Polish
cases), where whole words alone miss. The features are fitted once (no labels
involved); the SVM is fitted on each of ``folds`` folds for out-of-fold scores, and
once on everything. The out-of-fold scores give the temperature (one number: the
softmax of temperature x SVM scores that maximises the likelihood of the true
intents) and the threshold, so a model costs ``folds + 1`` SVM fits.

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
# Threads for the cross-validation fits (the target machine has two cores).
FOLD_THREADS = 2
# Width of :class:`StaticEmbeddings`' block (WordLlama l2_supercat_256).
EMBEDDING_DIMENSIONS = 256
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


class StaticEmbeddings:
    """Sentence vectors from WordLlama's static token embeddings (``l2_supercat``,
    256 dimensions, shipped inside the ``wordllama`` wheel: nothing is downloaded),
    L2-normalised and scaled by ``weight``, as a sparse block beside the TF-IDF
    features. A scikit-learn transformer; the 16 MB of weights are loaded once per
    process and never pickled with a model.
    """

    def __init__(self, weight: float = 2.0) -> None:
        self.weight = weight

    def fit(self, texts: Any, y: Any = None) -> StaticEmbeddings:
        return self

    def transform(self, texts: Any) -> Any:
        from scipy import sparse

        vectors = _wordllama().embed([str(t) for t in texts], norm=True)
        return sparse.csr_matrix(vectors * self.weight)

    def fit_transform(self, texts: Any, y: Any = None) -> Any:
        return self.transform(texts)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {"weight": self.weight}

    def set_params(self, **params: Any) -> StaticEmbeddings:
        self.weight = params.get("weight", self.weight)
        return self


_WORDLLAMA: list[Any] = []


def _wordllama() -> Any:
    """The in-wheel WordLlama model (loaded from the package folder, downloads off)."""
    if not _WORDLLAMA:
        from pathlib import Path

        import wordllama
        from wordllama import WordLlama

        folder = Path(wordllama.__file__).parent
        _WORDLLAMA.append(WordLlama.load(cache_dir=folder, disable_download=True))
    return _WORDLLAMA[0]


def features_with_embeddings(weight: float = 2.0) -> Any:
    """:func:`features` plus :class:`StaticEmbeddings` (the ``support intents
    train`` model: word meaning beyond shared n-grams, for close intents)."""
    from sklearn.pipeline import make_union

    union = features()
    return make_union(
        *[step for _, step in union.transformer_list], StaticEmbeddings(weight)
    )


class IntentModel:
    """Intent classifier that abstains with ``"unknown"`` below a learnt threshold.

    Parameters
    ----------
    max_cost : float
        Share of training examples, right out of fold, that the threshold may turn
        into "unknown" (0.01: one point of in-scope accuracy).
    folds : int
        Cross-validation folds for the out-of-fold predictions.
    C : float
        Regularisation of the linear SVM (smaller: smoother).
    random_state : int
        Seed of the fold split.
    embeddings : bool
        Try :class:`StaticEmbeddings` beside the TF-IDF features (the ``support
        intents train`` model; the built-in multilingual default keeps TF-IDF only)
        and keep them only when they raise the out-of-fold accuracy.
    embedding_weight : float
        Scale of the embedding block against the two TF-IDF blocks.

    Attributes
    ----------
    classes_ : list of str
    threshold_ : float
        Confidence below which :meth:`predict` answers ``"unknown"``.
    thresholds_ : dict of str to float
        A threshold per group (language) when ``fit`` was given groups.
    temperature_ : float
        Scale of the SVM scores in the softmax.
    cv_accuracy_ : float
        Out-of-fold accuracy without abstention.
    cv_accuracy_with_abstention_ : float
        Out-of-fold accuracy counting "unknown" as wrong.
    confusions_ : list of dict
        The most frequent out-of-fold confusions: ``{"label", "predicted", "count"}``.
    embeddings_used_ : bool
        Whether the fitted model uses the embeddings.
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
        self,
        *,
        max_cost: float = 0.01,
        folds: int = 3,
        C: float = 0.5,  # noqa: N803  (scikit-learn's name)
        random_state: int = 0,
        embeddings: bool = False,
        embedding_weight: float = 2.0,
    ) -> None:
        self.max_cost = max_cost
        self.folds = folds
        self.C = C
        self.random_state = random_state
        self.embeddings = embeddings
        self.embedding_weight = embedding_weight

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
            Fewer than two labels, a label with one example, an empty text, or
            lengths that differ.
        """
        import numpy as np
        from sklearn.model_selection import StratifiedKFold
        from sklearn.svm import LinearSVC

        texts_, labels_ = _checked(texts, labels)
        counts = Counter(labels_)
        y = np.asarray(labels_, dtype=object)
        self.vectorizer_ = (
            features_with_embeddings(self.embedding_weight)
            if self.embeddings
            else features()
        )
        x = self.vectorizer_.fit_transform(texts_)
        self.classes_ = sorted(counts)
        index = {c: i for i, c in enumerate(self.classes_)}
        target = np.asarray([index[label] for label in labels_])
        folds = max(2, min(self.folds, min(counts.values())))
        split = StratifiedKFold(folds, shuffle=True, random_state=self.random_state)
        scores = _out_of_fold(x, target, len(self.classes_), split, self.C)
        self.embeddings_used_ = bool(self.embeddings)
        if self.embeddings:
            # The embeddings are English-centred: on other languages they can cost
            # accuracy (the seed phrases, 5-fold: it 0.63 -> 0.50, en 0.57 -> 0.74).
            # Keep them only where they win out of fold on the seller's own data.
            plain = x[:, : x.shape[1] - EMBEDDING_DIMENSIONS]
            without = _out_of_fold(plain, target, len(self.classes_), split, self.C)
            if (without.argmax(axis=1) == target).mean() >= (
                scores.argmax(axis=1) == target
            ).mean():
                self.embeddings_used_ = False
                self.vectorizer_.set_params(staticembeddings="drop")
                x, scores = plain, without
        self.temperature_ = fit_temperature(scores, target)
        proba = softmax(scores * self.temperature_)
        predicted = proba.argmax(axis=1)
        confidence = proba.max(axis=1)
        right = predicted == target
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
        self.cv_accuracy_ = float(right.mean())
        self.cv_accuracy_with_abstention_ = float((right & (confidence >= cut)).mean())
        names = np.asarray(self.classes_, dtype=object)
        self.confusions_ = _confusions(y, names[predicted])
        self.svm_ = LinearSVC(C=self.C, dual=True).fit(x, target)
        self.n_examples_ = len(y)
        return self

    def predict_proba(self, texts: Sequence[str]) -> NDArray[np.float64]:
        """Class probabilities, shape (n_texts, n_classes), columns as ``classes_``."""
        if not hasattr(self, "svm_"):
            raise NotFittedError("this IntentModel is not fitted yet: call fit first")
        scores = _scores(self.svm_, self.vectorizer_.transform(list(texts)))
        return softmax(scores * self.temperature_)

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


def _out_of_fold(
    x: Any, target: NDArray[Any], n_classes: int, split: Any, c: float
) -> NDArray[np.float64]:
    """Linear SVM scores of every example from the fold that did not see it.

    The folds are fitted on two threads (liblinear releases the GIL): the same
    scores, in about half the wall time on two free cores.
    """
    import numpy as np
    from joblib import Parallel, delayed
    from sklearn.svm import LinearSVC

    def fold(train: NDArray[Any], test: NDArray[Any]) -> tuple[Any, Any]:
        svm = LinearSVC(C=c, dual=True).fit(x[train], target[train])
        return svm, _scores(svm, x[test])

    pairs = list(split.split(x, target))
    fitted = Parallel(n_jobs=FOLD_THREADS, prefer="threads")(
        delayed(fold)(train, test) for train, test in pairs
    )
    scores = np.zeros((len(target), n_classes))
    for (_, test), (svm, found) in zip(pairs, fitted, strict=True):
        scores[np.ix_(test, svm.classes_)] = found
        missing = np.setdiff1d(np.arange(n_classes), svm.classes_)
        scores[np.ix_(test, missing)] = -10.0  # a class absent from a fold
    return scores


def _scores(svm: Any, x: Any) -> NDArray[np.float64]:
    """SVM scores, one column per class the SVM knows (two for a binary SVM)."""
    import numpy as np

    scores = svm.decision_function(x)
    if scores.ndim == 1:
        scores = np.column_stack([-scores, scores])
    return np.asarray(scores, dtype=np.float64)


def softmax(z: NDArray[np.float64]) -> NDArray[np.float64]:
    """Row-wise softmax.

    >>> import numpy as np
    >>> softmax(np.array([[0.0, 0.0], [0.0, np.log(3.0)]])).round(2).tolist()
    [[0.5, 0.5], [0.25, 0.75]]
    """
    import numpy as np

    shifted = z - z.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return np.asarray(e / e.sum(axis=1, keepdims=True), dtype=np.float64)


def fit_temperature(scores: NDArray[np.float64], target: NDArray[np.int_]) -> float:
    """The scale of ``scores`` whose softmax gives the true classes the highest
    likelihood (searched on a log grid from 0.1 to 100, then refined)."""
    import numpy as np

    rows = np.arange(len(target))

    def loss(t: float) -> float:
        p = softmax(scores * t)[rows, target]
        return float(-np.log(np.clip(p, 1e-12, None)).mean())

    grid = np.geomspace(0.1, 100, 31)
    best = float(grid[int(np.argmin([loss(t) for t in grid]))])
    fine = np.geomspace(best / 1.3, best * 1.3, 11)
    return float(fine[int(np.argmin([loss(t) for t in fine]))])


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
