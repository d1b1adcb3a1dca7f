"""The demo: a fresh workspace built from the simulated store, with everything run.

:func:`build_demo` simulates a store (:mod:`tradepilot.simulate`), writes its exports
in their real formats, and imports them through the same importers a seller uses:
ECB-format rates, the product catalogue, Shopify and Amazon orders, the Shopify
customers export (marketing consent), purchase orders and inventory snapshots, the
payment providers' reports and the bank statement (reconciled at once), product
reviews and support messages (an mbox, triaged on import); then
it forecasts demand per SKU x country
(:func:`tradepilot.forecasting.service.forecast_demand`), backtests it on the last
12 weeks (:func:`~tradepilot.forecasting.service.backtest_demand`: the Forecasts
page's accuracy panel), plans a restock and prices margins, runs the monitors and
writes the daily brief. The store carries the injected risk events of
:mod:`tradepilot.simulate.risk_events` (a demand break, a late supplier, a VAT rise,
a return spike, fraudulent orders, an FX shock), so the brief has alerts to show.
The simulator's ground truth is kept beside the exports in ``demo-data/truth`` for
later capabilities to measure themselves against.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from tradepilot.auth.secrets import new_secret
from tradepilot.auth.service import create_owner
from tradepilot.config import Settings
from tradepilot.domain.errors import WorkspaceError
from tradepilot.forecasting.service import (
    ForecastSettings,
    backtest_demand,
    forecast_demand,
)
from tradepilot.ingest.report import ImportReport
from tradepilot.ingest.service import import_file
from tradepilot.logistics.config import CONFIG_FILENAME as TRADE_CONFIG_FILENAME
from tradepilot.logistics.service import margin_summary
from tradepilot.replenishment.config import CONFIG_FILENAME, load_purchasing_config
from tradepilot.replenishment.service import plan_restock
from tradepilot.simulate import SimulationConfig, simulate_store, write_store
from tradepilot.simulate.risk_events import (
    inject_risk_events,
    payment_events,
    write_rule_change,
)
from tradepilot.workspace import init_workspace, workspace_status

MARKER = ".tradepilot-demo"
DEFAULT_DEMO_HOME = Path("tradepilot-demo")
# (key of the file in write_store's result, import format), in dependency order.
IMPORTS = [
    ("eurofxref_hist", "fx"),
    ("products", "products"),
    ("shopify_orders", "shopify"),
    ("shopify_customers", "customers"),
    ("amazon_all_orders", "amazon"),
    ("purchase_orders", "purchase-orders"),
    ("inventory", "inventory"),
]
# The payment providers' files and the bank statement, reconciled after import.
PAYMENT_IMPORTS = [
    ("shopify_payments", "shopify-payments"),
    ("paypal_activity", "paypal"),
    ("amazon_settlement", "amazon-settlement"),
    ("bank_statement", "bank"),
]


DEMO_OWNER = "owner@demo.tradepilot"
# The demo's backtest leaves out the AutoETS and AutoTheta baselines: refitted for
# every conformal window of every series, they took 525 of the 544 s of a backtest
# of a fifth of the demo store (the rest: 14 s; `forecast backtest` runs them all).
DEMO_BASELINES = (
    "Naive",
    "MovingAverage8",
    "SeasonalNaive",
    "CrostonOptimized",
    "TSB",
    "ADIDA",
    "IMAPA",
)

# What the demo seller knows of its suppliers: minimum order values, and that the
# Chinese factory closes for the lunar new year (a public calendar, not the
# simulator's ground truth, which stays in demo-data/truth).
DEMO_PURCHASING = """\
# Purchasing settings of the demo shop (see tradepilot.replenishment.config).
service_level = 0.95
horizon_weeks = 8
holding_rate = 0.25
order_cost = 40.0

[modes.sea]
freight_per_kg = 0.9
[modes.air]
freight_per_kg = 5.0

