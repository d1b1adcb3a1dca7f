"""VAT returns and exports of the simulated store's ledger."""

from __future__ import annotations

import csv
import datetime as dt
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from tradepilot.domain.errors import DataValidationError
from tradepilot.ledger.exports import audit_file, journal_csv, parse_quarter, vat_return
from tradepilot.ledger.reports import profit_and_loss
from tradepilot.ledger.service import build_ledger

TOOL = Path(__file__).resolve().parents[2] / "tools" / "verify_proof.py"


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2025Q1", dt.date(2025, 1, 1), dt.date(2025, 3, 31)),
        ("2024Q4", dt.date(2024, 10, 1), dt.date(2024, 12, 31)),
        ("2025-02", dt.date(2025, 2, 1), dt.date(2025, 2, 28)),
    ],
)
def test_periods_are_parsed(text, start, end):
    assert parse_quarter(text) == (start, end)


def test_a_bad_period_or_scheme_is_refused(sim):
    engine, _home = sim
    with pytest.raises(DataValidationError, match="not a quarter"):
        vat_return(engine, scheme="oss", period="2025Q5")
    with pytest.raises(DataValidationError, match="not one of"):
        vat_return(engine, scheme="us", period="2025Q1")


def test_the_oss_return_lists_member_states_other_than_the_origin(sim):
    engine, home = sim
    build_ledger(engine, home=home)

    result = vat_return(engine, scheme="oss", period="2024Q4")

    states = {row["member_state"] for row in result["member_states"]}
    assert states
    assert "DE" not in states  # the origin's own sales are domestic, not OSS
    for row in result["member_states"]:
        assert row["vat"] == pytest.approx(
            row["taxable_amount"] * row["vat_rate"], rel=0.01, abs=0.2
        )
    assert result["threshold"]["limit_eur"] == 10000.0


def test_the_uk_return_has_nine_boxes_and_box5_is_box3_less_box4(sim):
    engine, home = sim
    build_ledger(engine, home=home)

    boxes = vat_return(engine, scheme="uk", period="2024Q4")["boxes"]

    assert len(boxes) == 9
    assert boxes["box5_net_vat_to_pay"] == pytest.approx(
        boxes["box3_total_vat_due"] - boxes["box4_vat_reclaimed_on_purchases"]
    )
    assert boxes["box6_total_sales_ex_vat"] == int(boxes["box6_total_sales_ex_vat"])


def test_the_xero_journal_balances_per_entry(sim, tmp_path):
    engine, home = sim
    build_ledger(engine, home=home)

    result = journal_csv(engine, tmp_path / "journal.csv")

    with (tmp_path / "journal.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == result["rows"] > 0
    per_entry: dict[str, Decimal] = {}
    for row in rows:
        per_entry[row["*Narration"]] = per_entry.get(
            row["*Narration"], Decimal(0)
        ) + Decimal(row["*Amount"])
    assert set(per_entry.values()) == {Decimal(0)}
    day, month, year = rows[0]["*Date"].split("/")
    assert dt.date(int(year), int(month), int(day))


def test_the_audit_file_rechecks_without_the_database(sim, tmp_path):
    engine, home = sim
    build_ledger(engine, home=home)
    path = tmp_path / "audit.jsonl"
    written = audit_file(engine, path)

    done = subprocess.run([sys.executable, "-I", str(TOOL), "--audit", str(path)],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout
    assert written["head_hash"] in done.stdout

    lines = path.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[5])
    record["lines"][0][5] = "123456"
    lines[5] = json.dumps(record)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    changed = subprocess.run([sys.executable, "-I", str(TOOL), "--audit", str(path)],
                             capture_output=True, text=True, check=False)  # fmt: skip
    assert changed.returncode == 1
    assert "entry 5" in changed.stdout


def test_the_pnl_by_sku_and_channel_cover_the_sales(sim):
    engine, home = sim
    build_ledger(engine, home=home)
    total = profit_and_loss(engine)["revenue_base"]

    for by in ("sku", "channel"):
        rows = profit_and_loss(engine, by=by)["rows"]
        assert sum(r["revenue_base"] for r in rows) == pytest.approx(total, abs=0.05)
