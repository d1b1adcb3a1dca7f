import csv
import datetime as dt

import polars as pl
import pytest
from typer.testing import CliRunner

from tradepilot.automation.service import decide, list_approvals, propose
from tradepilot.cli.main import app
from tradepilot.config import Settings
from tradepilot.domain.errors import DataValidationError
from tradepilot.replenishment.plan_store import save_plan
from tradepilot.replenishment.restock_lines import LINE_SCHEMA
from tradepilot.workspace import init_workspace

PRICE = {"sku": "MUG-1", "price": 12.5, "currency": "EUR"}


def _plan(engine) -> int:
    day = dt.date(2025, 3, 2)
    lines = pl.DataFrame(
        [
            {"sku": "MUG-1", "supplier": "Acme", "mode": "sea", "qty": 40,
             "order_by": day, "arrival": day + dt.timedelta(days=30),
             "unit_cost": 2.5, "cost": 100.0, "currency": "USD", "cost_base": 95.0,
             "freight_base": 5.0, "expected_margin": 200.0, "reason": "below ROP"},
            {"sku": "TEE-2", "supplier": "Acme", "mode": "sea", "qty": 10,
             "order_by": day, "arrival": day + dt.timedelta(days=30),
             "unit_cost": 4.0, "cost": 40.0, "currency": "USD", "cost_base": 38.0,
             "freight_base": 2.0, "expected_margin": 50.0, "reason": "stockout"},
        ],
        schema=LINE_SCHEMA,
    )  # fmt: skip
    result = {"as_of": day.isoformat(), "base_currency": "EUR", "status": "optimal",
              "explanation": "test", "budget": None, "spent_base": 133.0,
              "forecast_run_id": None, "skus": 2, "skus_due": 2,
              "stockouts_projected": [], "solver": {}}  # fmt: skip
    with engine.begin() as conn:
        return save_plan(conn, result, {}, lines, seconds=0.1)


def _rows(path: str) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_approving_a_restock_plan_drafts_purchase_orders_and_writes_the_csv(
    engine, tmp_path
):
    plan_id = _plan(engine)
    approval = propose(engine, kind="restock_plan", title="Restock 2 SKUs",
                       payload={"plan_id": plan_id}, money_base=133.0,
                       source="weekly_restock")  # fmt: skip

    [pending] = list_approvals(engine)
    item = decide(engine, approval_id=approval, approve=True, home=tmp_path, by="me")

    assert pending["status"] == "pending"
    assert set(pending) >= {"id", "kind", "title", "payload", "money_base", "source",
                            "status", "created_at", "decided_at"}  # fmt: skip
    assert item["status"] == "approved"
    assert item["decided_by"] == "me"
    assert item["result"]["file"] == str(tmp_path / "outbox" /
                                         f"purchase-order-{approval}.csv")  # fmt: skip
    rows = _rows(item["result"]["file"])
    assert [(r["sku"], r["qty"], r["po_number"]) for r in rows] == [
        ("MUG-1", "40", f"TP-{plan_id}-001"),
        ("TEE-2", "10", f"TP-{plan_id}-001"),
    ]
    assert list_approvals(engine) == []
    assert [a["id"] for a in list_approvals(engine, status="approved")] == [approval]


def test_a_decided_item_cannot_be_decided_again(engine, tmp_path):
    approval = propose(engine, kind="price_change", title="Mug to 12.50",
                       payload=PRICE, source="cli")  # fmt: skip
    item = decide(engine, approval_id=approval, approve=False, home=tmp_path,
                  by="me", reason="too cheap")  # fmt: skip

    with pytest.raises(DataValidationError, match="already rejected"):
        decide(engine, approval_id=approval, approve=True, home=tmp_path)

    assert (item["status"], item["reason"], item["decided_by"]) == (
        "rejected", "too cheap", "me")  # fmt: skip
    assert item["decided_at"] is not None
    assert not (tmp_path / "outbox").exists()  # rejecting writes nothing


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("shopify", [{"Handle": "mug-1", "Title": "MUG-1", "Variant SKU": "MUG-1",
                      "Variant Price": "12.50"}]),
        ("generic", [{"sku": "MUG-1", "price": "12.50", "currency": "EUR"}]),
    ],
    ids=["shopify", "generic"],
)  # fmt: skip
def test_approving_a_price_change_writes_the_file_the_shop_imports(
    engine, tmp_path, fmt, expected
):
    approval = propose(engine, kind="price_change", title="Mug price",
                       payload={**PRICE, "format": fmt}, source="assistant")  # fmt: skip

    item = decide(engine, approval_id=approval, approve=True, home=tmp_path)

    assert _rows(item["result"]["file"]) == expected


@pytest.mark.parametrize(
    ("kind", "payload", "message"),
    [
        ("buy_ads", {}, "kind must be one of restock_plan, price_change"),
        ("price_change", {**PRICE, "price": -1}, "must be a positive number"),
        ("price_change", {**PRICE, "currency": "euro"}, "ISO-4217"),
        ("price_change", {**PRICE, "format": "woo"}, "generic or shopify"),
        ("restock_plan", {"plan": 3}, "needs 'plan_id' or a non-empty list"),
        ("restock_plan", {"lines": [{"sku": "A"}]}, "line 1 needs 'sku'"),
    ],
    ids=["kind", "price", "currency", "format", "no-plan", "no-qty"],
)
def test_a_bad_proposal_is_refused_and_nothing_is_queued(
    engine, kind, payload, message
):
    with pytest.raises(DataValidationError, match=message):
        propose(engine, kind=kind, title="t", payload=payload, source="cli")
    assert list_approvals(engine, status=None) == []


def test_an_action_that_fails_leaves_the_item_pending(engine, tmp_path):
    approval = propose(engine, kind="restock_plan", title="gone plan",
                       payload={"plan_id": 999}, source="cli")  # fmt: skip

    with pytest.raises(DataValidationError, match="plan 999 does not exist"):
        decide(engine, approval_id=approval, approve=True, home=tmp_path)

    assert [a["status"] for a in list_approvals(engine)] == ["pending"]


@pytest.fixture(scope="module")
def cli_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("approvals") / "ws"
    engine = init_workspace(Settings(home=home, database_url=None),
                            base_currency="EUR")  # fmt: skip
    for n in range(2):
        propose(engine, kind="price_change", title=f"price {n}",
                payload={**PRICE, "price": 10.0 + n}, source="cli")  # fmt: skip
    engine.dispose()
    return home


def test_cli_lists_approves_and_rejects(cli_home):
    runner = CliRunner()
    w = ["-w", str(cli_home)]

    listed = runner.invoke(app, ["approvals", "list", "--json", *w])
    approved = runner.invoke(app, ["approvals", "approve", "1", "--json", *w])
    rejected = runner.invoke(
        app, ["approvals", "reject", "2", "--reason", "no", "--by", "ann", *w]
    )
    again = runner.invoke(app, ["approvals", "approve", "2", *w])

    assert listed.exit_code == 0
    assert '"count": 2' in listed.stdout
    assert approved.exit_code == 0, approved.output
    assert '"status": "approved"' in approved.stdout
    assert (cli_home / "outbox" / "price-change-1-MUG-1.csv").is_file()
    assert "approval 2 (price 1) is rejected" in rejected.stdout
    assert again.exit_code == 1
    assert "approval 2 was already rejected" in again.stderr
    assert "by ann" in again.stderr