[suppliers."Shenzhen Brightway Trading Co"]
min_order_value = 500.0
lunar_new_year = true
[suppliers."Hanoi Greenleaf Manufacturing"]
min_order_value = 400.0
[suppliers."Jaipur Heritage Exports"]
min_order_value = 300.0
[suppliers."Denizli Tekstil AS"]
min_order_value = 250.0
[suppliers."Porto Ceramica Lda"]
min_order_value = 150.0
"""

# Where the demo seller ships from and what an uncosted product costs, stated so
# that its margins do not carry the "not chosen yet" notes of a new workspace.
DEMO_TRADE = """\
# Trade settings of the demo shop (see tradepilot.logistics.config).
origin = "DE"                 # the demo's warehouse is in Germany
default_cost_share = 0.4      # cost of a product without one, share of its price
"""

# Bank rules of the demo shop (see docs/books.md): its statement's expenses.
DEMO_BANK_RULES = """\
# Bank-statement lines -> accounts, for 'tradepilot ledger rules' (docs/books.md).
rules:
  - {name: rent, match: "miete|lagerhaus", sign: debit, account: "6300"}
  - {name: advertising, match: "google ads", sign: debit, account: "6100"}
  - {name: software, match: "shopify subscription", sign: debit, account: "6200"}
"""


@dataclass
class DemoResult:
    """What :func:`build_demo` built, and how to log in to it."""

    home: Path
    imports: list[ImportReport] = field(default_factory=list)
    status: dict[str, Any] = field(default_factory=dict)
    owner_email: str = DEMO_OWNER
    owner_password: str = ""
    forecast: dict[str, Any] = field(default_factory=dict)
    backtest: dict[str, Any] = field(default_factory=dict)
    plan: dict[str, Any] = field(default_factory=dict)
    margins: dict[str, Any] = field(default_factory=dict)
    customers: dict[str, Any] = field(default_factory=dict)
    payments: dict[str, Any] = field(default_factory=dict)
    reviews: dict[str, Any] = field(default_factory=dict)
    monitors: dict[str, Any] = field(default_factory=dict)
    support: dict[str, Any] = field(default_factory=dict)
    brief: dict[str, Any] = field(default_factory=dict)


def prepare_home(home: Path) -> None:
    """Empty ``home`` for a new demo; refuse to touch a directory that is not one.

    Raises
    ------
    WorkspaceError
        If ``home`` holds files but no demo marker (it may be a real workspace).
    """
    if home.exists() and any(home.iterdir()):
        if not (home / MARKER).exists():
            raise WorkspaceError(
                f"{home} is not empty and is not a demo workspace; choose another"
                " --workspace for the demo"
            )
        shutil.rmtree(home)
    home.mkdir(parents=True, exist_ok=True)
    (home / MARKER).write_text("created by 'tradepilot demo'; safe to delete\n")


def _segments(engine: Any, home: Path) -> dict[str, Any]:
    """Segment the demo's customers (saved, so the Customers page opens at once)."""
    from tradepilot.customers.service import customer_segments

    return customer_segments(engine, home=home)


def _reconcile(engine: Any, home: Path) -> dict[str, Any]:
    """Reconcile the demo's payments (saved, so the Money page opens at once)."""
    from tradepilot.payments.service import reconcile_payouts

    return reconcile_payouts(engine, home=home)


