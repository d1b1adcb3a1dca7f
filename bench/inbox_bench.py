"""Inbox benchmark: triage throughput and the Inbox page's latency.

Builds a fresh SQLite workspace with the example till orders and ``--messages``
support messages (a CSV export in eight languages, order numbers in some), then

* imports and triages them (language, intent, sentiment with the text models,
  entities, order links, urgency) and, as the baseline in the same run, the same
  messages with the text models left out (entities, links and urgency only):
  messages per second of each and the ratio;
* requests the Inbox page (the queue of every message, ordered by urgency) and,
  as the baseline, the Overview page, ``--requests`` times each after 3 warm-up
  requests, in process (FastAPI's test client): p50, p95, max in ms, and the ratio.

Targets (issue 14): 10,000 messages triaged in < 30 s; the Inbox page < 300 ms.

Usage: ``python bench/inbox_bench.py [--messages N] [--requests N]``
"""

from __future__ import annotations

import argparse
import csv
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
OWNER = "bench@example.com"
PASSWORD = "correct horse battery"
WARMUP = 3
TEXTS = [
    "Wo ist meine Bestellung {order}? Sie ist noch nicht angekommen.",
    "Bonjour, je voudrais être remboursé pour la commande {order}.",
    "Hola, quiero cancelar mi pedido {order}, por favor.",
    "Ciao, potete mandarmi la fattura dell'ordine {order}?",
    "Hallo, ik wil mijn adres wijzigen voor bestelling {order}.",
    "Dzień dobry, gdzie jest moja paczka? Zamówienie {order}.",
    "Hej, när kommer min beställning {order}? Tack!",
    "This is unacceptable, order {order} arrived broken. I will file a chargeback!",
    "Hi, what are your delivery options to Switzerland?",
]
ORDERS = ["K-2024-0001", "K-2024-0002", "K-2024-0004", "", ""]
MAPPING = """\
channel: email
columns:
  message_id: id
  received_at: date
  sender_email: sender
  subject: subject
  body: body
"""


def write_messages(folder: Path, n: int, prefix: str) -> tuple[Path, Path]:
    """A CSV export of ``n`` messages and its mapping."""
    path = folder / f"{prefix}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "date", "sender", "subject", "body"])
        for i in range(n):
            order = ORDERS[i % len(ORDERS)]
            text = TEXTS[i % len(TEXTS)].format(order=order or "")
            day = 1 + i % 28
            writer.writerow(
                [f"{prefix}-{i}", f"2024-03-{day:02d}T10:00:00Z",
                 f"c{i % 700}@example.com", f"Question {i}", text]
            )  # fmt: skip
    mapping = folder / "mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    return path, mapping


def workspace(root: Path, name: str) -> Any:
    from tradepilot.auth.service import create_owner
    from tradepilot.config import Settings
    from tradepilot.ingest.service import import_file
    from tradepilot.workspace import init_workspace

    settings = Settings(home=root / name, database_url=None)
    engine = init_workspace(settings)
    import_file(
        engine,
        fmt="generic",
        path=EXAMPLES / "orders.example.csv",
        mapping=EXAMPLES / "mapping.example.yaml",
    )
    create_owner(engine, email=OWNER, password=PASSWORD)
    return settings, engine


def triage_seconds(root: Path, n: int, *, with_text: bool) -> tuple[float, Any]:
    from tradepilot.service import triage
    from tradepilot.service.service import import_messages

    name = "with-text" if with_text else "without-text"
    settings, engine = workspace(root, name)
    path, mapping = write_messages(root, n, name)
    saved = triage.TEXT_SERVICE
    if not with_text:
        triage.TEXT_SERVICE = "tradepilot.absent_text_capability"
    else:
        triage.text_service()  # load the models before timing (once per process)
        import tradepilot.text.service as text

        text.detect_languages(["warm up the language models"])  # loads lingua's
        text.classify_intents(["warm up"])
    try:
        started = time.perf_counter()
        report = import_messages(engine, home=settings.home, path=path, mapping=mapping)
        seconds = time.perf_counter() - started
    finally:
        triage.TEXT_SERVICE = saved
    assert report["added"] == n, report
    return seconds, (settings, engine)


def latencies(client: Any, path: str, requests: int) -> list[float]:
    for _ in range(WARMUP):
        assert client.get(path).status_code == 200
    found = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path)
        found.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text[:200]
    return found


def log_in(client: Any) -> None:
    page = client.get("/login").text
    token = re.search(r'name="csrf_token"\s+value="([^"]+)"', page)
    assert token is not None
    client.post(
        "/login",
        data={"email": OWNER, "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"p50 {statistics.median(ordered):7.1f}  p95 {p95:7.1f}  max {ordered[-1]:7.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    from fastapi.testclient import TestClient

    from tradepilot.app import create_app

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        base, _ = triage_seconds(root, args.messages, with_text=False)
        ours, (settings, engine) = triage_seconds(root, args.messages, with_text=True)
        n = args.messages
        print(f"triage of {n:,} messages (import, entities, links, urgency):")
        print(f"  without text models (baseline): {base:6.1f} s, {n / base:8.0f}/s")
        print(f"  with language, intent, sentiment: {ours:6.1f} s, {n / ours:8.0f}/s")
        print(f"  ratio with/without: {ours / base:.2f}x;"
              f" 10,000 messages at this rate: {10_000 * ours / n:.1f} s (target < 30 s)")  # fmt: skip
        engine.dispose()
        app = create_app(settings)
        with TestClient(app) as client:
            log_in(client)
            inbox = latencies(client, "/inbox", args.requests)
            overview = latencies(client, "/", args.requests)
        app.state.tradepilot.engine.dispose()
    print(f"page latency, ms, {args.requests} requests each ({n:,} messages queued):")
    print(f"  Inbox page            {summary(inbox)}   (target p95 < 300 ms)")
    print(f"  Overview (baseline)   {summary(overview)}")
    ratio = statistics.median(inbox) / statistics.median(overview)
    print(f"  ratio Inbox/Overview p50: {ratio:.2f}x")


if __name__ == "__main__":
    main()
