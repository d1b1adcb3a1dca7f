"""The ledger of the simulated store: every identity holds, builds are idempotent,
closed periods and missing rates are refused with nothing written."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.simstore import import_store

from tradepilot.domain.errors import DataValidationError, MissingRateError
from tradepilot.ledger.reports import (
    balance_sheet,
    cash_by_currency,
    profit_and_loss,
    trial_balance,
)
from tradepilot.ledger.service import (
    build_ledger,
    close_period,
    entry_proof,
    verify_ledger,
)
from tradepilot.reporting.service import compute_kpis
from tradepilot.workspace import init_workspace, workspace_status

TOOL = Path(__file__).resolve().parents[2] / "tools" / "verify_proof.py"


def count(engine, sql: str) -> int:
    with engine.connect() as conn:
        return int(conn.exec_driver_sql(sql).scalar_one())


def test_every_entry_balances_in_base_and_in_its_currency(sim):
    engine, home = sim
    build_ledger(engine, home=home)

    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT entry_seq, currency, base_amount, amount FROM ledger_lines"
        ).all()
    base: dict[int, Decimal] = {}
    own: dict[tuple[int, str], Decimal] = {}
    for seq, currency, base_amount, amount in rows:
        base[seq] = base.get(seq, Decimal(0)) + Decimal(str(base_amount))
        own[(seq, currency)] = own.get((seq, currency), Decimal(0)) + Decimal(
            str(amount)
        )
    assert len(base) > 1000
    assert set(base.values()) == {Decimal(0)}
    assert set(own.values()) == {Decimal(0)}


def test_the_trial_balance_sums_to_zero(sim):
    engine, home = sim
    build_ledger(engine, home=home)

    tb = trial_balance(engine)

    assert tb["difference"] == 0.0
    assert tb["total_debit"] == tb["total_credit"] > 0
    assert sum(Decimal(repr(a["balance"])) for a in tb["accounts"]) == 0


def test_pnl_sales_equal_status_revenue_to_the_cent(sim):
    engine, home = sim
    build_ledger(engine, home=home)

    pnl = profit_and_loss(engine)
    status = workspace_status(engine)

    assert pnl["sales_incl_vat_base"] == status["revenue_base"]
    assert pnl["sales_incl_vat_base"] == pytest.approx(
        pnl["revenue_base"] + pnl["vat_base"], abs=0.005
    )
    assert pnl["vat_base"] > 0


def test_pnl_months_and_countries_add_up_and_match_the_kpis(sim):
    engine, home = sim
    build_ledger(engine, home=home)
    kpis = {row["month"]: row["revenue"] for row in compute_kpis(engine).by["month"]}

    by_month = profit_and_loss(engine, by="month")
    by_country = profit_and_loss(engine, by="country")

    for pnl in (by_month, by_country):
        total = sum(Decimal(repr(r["sales_incl_vat_base"])) for r in pnl["rows"])
        assert abs(total - Decimal(repr(pnl["sales_incl_vat_base"]))) <= Decimal("0.01")
    for row in by_month["rows"]:  # carried rounding: a month within a cent
        assert row["sales_incl_vat_base"] == pytest.approx(
            kpis[row["month"]], abs=0.011
        )


def test_the_balance_sheet_balances(sim):
    engine, home = sim
    build_ledger(engine, home=home)

    sheet = balance_sheet(engine)

    assert sheet["total_assets"] == pytest.approx(
        sheet["total_liabilities_and_equity"], abs=0.001
    )
    assert cash_by_currency(engine)["rows"]


def test_a_second_build_posts_nothing_and_the_chain_is_intact(sim):
    engine, home = sim
    first = build_ledger(engine, home=home)

    second = build_ledger(engine, home=home)

    assert first["entries"] > 0
    assert second["entries"] == 0
    assert second["head_hash"] == first["head_hash"]
    assert verify_ledger(engine)["ok"] is True


def test_marketplace_vat_is_not_the_sellers_liability(sim):
    engine, home = sim
    build_ledger(engine, home=home)

    balances = {a["account"]: a["balance"] for a in trial_balance(engine)["accounts"]}

    assert balances.get("2210", 0.0) == 0.0
    assert balances["2200"] < 0


def test_posting_into_a_closed_period_is_refused_and_nothing_written(
    tmp_path, sim_files
):
    from tradepilot.config import Settings
    from tradepilot.demo import IMPORTS
    from tradepilot.ingest.service import import_file

    home = tmp_path / "ws"
    engine = init_workspace(Settings(home=home, database_url=None), base_currency="EUR")
    for key, fmt in IMPORTS:
        if key != "amazon_all_orders":
            import_file(engine, fmt=fmt, path=sim_files[key])
    build_ledger(engine, home=home)
    with engine.connect() as conn:
        month = conn.exec_driver_sql(
            "SELECT min(period) FROM ledger_entries"
        ).scalar_one()
    close_period(engine, month)
    entries = count(engine, "SELECT count(*) FROM ledger_entries")
    import_file(engine, fmt="amazon", path=sim_files["amazon_all_orders"])

    with pytest.raises(DataValidationError, match=f"period {month} is closed"):
        build_ledger(engine, home=home)
    assert count(engine, "SELECT count(*) FROM ledger_entries") == entries
    with pytest.raises(DataValidationError, match="already closed"):
        close_period(engine, month)
    engine.dispose()


def test_a_currency_without_rates_is_refused_and_nothing_written(sim):
    engine, home = sim
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM fx_rates WHERE currency = 'AUD'")

    with pytest.raises(MissingRateError, match="no FX rate for AUD"):
        build_ledger(engine, home=home)
    assert count(engine, "SELECT count(*) FROM ledger_entries") == 0


def test_a_bad_period_is_refused(sim):
    engine, _home = sim
    with pytest.raises(DataValidationError, match="YYYY-MM"):
        close_period(engine, "2025-13")


def test_a_proof_passes_the_standalone_script_and_fails_when_changed(sim, tmp_path):
    engine, home = sim
    build_ledger(engine, home=home)
    with engine.connect() as conn:
        month, seq = conn.exec_driver_sql(
            "SELECT period, max(seq) FROM ledger_entries GROUP BY period"
            " ORDER BY period LIMIT 1 OFFSET 2"
        ).one()
    close_period(engine, month)
    proof = entry_proof(engine, seq)
    good, bad = tmp_path / "proof.json", tmp_path / "changed.json"
    good.write_text(json.dumps(proof))
    proof["line_values"][0][5] = "1000000"
    bad.write_text(json.dumps(proof))

    def check(path: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-I", str(TOOL), str(path), "--root", proof["root"]],
            capture_output=True, text=True, check=False,
        )  # fmt: skip

    assert check(good).returncode == 0
    changed = check(bad)
    assert changed.returncode == 1
    assert "changed" in changed.stdout


def test_a_proof_needs_a_closed_period(sim):
    engine, home = sim
    build_ledger(engine, home=home)

    with pytest.raises(DataValidationError, match="not closed"):
        entry_proof(engine, 1)


def test_an_undone_import_is_reversed_not_edited(sim):
    from tradepilot.ingest.undo import undo_import

    engine, home = sim
    build_ledger(engine, home=home)
    with engine.connect() as conn:
        run = conn.exec_driver_sql(
            "SELECT max(source_run) FROM ledger_entries WHERE kind = 'sales'"
        ).scalar_one()
    before = profit_and_loss(engine)["sales_incl_vat_base"]
    undo_import(engine, run_id=run)

    result = build_ledger(engine, home=home)

    assert result["by_kind"]["reversal"] > 0
    assert verify_ledger(engine)["ok"] is True
    after = profit_and_loss(engine)["sales_incl_vat_base"]
    assert after == pytest.approx(workspace_status(engine)["revenue_base"], abs=0.011)
    assert after < before


@pytest.mark.postgres
def test_the_ledger_builds_and_verifies_on_postgresql(store_settings, sim_files):
    if store_settings.database_url is None:
        pytest.skip("the PostgreSQL run of this test")
    from tradepilot.store.engine import create_engine

    engine = create_engine(store_settings)
    import_store(engine, sim_files)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO settings VALUES ('base_currency', 'EUR')"))
    build_ledger(engine, home=store_settings.home)

    assert verify_ledger(engine)["ok"] is True
    assert trial_balance(engine)["difference"] == 0.0
    pnl = profit_and_loss(engine)
    assert pnl["sales_incl_vat_base"] == workspace_status(engine)["revenue_base"]
    engine.dispose()


def test_payments_inventory_and_cogs_keep_the_books_balanced(sim, sim_files):
    from tradepilot.demo import PAYMENT_IMPORTS
    from tradepilot.ingest.service import import_file

    engine, home = sim
    for key, fmt in PAYMENT_IMPORTS:
        import_file(engine, fmt=fmt, path=sim_files[key])

    built = build_ledger(engine, home=home)

    assert {"payments", "receipt", "cogs", "opening"} <= set(built["by_kind"])
    assert trial_balance(engine)["difference"] == 0.0
    pnl = profit_and_loss(engine)
    assert pnl["fees_base"] > 0
    assert 0 < pnl["cogs_base"] < pnl["revenue_base"]
    assert pnl["sales_incl_vat_base"] == workspace_status(engine)["revenue_base"]
    assert verify_ledger(engine)["ok"] is True
    assert build_ledger(engine, home=home)["entries"] == 0


def test_a_correction_is_a_reversing_entry_and_manual_expenses_post(sim):
    from tradepilot.ledger.service import post_expense, reverse_entry

    engine, home = sim
    build_ledger(engine, home=home)
    before = profit_and_loss(engine)

    reversed_ = reverse_entry(engine, 1, reason="test")
    with pytest.raises(DataValidationError, match="reversed already"):
        reverse_entry(engine, 1, reason="again")
    spent = post_expense(engine, day=dt.date(2025, 1, 15), account="6100",
                         amount=Decimal("49.90"), currency="USD", memo="ads")  # fmt: skip
    with pytest.raises(DataValidationError, match="not an expense account"):
        post_expense(engine, day=dt.date(2025, 1, 15), account="4000",
                     amount=Decimal(1), currency="EUR", memo="x")  # fmt: skip

    after = profit_and_loss(engine)
    assert reversed_["reverses"] == 1
    assert after["revenue_base"] < before["revenue_base"]
    assert after["other_expenses_base"] == pytest.approx(spent["amount_base"])
    assert 40 < spent["amount_base"] < 50  # USD at the day's rate
    assert trial_balance(engine)["difference"] == 0.0
    assert verify_ledger(engine)["ok"] is True
