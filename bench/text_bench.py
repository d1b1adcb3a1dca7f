"""Text benchmark (issue 14): intents, abstention, multilingual intents, review
sentiment, triage speed; every baseline trained in the same run.

Prints, from one run on this machine:

1. Bitext 27 intents (21,534 utterances), stratified 80/20 split (seed 0): accuracy
   and macro-F1 of the ``support intents train`` pipeline (TF-IDF word + char
   n-grams, calibrated linear SVM, abstention counted as wrong) against TF-IDF +
   logistic regression.
2. Close-intents proxy (kept for comparison with earlier runs; the ~80-intent
   measurement is section 9, BANKING77): Bitext's 2023 release (6,480
   instructions, 27 intents with close pairs such as get_refund / track_refund /
   check_refund_policy) as the fixed training set and its 2020 release (21,534
   utterances, other writers and phrasings) as the fixed test set; the issue's
   reference baseline (TF-IDF word + char n-gram linear SVM, no abstention) in the
   same run; training time on 10,000 examples.
3. Abstention: trained on 20 of the 27 Bitext intents only (seed 0 picks the 7
   left out), the threshold chosen from the training data alone; tested on the 20
   intents' held-out 20% mixed with the 7 unseen intents (same domain, hard) and
   1,000 clothing-review sentences (off topic, easy): "unknown" recall and
   in-scope accuracy.
4. Multilingual intents: the default model on ``bench/data/multilingual_intents.csv``
   (70 messages, 10 intents x 7 languages, written for this bench apart from the
   seed phrases), per language, against the same pipeline trained on Bitext alone;
   and the default's "unknown" share on 1,000 English clothing-review sentences
   from the odd rows (its off-topic threshold is chosen on the even rows).
5. Review sentiment, Women's clothing reviews, text only (stars hidden), stratified
   80/20: macro-F1 of the ``reviews train`` pipeline against the lexicon (the
   default for text without a trained model).
6. Triage speed: language + intent + sentiment of 10,000 messages (default models
   loaded once), wall time, and the whole of ``triage_texts`` (entities, urgency).
7. The demo store's support messages (8 languages, real order numbers and
   e-mails), imported and triaged as ``tradepilot demo`` does: language, intent
   and order-link accuracy per language against the simulator's ground truth
   (``--demo PATH`` triages an existing demo workspace again instead).
8. ``reviews train`` on human-labelled reviews in a language the default model does
   not know (``--reviews-lang DIR``, e.g. Indonesian SmSA), stratified 70/30:
   accuracy and macro-F1 against the default (lexicon) and TF-IDF + logistic
   regression fitted in the same run; skipped, saying where to get the data, when
   absent.
9. BANKING77 (PolyAI, 77 banking intents, fixed split 10,003 train / 3,080 test):
   the real ``support intents train`` service path (CSV in, model saved in a
   scratch workspace, then ``classify_intents``) against a TF-IDF word + char
   n-gram LinearSVC fitted with scikit-learn directly in the same run; accuracy
   with abstentions wrong and without abstention, macro-F1, training wall and CPU
   time; then abstention on BANKING77: 62 intents trained (seed 0 leaves 15 out),
   tested on the 62 intents' test rows and the 15 unseen intents' test rows.
   The data is not in the repository: ``--banking77 DIR`` or
   ``TRADEPILOT_BANKING77`` (default ``~/.cache/tradepilot-bench/banking77``)
   must hold ``train.csv`` and ``test.csv`` from
   https://github.com/PolyAI-LDN/task-specific-datasets (``banking_data/``);
   without them the section says so and is skipped.

Targets: close intents >= 92%; abstention unknown recall >= 60% with in-scope
accuracy >= 91%; 10,000 messages < 30 s; reviews train in another language >= 95%.

Usage: ``python bench/text_bench.py [--quick] [--only N ...] [--demo PATH]
[--reviews-lang DIR] [--banking77 DIR]`` (``--quick`` subsamples).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import os
import random
import re
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
BITEXT = SHARED / "bitext_customer_support"
REVIEWS = (
    SHARED / "womens_clothing_reviews" / "womens_clothing_ecommerce_reviews.csv.gz"
)
BANKING77_DEFAULT = Path.home() / ".cache" / "tradepilot-bench" / "banking77"
BANKING77_SOURCE = "https://github.com/PolyAI-LDN/task-specific-datasets"
MULTILINGUAL = Path(__file__).resolve().parent / "data" / "multilingual_intents.csv"


def read_csv_gz(path: Path, encoding: str = "utf-8") -> list[dict[str, str]]:
    with gzip.open(path, "rt", encoding=encoding, newline="") as handle:
        return list(csv.DictReader(handle))


def bitext_2020() -> tuple[list[str], list[str]]:
    rows = read_csv_gz(
        BITEXT / "bitext_customer_support_intents_21k.csv.gz", "utf-8-sig"
    )
    return [r["utterance"] for r in rows], [r["intent"] for r in rows]


def bitext_2023() -> tuple[list[str], list[str]]:
    rows = read_csv_gz(BITEXT / "bitext_customer_support_llm_tagged_6k.csv.gz")
    fix = {"check_invoice": "check_invoices"}
    return [r["instruction"] for r in rows], [
        fix.get(r["intent"], r["intent"]) for r in rows
    ]


def macro_f1(y: list[str], p: list[str]) -> float:
    from sklearn.metrics import f1_score

    labels = sorted(set(y))
    return float(f1_score(y, p, labels=labels, average="macro", zero_division=0))


def accuracy(y: list[str], p: list[str]) -> float:
    return float(np.mean([a == b for a, b in zip(y, p, strict=True)]))


def baseline_lr(xtr: list[str], ytr: list[str]) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000)).fit(
        xtr, ytr
    )


def baseline_svm(xtr: list[str], ytr: list[str]) -> Any:
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    from tradepilot.text.intents import features

    return make_pipeline(features(), LinearSVC(C=0.5, dual=True)).fit(xtr, ytr)


def ours(xtr: list[str], ytr: list[str]) -> Any:
    """The model ``support intents train FILE`` fits (TF-IDF + static embeddings)."""
    from tradepilot.text.intents import IntentModel

    return IntentModel(embeddings=True).fit(xtr, ytr)


def labels_of(model: Any, texts: list[str]) -> list[str]:
    return [label for label, _ in model.predict(texts)]


def section_bitext(quick: bool) -> None:
    from sklearn.model_selection import train_test_split

    texts, labels = bitext_2020()
    if quick:
        texts, _, labels, _ = train_test_split(
            texts, labels, train_size=6000, stratify=labels, random_state=0
        )
    xtr, xte, ytr, yte = train_test_split(
        texts, labels, test_size=0.2, stratify=labels, random_state=0
    )
    print(
        f"\n1. Bitext 27 intents, stratified 80/20: {len(xtr):,} train, {len(xte):,} test"
    )
    base = baseline_lr(xtr, ytr).predict(xte).tolist()
    start = time.perf_counter()
    model = ours(xtr, ytr)
    seconds = time.perf_counter() - start
    mine = labels_of(model, xte)
    unknown = sum(p == "unknown" for p in mine)
    print(
        f"   TF-IDF + logistic regression: accuracy {accuracy(yte, base):.4f}, macro-F1 {macro_f1(yte, base):.4f}"
    )
    print(
        f"   ours (abstentions wrong)    : accuracy {accuracy(yte, mine):.4f}, macro-F1 {macro_f1(yte, mine):.4f}, "
        f"{unknown} unknown, threshold {model.threshold_:.3f}, trained in {seconds:.1f} s"
    )


def section_close(quick: bool) -> None:
    xtr, ytr = bitext_2023()
    xte, yte = bitext_2020()
    if quick:
        rng = random.Random(0)
        keep = rng.sample(range(len(xte)), 5000)
        xte, yte = [xte[i] for i in keep], [yte[i] for i in keep]
    print(
        f"\n2. Close-intents proxy: train Bitext 2023 ({len(xtr):,}), test Bitext 2020 ({len(xte):,}), 27 intents"
    )
    svm = baseline_svm(xtr, ytr).predict(xte).tolist()
    model = ours(xtr, ytr)
    mine = labels_of(model, xte)
    forced = [model.classes_[i] for i in model.predict_proba(xte).argmax(axis=1)]
    print(
        f"   reference TF-IDF word+char linear SVM : accuracy {accuracy(yte, svm):.4f}"
    )
    print(
        f"   ours, no abstention                   : accuracy {accuracy(yte, forced):.4f}"
    )
    print(
        f"   ours, abstentions wrong (target 0.92) : accuracy {accuracy(yte, mine):.4f} "
        f"({sum(p == 'unknown' for p in mine)} unknown)"
    )
    worst = Counter(
        (a, b) for a, b in zip(yte, forced, strict=True) if a != b
    ).most_common(3)
    print(f"   most frequent confusions: {worst}")
    texts, labels = bitext_2020()
    rng = random.Random(1)
    sample = rng.sample(range(len(texts)), 10_000)
    start = time.perf_counter()
    ours([texts[i] for i in sample], [labels[i] for i in sample])
    print(
        f"   training on 10,000 examples (3-fold CV threshold + final fit): {time.perf_counter() - start:.1f} s (target < 120 s)"
    )


def review_sentences(n: int, seed: int = 0) -> list[str]:
    from tradepilot.text.corpora import review_sentences as every

    return random.Random(seed).sample(every(REVIEWS), n)


def section_abstention(quick: bool) -> None:
    from sklearn.model_selection import train_test_split

    texts, labels = bitext_2020()
    intents = sorted(set(labels))
    unseen = set(random.Random(0).sample(intents, 7))
    inside = [(t, y) for t, y in zip(texts, labels, strict=True) if y not in unseen]
    outside = [t for t, y in zip(texts, labels, strict=True) if y in unseen]
    xs, ys = [t for t, _ in inside], [y for _, y in inside]
    xtr, xte, ytr, yte = train_test_split(
        xs, ys, test_size=0.2, stratify=ys, random_state=0
    )
    if quick:
        xtr, _, ytr, _ = train_test_split(
            xtr, ytr, train_size=5000, stratify=ytr, random_state=0
        )
    rng = random.Random(0)
    ood_domain = rng.sample(outside, min(len(outside), 1500))
    ood_topic = review_sentences(1000)
    print(
        f"\n3. Abstention: trained on 20 intents ({len(xtr):,} examples); unseen intents: {', '.join(sorted(unseen))}"
    )
    model = ours(xtr, ytr)
    mine = labels_of(model, xte)
    in_acc = accuracy(yte, mine)
    domain = labels_of(model, ood_domain)
    topic = labels_of(model, ood_topic)
    r_domain = np.mean([p == "unknown" for p in domain])
    r_topic = np.mean([p == "unknown" for p in topic])
    both = np.mean([p == "unknown" for p in domain + topic])
    print(
        f"   threshold from training data (3-fold CV, <= 1 point cost): {model.threshold_:.3f}"
    )
    print(
        f"   in-scope accuracy, abstentions wrong (target >= 0.91): {in_acc:.4f} on {len(xte):,}"
    )
    print(
        f"   unknown recall (target >= 0.60): unseen Bitext intents {r_domain:.3f} ({len(domain):,}), "
        f"review sentences {r_topic:.3f} ({len(topic):,}), together {both:.3f}"
    )


def section_multilingual() -> None:
    from tradepilot.text.corpora import read_seeds
    from tradepilot.text.defaults import default_intent_model

    with MULTILINGUAL.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    texts = [r["text"] for r in rows]
    from tradepilot.text.service import classify_intents

    default_intent_model()
    default = [label for label, _ in classify_intents(texts)]
    xtr, ytr = bitext_2020()
    english = labels_of(ours(xtr[::2], ytr[::2]), texts)
    seeds = len(read_seeds()[0])
    print(
        f"\n4. Multilingual intents: {len(rows)} hand-written messages, 10 intents; default model "
        f"(Bitext + {seeds} seed phrases) vs Bitext only"
    )
    by_language: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        by_language[row["language"]].append(i)
    for language, idx in sorted(by_language.items()):
        y = [rows[i]["intent"] for i in idx]
        a = accuracy(y, [default[i] for i in idx])
        b = accuracy(y, [english[i] for i in idx])
        unknown = sum(default[i] == "unknown" for i in idx)
        print(
            f"   {language}: default {a:.2f} ({unknown} unknown), Bitext only {b:.2f}"
        )
    y = [r["intent"] for r in rows]
    print(
        f"   all: default {accuracy(y, default):.3f}, Bitext only {accuracy(y, english):.3f}"
    )
    offtopic_default()


def offtopic_default() -> None:
    """The default model on off-topic English: clothing-review sentences from the
    odd rows (the default chooses its off-topic threshold on the even rows)."""
    from tradepilot.text.corpora import review_sentences as halves
    from tradepilot.text.defaults import default_intent_model
    from tradepilot.text.service import classify_intents

    held_out = random.Random(0).sample(halves(REVIEWS, 1), 1000)
    for name, texts in (
        ("odd rows, held out", held_out),
        ("all rows", review_sentences(1000)),
    ):
        found = Counter(label for label, _ in classify_intents(texts))
        print(
            f"   off topic, default model, 1,000 clothing-review sentences ({name}): "
            f"unknown {found['unknown'] / len(texts):.3f}; {found.most_common(4)}"
        )
    model = default_intent_model()
    print(
        f"   default's English threshold {model.thresholds_.get('en', model.threshold_):.3f}"
        f"; off-topic choice: {getattr(model, 'offtopic_', 'none')}"
    )


def section_reviews(quick: bool) -> None:
    from sklearn.metrics import f1_score
    from sklearn.model_selection import train_test_split

    from tradepilot.text.lexicon import lexicon_sentiment
    from tradepilot.text.sentiment_model import SentimentModel, stars_to_label

    rows = [r for r in read_csv_gz(REVIEWS) if (r["Review Text"] or "").strip()]
    texts = [
        f"{r['Title']}. {r['Review Text']}" if r["Title"] else r["Review Text"]
        for r in rows
    ]
    labels = [stars_to_label(float(r["Rating"])) for r in rows]
    if quick:
        texts, _, labels, _ = train_test_split(
            texts, labels, train_size=6000, stratify=labels, random_state=0
        )
    xtr, xte, ytr, yte = train_test_split(
        texts, labels, test_size=0.2, stratify=labels, random_state=0
    )
    print(
        f"\n5. Review sentiment, women's clothing, text only: {len(xtr):,} train, {len(xte):,} test "
        f"({dict(Counter(yte))})"
    )
    lexicon = [label for label, _ in lexicon_sentiment(xte)]
    model = SentimentModel(folds=2).fit(xtr, ytr)
    mine = [label for label, _ in model.predict(xte)]
    for name, p in (("lexicon baseline", lexicon), ("reviews train (ours)", mine)):
        per = f1_score(yte, p, labels=["negative", "neutral", "positive"], average=None)
        print(
            f"   {name:21}: macro-F1 {macro_f1(yte, p):.4f}, accuracy {accuracy(yte, p):.4f}, "
            f"F1 neg/neu/pos {per[0]:.3f}/{per[1]:.3f}/{per[2]:.3f}"
        )
    print(
        f"   reviews train kept class weights {model.setting_[0]}, C "
        f"{model.setting_[1]} (cross-validated accuracy {model.cv_accuracy_:.4f})"
    )
    print("   (a language the default does not know: section 8)")


def section_speed(n: int) -> None:
    """Triage speed, the text models and the whole of ``triage_texts``.

    The messages: 10,000 drawn with replacement from Bitext (English) and the
    multilingual bench messages. Languages are chosen among the demo store's
    candidates (its 19 countries' languages plus the 8 template languages), as
    ``inbox import`` does; the accuracy of that choice is printed against the
    known language of each message and against lingua over all 24 languages.
    """
    from tradepilot.service.entities import OrderFormats
    from tradepilot.service.templates import LANGUAGES
    from tradepilot.service.triage import triage_texts
    from tradepilot.simulate.markets import MARKETS
    from tradepilot.text import service
    from tradepilot.text.defaults import default_intent_model

    texts, _ = bitext_2020()
    truth = ["en"] * len(texts)
    with MULTILINGUAL.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    texts += [r["text"] for r in rows]
    truth += [r["language"] for r in rows]
    rng = random.Random(0)
    picked = [rng.randrange(len(texts)) for _ in range(n)]
    messages = [texts[i] for i in picked]
    known = [truth[i] for i in picked]
    countries = [m.country for m in MARKETS]
    candidates = service.candidate_languages(countries, LANGUAGES)
    start = time.perf_counter()
    default_intent_model()
    service.detect_languages(messages)  # loads lingua's models for every language
    loading = time.perf_counter() - start
    start = time.perf_counter()
    everywhere = [code for code, _ in service.detect_languages(messages)]
    all_24 = time.perf_counter() - start
    start = time.perf_counter()
    codes = [c for c, _ in service.detect_languages(messages, candidates=candidates)]
    languages = time.perf_counter() - start
    start = time.perf_counter()
    service.classify_intents(messages, languages=codes)
    intents = time.perf_counter() - start
    start = time.perf_counter()
    service.sentiment(messages)
    sentiment = time.perf_counter() - start
    total = languages + intents + sentiment
    start = time.perf_counter()
    formats = OrderFormats.learn(["#1001", "#1002", "202-9874774-1234567"])
    triage_texts(messages, formats=formats, countries=countries, languages=LANGUAGES)
    whole = time.perf_counter() - start
    foreign = [i for i, k in enumerate(known) if k != "en"]
    print(
        f"\n6. Triage of {n:,} messages ({len(set(messages)):,} distinct, "
        f"{len(foreign):,} not English); candidate languages {', '.join(candidates)}"
    )
    print(
        f"   language {languages:.1f} s (all 24 languages: {all_24:.1f} s), intent "
        f"{intents:.1f} s, sentiment {sentiment:.1f} s; total {total:.1f} s"
    )
    print(
        f"   triage_texts as inbox import calls it (entities, urgency included): "
        f"{whole:.1f} s (target < 30 s); loading the models once {loading:.1f} s; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    for name, found in (("candidates", codes), ("all 24", everywhere)):
        right = [a == b for a, b in zip(found, known, strict=True)]
        print(
            f"   language accuracy, {name:10}: {np.mean(right):.4f} overall, "
            f"{np.mean([right[i] for i in foreign]):.4f} on the non-English"
        )


def _demo_triaged(home: Path, again: bool) -> tuple[dict[str, Any], list[Any]]:
    """The truth and the triaged messages of a demo workspace; ``again`` triages
    every stored message anew (the current default models) before reading."""
    import sqlalchemy as sa

    from tradepilot.config import Settings
    from tradepilot.service.inbox import triage_messages
    from tradepilot.store.engine import create_engine
    from tradepilot.store.tables_service import support_messages as m

    truth_path = home / "demo-data" / "truth" / "support_messages.csv"
    with truth_path.open(encoding="utf-8", newline="") as handle:
        truth = {r["message_id"]: r for r in csv.DictReader(handle)}
    engine = create_engine(Settings(home=home, database_url=None))
    if again:
        with engine.begin() as conn:
            triage_messages(conn, None, home=home)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                m.c.message_key,
                m.c.language,
                m.c.intent,
                m.c.order_number,
                m.c.urgency_reasons,
            )  # fmt: skip
        ).all()
    engine.dispose()
    return truth, list(rows)


def section_demo_support(full: bool, demo: Path | None = None) -> None:
    """Triage of the demo store's support messages against their ground truth.

    Builds a demo workspace (no forecast) in a temporary folder, which writes
    ``support.mbox`` and ``truth/support_messages.csv`` and imports the messages
    (triage included), then compares per language: intent (``unknown`` counted
    wrong), the linked order (no order is right only when the truth has none), and
    whether chargeback threats were seen. With ``demo`` (a workspace built by
    ``tradepilot demo --no-serve -w PATH``) its stored messages are triaged again
    with the current models instead of building a new store.
    """
    import tempfile

    from tradepilot.demo import build_demo
    from tradepilot.simulate import SimulationConfig

    start = time.perf_counter()
    if demo is not None:
        if not (demo / "demo-data" / "truth" / "support_messages.csv").is_file():
            raise SystemExit(f"{demo} is not a demo workspace (no demo-data/truth)")
        truth, rows = _demo_triaged(demo, again=True)
        how = f"workspace {demo}, triaged again in {time.perf_counter() - start:.0f} s"
    else:
        config = (
            SimulationConfig()
            if full
            else SimulationConfig(seed=3, n_days=420, n_skus=20, n_customers=800)
        )
        with tempfile.TemporaryDirectory() as folder:
            home = Path(folder) / "demo"
            build_demo(home, config=config, forecast=False)
            truth, rows = _demo_triaged(home, again=False)
        kind = "full" if full else "test-sized"
        how = f"{kind} demo store, built and imported in {time.perf_counter() - start:.0f} s"
    print(
        f"\n7. Demo support messages ({how}): {len(rows)} messages against "
        "demo-data/truth/support_messages.csv"
    )
    by_language: dict[str, list[tuple[bool, bool, bool, bool]]] = defaultdict(list)
    threats = []
    confusions: Counter[tuple[str, str]] = Counter()
    for row in rows:
        t = truth[row.message_key]
        if row.intent != t["intent"]:
            confusions[(t["intent"], row.intent)] += 1
        by_language[t["language"]].append(
            (
                row.language == t["language"],
                row.intent == t["intent"],
                (row.order_number or "") == t["order"],
                row.intent == "unknown",
            )
        )
        if t["chargeback"] == "1":
            threats.append("chargeback threat" in (row.urgency_reasons or ""))
    print("   language  n    language  intent  unknown  order link")
    for language in ("en", "de", "fr", "es", "it", "nl", "pl", "sv"):
        found = by_language[language]
        mean = [float(np.mean([f[k] for f in found])) for k in range(4)]
        print(
            f"   {language:8} {len(found):4}  {mean[0]:8.3f}  {mean[1]:6.3f}  "
            f"{mean[3]:7.3f}  {mean[2]:10.3f}"
        )
    every = [f for found in by_language.values() for f in found]
    mean = [float(np.mean([f[k] for f in every])) for k in range(4)]
    print(
        f"   all      {len(every):4}  {mean[0]:8.3f}  {mean[1]:6.3f}  {mean[3]:7.3f}"
        f"  {mean[2]:10.3f}"
    )
    print(f"   chargeback threats seen by urgency: {sum(threats)} of {len(threats)}")
    print(f"   most frequent intent errors (truth, found): {confusions.most_common(6)}")
    per_intent: dict[str, list[bool]] = defaultdict(list)
    for row in rows:
        t = truth[row.message_key]
        per_intent[t["intent"]].append(row.intent == t["intent"])
    print(
        "   intent accuracy per true intent: "
        + ", ".join(
            f"{k} {np.mean(v):.2f} ({len(v)})" for k, v in sorted(per_intent.items())
        )
    )


def read_banking77(path: Path) -> tuple[list[str], list[str]]:
    """``text,category`` rows of a BANKING77 file. PolyAI's files quote texts with
    commas; some mirrors do not (and break a few texts over lines), so a record is
    everything up to ``,<label>`` at the end of a line."""
    raw = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    body = raw.split("\n", 1)[1]
    texts, labels = [], []
    for match in re.finditer(r"(.*?),([A-Za-z_]+\??)[ \t]*(?:\n|$)", body, re.S):
        text = match.group(1).strip()
        if len(text) >= 2 and text[0] == text[-1] == '"':
            text = text[1:-1].replace('""', '"')
        texts.append(" ".join(text.split()))
        labels.append(match.group(2))
    return texts, labels


def train_service(home: Path, texts: list[str], labels: list[str], name: str) -> Any:
    """Train through ``train_intents_file`` (what ``support intents train`` runs)
    from a CSV; return (summary, wall s, CPU s of this process)."""
    from tradepilot.text.service import train_intents_file

    path = home / f"{name}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "intent"])
        writer.writerows(zip(texts, labels, strict=True))
    wall, cpu = time.perf_counter(), time.process_time()
    summary = train_intents_file(
        home, path=path, text_col="text", label_col="intent", name=name
    )
    return summary, time.perf_counter() - wall, time.process_time() - cpu


def section_banking77(folder: Path) -> None:
    import tempfile

    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline, make_union
    from sklearn.svm import LinearSVC

    from tradepilot.text import registry
    from tradepilot.text.service import classify_intents

    train, test = folder / "train.csv", folder / "test.csv"
    if not (train.is_file() and test.is_file()):
        print(
            f"\n9. BANKING77: skipped, {folder} has no train.csv and test.csv. Get "
            f"banking_data/train.csv and banking_data/test.csv from {BANKING77_SOURCE} "
            "into that folder (or pass --banking77 DIR / set TRADEPILOT_BANKING77)."
        )
        return
    xtr, ytr = read_banking77(train)
    xte, yte = read_banking77(test)
    print(
        f"\n9. BANKING77 ({folder}): {len(xtr):,} train, {len(xte):,} test, "
        f"{len(set(ytr))} intents, fixed split; load {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} CPUs"
    )
    start, cpu = time.perf_counter(), time.process_time()
    reference = make_pipeline(
        make_union(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
        ),
        LinearSVC(),
    ).fit(xtr, ytr)
    ref_wall, ref_cpu = time.perf_counter() - start, time.process_time() - cpu
    svm = reference.predict(xte).tolist()
    print(
        f"   reference TF-IDF word 1-2 + char_wb 2-5 LinearSVC (scikit-learn): accuracy "
        f"{accuracy(yte, svm):.4f}, macro-F1 {macro_f1(yte, svm):.4f}, "
        f"trained in {ref_wall:.1f} s wall, {ref_cpu:.1f} s CPU"
    )
    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch)
        summary, wall, cpu_s = train_service(home, xtr, ytr, "banking77")
        found = classify_intents(xte, home=home, name="banking77")
        mine = [label for label, _ in found]
        model = registry.load_model(home, "intents", "banking77")
        forced = [model.classes_[i] for i in model.predict_proba(xte).argmax(axis=1)]
        unknown = sum(p == "unknown" for p in mine)
        print(
            f"   ours, abstentions wrong (target 0.92): accuracy {accuracy(yte, mine):.4f}, "
            f"macro-F1 {macro_f1(yte, mine):.4f}, {unknown} unknown, threshold "
            f"{summary['threshold']:.3f}"
        )
        print(
            f"   ours, no abstention                 : accuracy {accuracy(yte, forced):.4f}, "
            f"macro-F1 {macro_f1(yte, forced):.4f}"
        )
        print(
            f"   support intents train on {len(xtr):,} examples (3-fold CV threshold + "
            f"final fit): {wall:.1f} s wall, {cpu_s:.1f} s CPU (target < 120 s); "
            f"CV accuracy {summary['cv_accuracy']:.4f}, with abstention "
            f"{summary['cv_accuracy_with_abstention']:.4f}"
        )
        intents = sorted(set(ytr))
        unseen = set(random.Random(0).sample(intents, 15))
        keep = [i for i, y in enumerate(ytr) if y not in unseen]
        summary, wall, cpu_s = train_service(
            home, [xtr[i] for i in keep], [ytr[i] for i in keep], "banking62"
        )
        inside = [i for i, y in enumerate(yte) if y not in unseen]
        outside = [i for i, y in enumerate(yte) if y in unseen]
        found = classify_intents(xte, home=home, name="banking62")
        in_acc = accuracy([yte[i] for i in inside], [found[i][0] for i in inside])
        recall = float(np.mean([found[i][0] == "unknown" for i in outside]))
        print(
            f"   abstention: trained on {len(intents) - len(unseen)} intents "
            f"({len(keep):,} examples, {wall:.1f} s wall), threshold "
            f"{summary['threshold']:.3f} from training data; in-scope accuracy, "
            f"abstentions wrong {in_acc:.4f} on {len(inside):,} (target >= 0.91); "
            f"unknown recall on the {len(unseen)} unseen intents {recall:.3f} on "
            f"{len(outside):,} (target >= 0.60)"
        )


def main() -> None:
    # section 8 lives with the other review-language bench (it imports this file)
    from reviews_stars_bench import (
        REVIEWS_LANG_ENV,
        REVIEWS_LANG_HELP,
        section_reviews_language,
    )

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="subsample for a fast run")
    parser.add_argument("--only", type=int, nargs="*", help="sections to run (1-9)")
    parser.add_argument(
        "--reviews-lang",
        type=Path,
        help=f"section 8's data (or ${REVIEWS_LANG_ENV}): {REVIEWS_LANG_HELP}",
    )
    parser.add_argument(
        "--demo",
        type=Path,
        help="section 7 on this demo workspace (tradepilot demo --no-serve -w PATH), "
        "its messages triaged again, instead of building one",
    )
    parser.add_argument(
        "--banking77",
        type=Path,
        default=Path(os.environ.get("TRADEPILOT_BANKING77", BANKING77_DEFAULT)),
        help="folder with BANKING77's train.csv and test.csv (section 9)",
    )
    args = parser.parse_args()
    if not BITEXT.is_dir():
        raise SystemExit(f"shared data not found at {SHARED}")
    chosen = set(args.only or range(1, 10))
    print(f"text bench{' (quick)' if args.quick else ''}")
    if 1 in chosen:
        section_bitext(args.quick)
    if 2 in chosen:
        section_close(args.quick)
    if 3 in chosen:
        section_abstention(args.quick)
    if 4 in chosen:
        section_multilingual()
    if 5 in chosen:
        section_reviews(args.quick)
    if 6 in chosen:
        section_speed(10_000)
    if 7 in chosen:
        section_demo_support(not args.quick, args.demo)
    if 8 in chosen:
        section_reviews_language(args.reviews_lang)
    if 9 in chosen:
        section_banking77(args.banking77)


if __name__ == "__main__":
    main()