def _demo_reviews(
    engine: Any, store: Any, home: Path, risk_truth: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Simulated reviews (ground truth in demo-data/truth/reviews.csv), imported.

    With ``risk_truth``, one well-reviewed SKU that no other injected event moves
    gets a bad batch (a review-sentiment event, added to the truth).
    """
    from tradepilot.reviews.service import import_reviews
    from tradepilot.simulate.reviews import simulate_reviews, write_reviews
    from tradepilot.simulate.risk_events import inject_review_spike

    reviews = simulate_reviews(store.orders, store.order_lines)
    if risk_truth is not None:
        moved = {
            e["subject"].removeprefix("sku ")
            for e in (*risk_truth["events"], *risk_truth["side_effects"])
        }
        end = dt.date.fromisoformat(risk_truth["end"])
        reviews, sku = inject_review_spike(
            reviews, store.orders, store.order_lines, end=end, exclude=moved
        )
        risk_truth["events"].append(
            {"kind": "review_sentiment", "subject": f"sku {sku}"}
        )
    paths = write_reviews(reviews, home / "demo-data")
    return import_reviews(engine, path=paths["reviews"], home=home, fmt="shopify")


def _demo_support(engine: Any, store: Any, home: Path) -> dict[str, Any]:
    """Simulated support messages in 8 languages (an mbox; ground truth in
    demo-data/truth/support_messages.csv), imported and triaged."""
    from tradepilot.service.service import import_messages
    from tradepilot.simulate.support import simulate_support, write_support

    paths = write_support(simulate_support(store.orders), home / "demo-data")
    return import_messages(engine, home=home, path=paths["support"])


def _watch(engine: Any, home: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run the monitors, then build the daily brief (saved: the Today page)."""
    from tradepilot.approvals import waiting_approvals
    from tradepilot.assistant.brief_service import build_brief
    from tradepilot.risk.service import run_monitors

    monitors = run_monitors(engine, home=home)
    return monitors, build_brief(engine, home=home, waiting=waiting_approvals(engine))


def build_demo(
    home: Path,
    *,
    config: SimulationConfig | None = None,
    progress: Callable[[str], None] = lambda _stage: None,
    forecast: bool = True,
    risk_events: bool = True,
) -> DemoResult:
    """Simulate a store into ``home`` and import it into an embedded SQLite store.

    Parameters
    ----------
    home : Path
        Demo workspace directory (emptied first; see :func:`prepare_home`).
    config : SimulationConfig, optional
        Simulator settings; the default is the full demo store.
    forecast : bool, default True
        Also run a demand forecast and its backtest, a restock plan and margins, as
        a seller would next (and, with them, the risk monitors).
    risk_events : bool, default True
        Inject the risk radar's events (:mod:`tradepilot.simulate.risk_events`:
        a demand break, a late supplier, a return spike, fraudulent orders, an FX
        shock, a VAT rule change, a bad review batch; the payments simulator's
        mistakes) with their truth in ``demo-data/truth/risk_events.json``.
    """
    prepare_home(home)
    progress("simulating the demo store")
    store = simulate_store(config or SimulationConfig())
    risk_truth: dict[str, Any] | None = None
    if risk_events:
        store, risk_truth = inject_risk_events(store)
    files = write_store(store, home / "demo-data")
    if risk_truth is not None:
        payments_truth = pl.read_csv(files["truth_payments"])
        risk_truth["events"] += payment_events(payments_truth)
    (home / CONFIG_FILENAME).write_text(DEMO_PURCHASING, encoding="utf-8")
    (home / TRADE_CONFIG_FILENAME).write_text(DEMO_TRADE, encoding="utf-8")
    (home / "bank-rules.yaml").write_text(DEMO_BANK_RULES, encoding="utf-8")
    settings = Settings(home=home, database_url=None)
    engine = init_workspace(settings, base_currency="EUR")
    if risk_truth is not None:  # a VAT rise ahead, in the workspace's reference files
        write_rule_change(home, risk_truth["rule_effective_from"])
    # A fresh random password per demo, kept in the demo folder (never a fixed secret).
    result = DemoResult(home=home, owner_password=new_secret()[:16])
    create_owner(engine, email=result.owner_email, password=result.owner_password)
    (home / "demo-login.txt").write_text(
        f"e-mail: {result.owner_email}\npassword: {result.owner_password}\n"
    )
    try:
        for key, fmt in IMPORTS + PAYMENT_IMPORTS:
            progress(f"importing {files[key].name}")
            result.imports.append(import_file(engine, fmt=fmt, path=files[key]))
        result.status = workspace_status(engine)
        progress("reconciling payments, payouts and the bank")
        result.payments = _reconcile(engine, home)
        progress("importing simulated product reviews (8 languages)")
        result.reviews = _demo_reviews(engine, store, home, risk_truth)
        if risk_truth is not None:
            truth_file = home / "demo-data" / "truth" / "risk_events.json"
            truth_file.parent.mkdir(parents=True, exist_ok=True)
            truth_file.write_text(json.dumps(risk_truth, indent=1), encoding="utf-8")
        progress("importing and triaging simulated support messages (8 languages)")
        result.support = _demo_support(engine, store, home)
        if forecast:
            progress("forecasting demand per SKU x country (model chosen per series)")
            result.forecast = forecast_demand(engine, ForecastSettings(n_jobs=2))
            progress("backtesting the forecast on the last 12 weeks against baselines")
            result.backtest = backtest_demand(
                engine, ForecastSettings(n_jobs=2), baselines=DEMO_BASELINES
            )
            progress("planning purchases under the demo's purchasing settings")
            result.plan = plan_restock(engine, load_purchasing_config(home))
            progress("pricing landed cost and margin per SKU x country")
            result.margins = margin_summary(engine, home=home)
            progress("segmenting customers")
            result.customers = _segments(engine, home)
            progress("running the monitors and writing the daily brief")
            result.monitors, result.brief = _watch(engine, home)
    finally:
        engine.dispose()
    return result
