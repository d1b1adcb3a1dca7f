"""Every command that takes ``--json`` prints exactly one JSON document on stdout.

The commands are read from the Typer app, so a new command is covered as soon as it
exists. They run in turn in one separate process (``json_runner.py``) on a workspace
holding the small simulated store, each with file descriptors 1 and 2 pointed at
files: C libraries (HiGHS, LightGBM) write to descriptor 1 directly, which a runner
capturing ``sys.stdout`` would not see. A command that needs arguments gets them from
``ARGUMENTS``; one missing there fails with its usage error on stderr.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import typer
from tests.simstore import SIM, import_store

from tradepilot.auth.service import create_token
from tradepilot.cli.main import app
from tradepilot.config import Settings
from tradepilot.customers.privacy import merge_customers
from tradepilot.forecasting.service import ForecastSettings, forecast_demand
from tradepilot.ledger.service import build_ledger, close_period
from tradepilot.logistics.impact import example_path
from tradepilot.replenishment.config import load_purchasing_config
from tradepilot.replenishment.service import plan_restock
from tradepilot.risk.service import run_monitors
from tradepilot.workspace import init_workspace

# The demo builds the small simulated store instead of the two-year one.
SMALL_DEMO = (
    "import datetime\n"
    "import tradepilot.demo\n"
    "from tradepilot.simulate import SimulationConfig\n"
    f"tradepilot.demo.SimulationConfig = lambda: {SIM!r}\n"
)


@dataclass(frozen=True)
class Prepared:
    """A workspace with the simulated store, a forecast, a plan and a token."""

    home: Path
    files: dict[str, Path]
    plan_line: int
    token: str
    weekly: Path
    customers: list[str]  # repeat buyers, as their source file writes them
    sku: str  # the best-selling product
    cutoff: str  # a day with sales before and after it


def json_commands() -> list[str]:
    """Every command of the app with a ``--json`` option, as "group command"."""

    def walk(command: Any, path: tuple[str, ...]) -> Iterator[tuple[str, Any]]:
        yield " ".join(path), command  # a group's own options count too
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, (*path, name))

    root = typer.main.get_command(app)
    return [
        name
        for name, command in walk(root, ())
        if any("--json" in param.opts for param in command.params)
    ]


Arguments = Callable[[Prepared, Path], list[str]]


def _open_alert(p: Prepared, *, newest: bool) -> str:
    """An alert open now (other commands of this module re-run the monitors)."""
    import sqlite3

    with sqlite3.connect(p.home / "tradepilot.db") as db:
        order = "DESC" if newest else "ASC"
        row = db.execute(
            f"SELECT id FROM risk_alerts WHERE status = 'open' ORDER BY id {order}"
        ).fetchone()
    assert row, "the fixture's monitors raised no open alert"
    return str(row[0])


def _in(p: Prepared) -> list[str]:
    return ["-w", str(p.home)]


def _words(text: str) -> list[str]:
    return text.split()


# Arguments of the commands that need more than the workspace (tmp: the test's own
# directory, for files the command writes).
ARGUMENTS: dict[str, Arguments] = {
    "init": lambda p, tmp: ["-w", str(tmp / "fresh")],
    "demo": lambda p, tmp: ["--no-serve", "-w", str(tmp / "demo")],
    "import": lambda p, tmp: ["products", str(p.files["products"]), *_in(p)],
    "fx import": lambda p, tmp: [str(p.files["eurofxref_hist"]), *_in(p)],
    "quarantine export": lambda p, tmp: ["--out", str(tmp / "q.csv"), *_in(p)],
    "token create": lambda p, tmp: ["--name", "json-test", *_in(p)],
    "token revoke": lambda p, tmp: [p.token, *_in(p)],
    # the global model is LightGBM, which writes from C++ too
    "forecast run": lambda p, tmp: [
        *_words("--horizon 2 --n-jobs 1 --global-model"),
        *_in(p),
    ],
    "forecast backtest": lambda p, tmp: [*_words("--horizon 2 --n-jobs 1"), *_in(p)],
    "forecast export": lambda p, tmp: ["--out", str(tmp / "f.csv"), *_in(p)],
    "forecast series": lambda p, tmp: [
        str(p.weekly),
        *_words("--id listing --time week --target units --horizon 2 --n-jobs 1"),
        *["--out", str(tmp / "s.csv")],
    ],
    "plan allocate": lambda p, tmp: ["--cash", "1000", *_in(p)],
    "plan export": lambda p, tmp: ["--out", str(tmp / "plan.csv"), *_in(p)],
    "plan approve": lambda p, tmp: [str(p.plan_line), "--by", "test", *_in(p)],
    "landed-cost": lambda p, tmp: [
        *_words("--value 200 --currency USD --country US --weight-kg 1.5"),
        *_words("--date 2025-08-28"),
        *_in(p),
    ],
    "lanes best": lambda p, tmp: [*_words("--from CN --to US"), *_in(p)],
    "recommend for": lambda p, tmp: [p.customers[0], *_in(p)],
    "recommend together": lambda p, tmp: [p.sku, *_in(p)],
    "recommend export": lambda p, tmp: ["--out", str(tmp / "r.csv"), *_in(p)],
    "recommend evaluate": lambda p, tmp: [*_words(f"--cutoff {p.cutoff}"), *_in(p)],
    "customers show": lambda p, tmp: [p.customers[0], *_in(p)],
    "customers merge": lambda p, tmp: [*p.customers[1:3], *_in(p)],
    "customers unmerge": lambda p, tmp: [p.customers[3], *_in(p)],
    "customers forget": lambda p, tmp: [p.customers[4], *_in(p)],
    "ledger proof": lambda p, tmp: [_closed_entry(p), *_in(p)],
    "ledger close": lambda p, tmp: [p.cutoff[:7], *_in(p)],
    "ledger export": lambda p, tmp: ["--out", str(tmp / "journal.csv"), *_in(p)],
    "ledger audit-file": lambda p, tmp: ["--out", str(tmp / "audit.jsonl"), *_in(p)],
    "ledger reverse": lambda p, tmp: ["2", *_in(p)],
    "ledger expense": lambda p, tmp: [
        *_words("--account 6100 --amount 49.90 --currency EUR"),
        *["--date", _next_month(p.cutoff)],  # ledger close closes the cutoff's
        *_in(p),
    ],
    "vat return": lambda p, tmp: [*_words("--scheme oss --period 2025Q1"), *_in(p)],
    # the fixture ran the monitors: alerts 1 and 2 exist; #1001 is the first web order
    "alerts snooze": lambda p, tmp: [_open_alert(p, newest=True), *_in(p)],
    "alerts done": lambda p, tmp: [_open_alert(p, newest=False), *_in(p)],
    "risk mark": lambda p, tmp: ["#1001", "legit", *_in(p)],
    "rules impact": lambda p, tmp: [
        "--what-if",
        str(example_path("de_vat_21")),
        *_in(p),
    ],
}
ARGUMENTS.update(
    {
        # a fresh workspace: messages in the shared one would change the others
        "inbox import": lambda p, tmp: [str(_support_mail(tmp)), "-w", str(tmp)],
        "inbox show": lambda p, tmp: ["1", *_in(p)],  # no messages: a note
        "inbox draft": lambda p, tmp: ["1", *_in(p)],
        "inbox approve": lambda p, tmp: ["1", *_in(p)],
        "inbox send": lambda p, tmp: ["1", *_in(p)],
    }
)
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ARGUMENTS |= {
    "support intents train": lambda p, tmp: [
        str(EXAMPLES / "intents.example.csv"),
        *_words("--text-col message --label-col intent --name json"),
        *_in(p),
    ],
    "support intents predict": lambda p, tmp: [
        str(EXAMPLES / "intents.example.csv"),
        *_words("--text-col message --out"),
        str(tmp / "i.csv"),
        *_in(p),
    ],
    "support intents use": lambda p, tmp: ["default", *_in(p)],
    "reviews import": lambda p, tmp: [str(EXAMPLES / "reviews.example.csv"), *_in(p)],
    "reviews train": lambda p, tmp: [
        str(EXAMPLES / "reviews.example.csv"),
        *_words("--text-col body --rating-col rating --name json"),
        "-w",
        str(tmp),
    ],
    "reviews predict": lambda p, tmp: [
        str(EXAMPLES / "reviews.example.csv"),
        *_words("--text-col body --out"),
        str(tmp / "r.csv"),
        *_in(p),
    ],
    "reviews use": lambda p, tmp: ["default", *_in(p)],
    "inbox correct": lambda p, tmp: ["1", *_words("--intent track_order"), *_in(p)],
}
ARGUMENTS |= {
    "approvals approve": lambda p, tmp: [_proposal(p), *_in(p)],
    "approvals reject": lambda p, tmp: [_proposal(p), "--reason", "no", *_in(p)],
    "jobs run": lambda p, tmp: ["notifications", *_in(p)],  # nothing due: skipped
    "brief": lambda p, tmp: ["--date", p.cutoff, *_in(p)],
}
PRELUDES = {"demo": SMALL_DEMO}


def _support_mail(tmp: Path) -> Path:
    path = tmp / "question.eml"
    path.write_text(
        "From: Anna <anna@example.com>\nSubject: Order\nMessage-ID: <q@x>\n"
        "Date: Mon, 30 Nov 2026 10:00:00 +0100\n\nWhere is my parcel?\n"
    )
    return path


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory, sim_files) -> Prepared:
    root = tmp_path_factory.mktemp("json")
    home = root / "ws"
    engine = init_workspace(Settings(home=home, database_url=None), base_currency="EUR")
    import_store(engine, sim_files)
    forecast_demand(engine, ForecastSettings(horizon=12, n_jobs=1))
    plan = plan_restock(engine, load_purchasing_config(home))
    create_token(engine, name="to-revoke")
    customers, sku, cutoff = _people_and_products(engine)
    merge_customers(engine, left=customers[3], right=customers[5])  # to unmerge
    build_ledger(engine, home=home)
    close_period(engine, _first_month(engine))  # a closed period, for ledger proof
    run_monitors(engine, home=home)  # alerts to snooze and mark done
    engine.dispose()
    weekly = root / "weekly.csv"
    weeks = [dt.date(2024, 1, 5) + dt.timedelta(weeks=w) for w in range(30)]
    rows = [f"{name},{w},{5 + i % 4}" for name in ("mug", "tee")
            for i, w in enumerate(weeks)]  # fmt: skip
    weekly.write_text("\n".join(["listing,week,units", *rows]) + "\n")
    return Prepared(
        home, sim_files, plan["lines"][0]["id"], "to-revoke", weekly, customers,
        sku, cutoff,
    )  # fmt: skip


def _people_and_products(engine) -> tuple[list[str], str, str]:
    """Six repeat buyers whose id no other source uses, the best-selling product
    and the middle day of the sales."""
    with engine.connect() as conn:
        customers = (
            conn.execute(
                sa.text(
                    "SELECT c.external_id FROM customers c JOIN orders o"
                    " ON o.customer_id = c.id WHERE o.kind = 'sale' GROUP BY c.id,"
                    " c.external_id HAVING count(DISTINCT o.id) >= 3 AND"
                    " (SELECT count(*) FROM customers d"
                    "  WHERE d.external_id = c.external_id) = 1"
                    " ORDER BY c.id LIMIT 6"
                )
            )
            .scalars()
            .all()
        )
        sku = conn.execute(
            sa.text(
                "SELECT l.sku FROM order_lines l WHERE l.kind = 'product'"
                " GROUP BY l.sku ORDER BY sum(l.quantity) DESC, l.sku LIMIT 1"
            )
        ).scalar_one()
        first, last = conn.execute(
            sa.text("SELECT min(ordered_at), max(ordered_at) FROM orders")
        ).one()
    middle = _day(first) + (_day(last) - _day(first)) / 2
    return [str(c) for c in customers], str(sku), middle.isoformat()


def _first_month(engine) -> str:
    with engine.connect() as conn:
        return str(
            conn.execute(sa.text("SELECT min(period) FROM ledger_entries")).scalar_one()
        )


def _next_month(day: str) -> str:
    first = dt.date.fromisoformat(day).replace(day=28) + dt.timedelta(days=4)
    return first.replace(day=1).isoformat()


def _closed_entry(p: Prepared) -> str:
    engine = sa.create_engine(f"sqlite:///{p.home / 'tradepilot.db'}")
    with engine.connect() as conn:
        seq = conn.execute(
            sa.text(
                "SELECT min(seq) FROM ledger_entries e JOIN ledger_periods p"
                " ON p.period = e.period WHERE e.kind <> 'close'"
            )
        ).scalar_one()
    engine.dispose()
    return str(seq)


def _day(value: Any) -> dt.date:
    return dt.date.fromisoformat(str(value)[:10])


def test_the_json_commands_are_found_and_the_table_names_only_commands():
    found = json_commands()

    assert {"status", "plan restock", "forecast run", "margins"} <= set(found)
    assert set(ARGUMENTS) <= set(found)
    assert "serve" not in found


@pytest.fixture(scope="module")
def runner(prepared: Prepared) -> Iterator[subprocess.Popen[str]]:
    """One process that runs the commands in turn (``tests/cli/json_runner.py``)."""
    env = {**os.environ, "TRADEPILOT_HOME": str(prepared.home)}
    script = Path(__file__).with_name("json_runner.py")
    preludes = "".join(PRELUDES.values())
    process = subprocess.Popen(
        [sys.executable, str(script), preludes],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    yield process
    assert process.stdin is not None
    assert process.stdout is not None
    process.stdin.close()
    process.wait(timeout=60)
    process.stdout.close()


@dataclass(frozen=True)
class Done:
    returncode: int
    stdout: str
    stderr: str


def run_command(runner: subprocess.Popen[str], args: list[str], tmp: Path) -> Done:
    """Run one command in the runner; its fds 1 and 2 go to files under ``tmp``."""
    assert runner.stdin is not None
    assert runner.stdout is not None
    out, err = tmp / "stdout.txt", tmp / "stderr.txt"
    request = {"args": args, "stdout": str(out), "stderr": str(err)}
    runner.stdin.write(json.dumps(request) + "\n")
    runner.stdin.flush()
    reply = runner.stdout.readline()
    if not reply:
        pytest.fail(f"the command runner died (exit {runner.wait()})")
    code = json.loads(reply)["code"]
    return Done(code, out.read_text(), err.read_text())


@pytest.mark.parametrize("command", json_commands())
def test_stdout_is_exactly_one_json_document(
    command: str, prepared: Prepared, runner: subprocess.Popen[str], tmp_path: Path
):
    arguments = ARGUMENTS.get(command, lambda p, _tmp: _in(p))(prepared, tmp_path)

    done = run_command(runner, [*command.split(), *arguments, "--json"], tmp_path)

    assert done.returncode == 0, done.stderr
    try:
        document = json.loads(done.stdout)  # the whole of stdout, nothing around it
    except json.JSONDecodeError as exc:
        pytest.fail(f"stdout is not one JSON document ({exc}):\n{done.stdout[:400]}")
    assert isinstance(document, dict)


def _proposal(p: Prepared) -> str:
    """A new pending approval (a price change) in the prepared workspace."""
    from tradepilot.automation.service import propose
    from tradepilot.store.engine import create_engine

    engine = create_engine(Settings(home=p.home, database_url=None))
    payload = {"sku": p.sku, "price": 9.9, "currency": "EUR"}
    new_id = propose(engine, kind="price_change", title="json test",
                     payload=payload, source="test")  # fmt: skip
    engine.dispose()
    return str(new_id)


ARGUMENTS |= {
    "ask": lambda p, tmp: ["what needs my attention?", *_in(p)],
    "listings localise": lambda p, tmp: [p.sku, "--to", "de,fr", *_in(p)],
}


PAYMENT_FIXTURES = Path(__file__).resolve().parents[1] / "payments" / "fixtures"


def _discrepancy(tmp: Path) -> list[str]:
    """A fresh workspace with Shopify Payments rows of orders it lacks: the id of
    one of their discrepancies."""
    from tradepilot.ingest.service import import_file
    from tradepilot.payments.service import reconcile_payouts

    home = tmp / "payments"
    engine = init_workspace(Settings(home=home, database_url=None), base_currency="EUR")
    path = PAYMENT_FIXTURES / "shopify_payments_transactions.csv"
    import_file(engine, fmt="shopify-payments", path=path)
    key = reconcile_payouts(engine)["matched"]["open_ids"][0]
    engine.dispose()
    return [key, "--note", "checked", "-w", str(home)]


def _opening(p: Prepared, tmp: Path) -> list[str]:
    path = tmp / "opening.csv"
    day = _next_month(p.cutoff)  # ledger close closes the cutoff's month
    path.write_text(f"account,currency,amount,as_of\n1000,EUR,100.00,{day}\n")
    return ["--file", str(path), *_in(p)]


ARGUMENTS |= {
    "payouts resolve": lambda p, tmp: _discrepancy(tmp),
    "ledger opening": _opening,
}
