"""Out-of-scope scores for ``support intents train`` on BANKING77's training file
only (issue 14 §4): which abstention score and which threshold rule to use, chosen
without the test file.

Protocol, per dev seed: the 15 intents that ``text_bench.py`` section 9 holds out
(seed 0) are dropped entirely (they are its test unknowns); of the other 62, the
seed picks 12 more as dev unknowns; the remaining 50 intents' examples are split
80/20 (stratified). The ``support intents train`` features (TF-IDF word 1-2 +
char_wb 2-5 + WordLlama, weight 2) and LinearSVC (C 0.5) are fitted on the 80%;
each score is read on the 20% (in scope) and on the 12 dev-unknown intents.

For each score: ROC AUC (in scope vs unknown) and the unknown recall at the
threshold that turns exactly 1% of the dev examples from right to "unknown" (an
oracle cut: the best any rule on that score can do at one point of accuracy);
for the threshold rules (3-fold and 5-fold out-of-fold max probability, 1% cost):
the dev cost and recall they actually give.

    python bench/intents_oos_dev.py [--seeds 1 2 3 4] [--test]

``--test`` then reads the test file once for the candidate the dev seeds favour
(z(max SVM score) + z(cosine to the nearest training example), threshold at 1%
out-of-fold cost, 3 folds, from the training data alone) against the kept max
probability, on section 9's protocol (62 intents trained, 15 unseen).
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.preprocessing import normalize
from sklearn.svm import LinearSVC

sys.path.insert(0, str(Path(__file__).resolve().parent))
from text_bench import BANKING77_DEFAULT, read_banking77  # noqa: E402
from tradepilot.text.intents import (  # noqa: E402
    _out_of_fold,
    _scores,
    choose_threshold,
    features_with_embeddings,
    fit_temperature,
    softmax,
)


def meta(svm: Any, reference: Any, x: Any) -> Any:
    """Per example: max SVM score, top-1 minus top-2, cosine to the nearest
    training example and mean cosine to the 5 nearest (all feature blocks)."""
    s = np.sort(_scores(svm, x), axis=1)
    sim = (normalize(x) @ reference.T).toarray()
    sim.sort(axis=1)
    return np.column_stack(
        [s[:, -1], s[:, -1] - s[:, -2], sim[:, -1], sim[:, -5:].mean(axis=1)]
    )


def simulated(xa: Any, ya: Any, n_classes: int, seed: int) -> tuple[Any, Any]:
    """Meta-features of right out-of-fold in-scope examples (3-fold) and of
    simulated unknowns (5 leave-10-intents-out folds) inside the training part."""
    na = normalize(xa)
    inside, outside = [], []
    for tr, te in StratifiedKFold(3, shuffle=True, random_state=0).split(xa, ya):
        svm = LinearSVC(C=0.5, dual=True).fit(xa[tr], ya[tr])
        f = meta(svm, na[tr], xa[te])
        inside.append(f[svm.classes_[_scores(svm, xa[te]).argmax(1)] == ya[te]])
    order = np.random.RandomState(seed).permutation(n_classes)
    for held in np.array_split(order, 5):
        out = np.isin(ya, held)
        svm = LinearSVC(C=0.5, dual=True).fit(xa[~out], ya[~out])
        outside.append(meta(svm, na[~out], xa[out]))
    return np.vstack(inside), np.vstack(outside)


def run(seed: int, texts: list[str], labels: list[str]) -> None:
    intents = sorted(set(labels))
    test_unknown = set(random.Random(0).sample(intents, 15))
    seen = sorted(set(intents) - test_unknown)
    dev_unknown = set(random.Random(seed).sample(seen, 12))
    ins = [i for i, y in enumerate(labels) if y in set(seen) - dev_unknown]
    outs = [i for i, y in enumerate(labels) if y in dev_unknown]
    tr, va = train_test_split(
        ins, test_size=0.2, random_state=seed, stratify=[labels[i] for i in ins]
    )
    vec = features_with_embeddings(2.0)
    xa = vec.fit_transform([texts[i] for i in tr])
    xv = vec.transform([texts[i] for i in va])
    xo = vec.transform([texts[i] for i in outs])
    classes = sorted({labels[i] for i in tr})
    index = {c: j for j, c in enumerate(classes)}
    ya = np.array([index[labels[i]] for i in tr])
    yv = np.array([index[labels[i]] for i in va])
    svm = LinearSVC(C=0.5, dual=True).fit(xa, ya)
    sv, so = _scores(svm, xv), _scores(svm, xo)
    right = sv.argmax(1) == yv
    print(
        f"\ndev seed {seed}: {len(tr):,} train / {len(va):,} in scope (50 intents, "
        f"accuracy {right.mean():.4f}), {len(outs):,} unknown (12 intents)"
    )

    def show(name: str, a: Any, b: Any) -> None:
        cut = np.sort(a[right])[int(0.01 * len(a))]
        auc = roc_auc_score(np.r_[np.ones(len(a)), np.zeros(len(b))], np.r_[a, b])
        print(f"   {name:44s} AUC {auc:.3f}, recall at 1% cost {(b < cut).mean():.3f}")

    oof = _out_of_fold(
        xa, ya, len(classes), StratifiedKFold(3, shuffle=True, random_state=0), 0.5
    )
    t = fit_temperature(oof, ya)
    show("max probability (kept)", softmax(sv * t).max(1), softmax(so * t).max(1))
    na = normalize(xa)
    fv, fo = meta(svm, na, xv), meta(svm, na, xo)
    show("max SVM score", fv[:, 0], fo[:, 0])
    show("top-1 minus top-2 SVM score", fv[:, 1], fo[:, 1])
    show("cosine to nearest training example", fv[:, 2], fo[:, 2])
    show("mean cosine to 5 nearest", fv[:, 3], fo[:, 3])
    centroids = normalize(
        np.vstack([np.asarray(na[ya == c].mean(0)) for c in range(len(classes))])
    )

    def to_centroid(x: Any, s: Any) -> Any:
        sim = np.asarray(normalize(x) @ centroids.T)
        return sim[np.arange(len(sim)), s.argmax(1)]

    show(
        "cosine to predicted intent's centroid",
        to_centroid(xv, sv),
        to_centroid(xo, so),
    )
    mu, sd = fv.mean(0), fv.std(0)
    zv, zo = (fv - mu) / sd, (fo - mu) / sd
    for w in (0.5, 1.0):
        show(
            f"z(max SVM) + {w} z(nearest cosine)",
            zv[:, 0] + w * zv[:, 2],
            zo[:, 0] + w * zo[:, 2],
        )
    inside, outside = simulated(xa, ya, len(classes), seed)
    lr = LogisticRegression(max_iter=1000).fit(
        np.r_[inside, outside], np.r_[np.ones(len(inside)), np.zeros(len(outside))]
    )
    show(
        "logistic, 4 scores, simulated unknowns",
        lr.decision_function(fv),
        lr.decision_function(fo),
    )
    for folds in (3, 5):
        split = StratifiedKFold(folds, shuffle=True, random_state=0)
        scores = _out_of_fold(xa, ya, len(classes), split, 0.5)
        t = fit_temperature(scores, ya)
        p = softmax(scores * t)
        cut = choose_threshold(p.max(1), p.argmax(1) == ya, max_cost=0.01)
        pv, po = softmax(sv * t).max(1), softmax(so * t).max(1)
        print(
            f"   rule: {folds}-fold out-of-fold, 1% cost: threshold {cut:.3f}, dev "
            f"cost {(right & (pv < cut)).mean():.4f}, recall {(po < cut).mean():.3f}"
        )


def on_test(folder: Path) -> None:
    """Section 9's abstention protocol with both scores, thresholds from training."""
    texts, labels = read_banking77(folder / "train.csv")
    xte, yte = read_banking77(folder / "test.csv")
    unseen = set(random.Random(0).sample(sorted(set(labels)), 15))
    keep = [i for i, y in enumerate(labels) if y not in unseen]
    vec = features_with_embeddings(2.0)
    xa = vec.fit_transform([texts[i] for i in keep])
    classes = sorted({labels[i] for i in keep})
    index = {c: j for j, c in enumerate(classes)}
    ya = np.array([index[labels[i]] for i in keep])
    na = normalize(xa)
    first, nearest = np.zeros(len(ya)), np.zeros(len(ya))
    scores = np.zeros((len(ya), len(classes)))
    for tr, te in StratifiedKFold(3, shuffle=True, random_state=0).split(xa, ya):
        svm = LinearSVC(C=0.5, dual=True).fit(xa[tr], ya[tr])
        scores[te] = _scores(svm, xa[te])
        f = meta(svm, na[tr], xa[te])
        first[te], nearest[te] = f[:, 0], f[:, 2]
    right = scores.argmax(1) == ya
    t = fit_temperature(scores, ya)
    prob_cut = choose_threshold(softmax(scores * t).max(1), right, max_cost=0.01)
    mu, sd = (
        np.array([first.mean(), nearest.mean()]),
        np.array([first.std(), nearest.std()]),
    )
    combined = (first - mu[0]) / sd[0] + (nearest - mu[1]) / sd[1]
    comb_cut = choose_threshold(combined, right, max_cost=0.01)
    svm = LinearSVC(C=0.5, dual=True).fit(xa, ya)
    xt = vec.transform(xte)
    st = _scores(svm, xt)
    ft = meta(svm, na, xt)
    inside = np.array([y not in unseen for y in yte])
    truth = np.array([index.get(y, -1) for y in yte])
    hit = st.argmax(1) == truth
    for name, value, cut in [
        ("max probability (kept)", softmax(st * t).max(1), prob_cut),
        (
            "z(max SVM) + z(nearest cosine)",
            (ft[:, 0] - mu[0]) / sd[0] + (ft[:, 2] - mu[1]) / sd[1],
            comb_cut,
        ),
    ]:
        ok = hit & (value >= cut)
        print(
            f"test, {name}: threshold {cut:.3f}; in-scope accuracy, abstentions "
            f"wrong {ok[inside].mean():.4f} (no abstention {hit[inside].mean():.4f}) "
            f"on {inside.sum():,}; unknown recall {(value[~inside] < cut).mean():.3f} "
            f"on {(~inside).sum():,}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="*", default=[1, 2, 3, 4])
    parser.add_argument("--banking77", type=Path, default=BANKING77_DEFAULT)
    parser.add_argument("--test", action="store_true", help="then the test file once")
    args = parser.parse_args()
    texts, labels = read_banking77(args.banking77 / "train.csv")
    for seed in args.seeds:
        run(seed, texts, labels)
    if args.test:
        on_test(args.banking77)


if __name__ == "__main__":
    main()
