"""The rest of the books: opening balances, bank rules and supplier payments,
unrealised FX at month end; every entry balances, the chain and closed periods
hold."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal

import pytest

from tradepilot.config import Settings
from tradepilot.domain.errors import DataValidationError
from tradepilot.ledger.books import categorise, parse_rules
from tradepilot.ledger.books_service import (
    categorise_bank,
    opening_balances,
    post_opening_balances,
    revalue_fx,
)
from tradepilot.ledger.reports import balance_sheet, profit_and_loss, trial_balance
from tradepilot.ledger.service import build_ledger, close_period, verify_ledger
from tradepilot.workspace import open_store

RULES = """\
rules:
  - {name: rent, match: "miete|lagerhaus", sign: debit, account: "6300"}
  - {name: ads, match: "google ads", sign: debit, account: "6100"}
  - {name: software, match: "shopify subscription", account: "6200"}
"""


def count(engine, sql: str) -> int:
    with engine.connect() as conn:
        return int(conn.exec_driver_sql(sql).scalar_one())


def entries(
    engine, kind: str
) -> list[tuple[int, list[tuple[str, str, Decimal, Decimal]]]]:
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT e.seq, l.account, l.currency, l.amount, l.base_amount FROM"
            " ledger_entries e JOIN ledger_lines l ON l.entry_seq = e.seq"
            f" WHERE e.kind = '{kind}' ORDER BY e.seq, l.line_no"
        ).all()
    found: dict[int, list[tuple[str, str, Decimal, Decimal]]] = {}
    for seq, account, currency, amount, base in rows:
        found.setdefault(seq, []).append(
            (account, currency, Decimal(str(amount)), Decimal(str(base)))
        )
    return list(found.items())


@pytest.fixture(scope="module")
def books(sim_home, sim_files, tmp_path_factory):
    """The simulated store with its payment files, built, then opening balances,
    bank rules and the month-end revaluations posted."""
    from tradepilot.demo import PAYMENT_IMPORTS
    from tradepilot.ingest.service import import_file

    home = tmp_path_factory.mktemp("books") / "ws"
    shutil.copytree(sim_home, home)
    engine = open_store(Settings(home=home, database_url=None))
    for key, fmt in PAYMENT_IMPORTS:
        import_file(engine, fmt=fmt, path=sim_files[key])
    build_ledger(engine, home=home)
    with engine.connect() as conn:
        first = conn.exec_driver_sql("SELECT min(date) FROM fx_rates").scalar_one()
    day = first if isinstance(first, dt.date) else dt.date.fromisoformat(str(first))
    opening = home / "opening.csv"
    opening.write_text(
        "account,currency,amount,as_of\n"
        f"1000,EUR,5000.00,{day}\n2100,USD,1200.00,{day}\n1200,EUR,800.00,{day}\n"
    )  # fmt: skip
    (home / "bank-rules.yaml").write_text(RULES)
    posted = {
        "opening": post_opening_balances(engine, path=opening),
        "rules": categorise_bank(engine, home=home),
        "revalue": revalue_fx(engine),
    }
    yield engine, home, posted
    engine.dispose()


def test_the_opening_entry_balances_against_equity(books):
    engine, _home, posted = books
    [(seq, lines)] = entries(engine, "opening")[-1:]
    assert seq == posted["opening"]["entry"]
    assert sum(b for *_, b in lines) == 0
    by_account = {a: b for a, _c, _m, b in lines}
    # assets 5,000 + 800 EUR, the USD 1,200 payable at the day's rate, rest equity
    assert by_account["1000"] == Decimal("5000.00")
    assert by_account["3000"] == -(Decimal("5800.00") + by_account["2100"])
    assert 900 < -by_account["2100"] < 1300
    assert opening_balances(engine)["entry"] == seq


def test_opening_balances_are_posted_once(books, tmp_path):
    engine, home, _posted = books
    before = count(engine, "SELECT count(*) FROM ledger_entries")
    with pytest.raises(DataValidationError, match="posted already"):
        post_opening_balances(engine, path=home / "opening.csv")
    assert count(engine, "SELECT count(*) FROM ledger_entries") == before


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("account,currency,amount,as_of\n4000,EUR,1,2024-01-01\n",
                     "not a balance-sheet account", id="income-account"),
        pytest.param("account,amount,as_of\n1000,1,2024-01-01\n",
                     "column\\(s\\) currency missing", id="missing-column"),
        pytest.param("account,currency,amount,as_of\n1000,EUR,ten,2024-01-01\n",
                     "expected an amount like", id="not-a-number"),
        pytest.param("account,currency,amount,as_of\n1000,EUR,1,2024-01-01\n"
                     "1100,EUR,1,2024-02-01\n", "the same as_of date", id="two-dates"),
    ],
)  # fmt: skip
def test_a_bad_opening_file_is_refused_before_anything_is_written(
    sim, tmp_path, text, message
):
    engine, _home = sim
    path = tmp_path / "opening.csv"
    path.write_text(text)
    with pytest.raises(DataValidationError, match=message):
        post_opening_balances(engine, path=path)
    assert count(engine, "SELECT count(*) FROM ledger_entries") == 0


def test_bank_rules_book_the_expenses_and_leave_payouts_to_the_providers(books):
    engine, home, posted = books
    rules = posted["rules"]
    assert set(rules["by_account"]) == {"6100", "6200", "6300"}
    assert rules["posted"] == rules["categorised"] > 0
    assert rules["lines"] == rules["payouts"] + rules["categorised"] + len(
        rules["uncategorised"]
    )
    # each bank entry moves the bank by exactly the statement line's amount
    for _seq, lines in entries(engine, "bank"):
        assert sum(b for *_, b in lines) == 0
        assert [a for a, *_ in lines][0] == "1000"
    rent = rules["by_account"]["6300"]["amount"]
    assert profit_and_loss(engine)["other_expenses_base"] >= rent
    # the payout credited twice is left for the seller to categorise
    assert any("PAYPAL" in u["text"] for u in rules["uncategorised"])
    again = categorise_bank(engine, home=home)
    assert (again["posted"], again["categorised"]) == (0, rules["categorised"])


def test_each_revaluation_balances_and_its_reversal_undoes_it(books):
    engine, _home, posted = books
    revaluations = entries(engine, "revaluation")
    assert posted["revalue"]["posted"] == len(revaluations) > 0
    for (_s1, made), (_s2, undone) in zip(
        revaluations[::2], revaluations[1::2], strict=True
    ):
        assert sum(b for *_, b in made) == 0
        assert [(a, c, -b) for a, c, _m, b in made] == [
            (a, c, b) for a, c, _m, b in undone
        ]
        assert all(m == 0 for a, _c, m, _b in made if a != "7010")
    assert revalue_fx(engine)["posted"] == 0


def test_the_books_still_balance_and_the_chain_holds(books):
    engine, _home, _posted = books
    sheet = balance_sheet(engine)
    assert trial_balance(engine)["difference"] == 0.0
    assert sheet["total_assets"] == pytest.approx(
        sheet["total_liabilities_and_equity"], abs=0.01
    )
    assert verify_ledger(engine)["ok"] is True


def test_a_closed_month_is_not_revalued(sim):
    engine, home = sim
    build_ledger(engine, home=home)
    with engine.connect() as conn:
        month = conn.exec_driver_sql(
            "SELECT min(period) FROM ledger_entries"
        ).scalar_one()
    close_period(engine, month)
    result = revalue_fx(engine, through=month)
    assert result["posted"] == 0
    assert result["notes"] == [f"{month} not revalued: it or the next month is closed"]
    assert verify_ledger(engine)["ok"] is True


LINE = {"account": "main", "date": dt.date(2024, 3, 1), "currency": "EUR",
        "reference": None}  # fmt: skip


@pytest.mark.parametrize(
    ("counterparty", "amount", "expected"),
    [
        pytest.param("Shenzhen Bright Co", "-900", ("2100", "Shenzhen Bright Co"),
                     id="supplier-payment"),
        pytest.param("Shenzhen Bright Co", "900", (None, None), id="supplier-refund"),
        pytest.param("Meta Ads", "-45", ("6100", None), id="ads-in-range"),
        pytest.param("Meta Ads", "-4500", ("6900", None), id="ads-out-of-range"),
        pytest.param("Unknown", "-5", (None, None), id="uncategorised"),
    ],
)  # fmt: skip
def test_supplier_payments_come_first_then_the_first_matching_rule(
    counterparty, amount, expected
):
    rules = parse_rules(
        {"rules": [{"match": "ads", "account": "6100", "sign": "debit", "max": 500},
                   {"match": "ads", "account": "6900"}]},
        "rules.yaml",
    )  # fmt: skip
    line = {**LINE, "counterparty": counterparty, "amount": Decimal(amount),
            "description": "payment"}  # fmt: skip
    found = categorise([line], rules, ["Shenzhen Bright Co"])
    booked = [(a, ch) for _l, a, _r, ch in found.booked]
    assert booked == ([] if expected[0] is None else [expected])
    assert len(found.uncategorised) == (1 if expected[0] is None else 0)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param({"rule": []}, "expected a list 'rules'", id="no-list"),
        pytest.param({"rules": [{"match": "x"}]}, "needs 'match'", id="no-account"),
        pytest.param({"rules": [{"match": "x", "account": "9999"}]},
                     "account '9999' is not in the chart", id="unknown-account"),
        pytest.param({"rules": [{"match": "(", "account": "6100"}]},
                     "rule 1: missing \\)", id="bad-regex"),
        pytest.param({"rules": [{"match": "x", "account": "6100", "sign": "out"}]},
                     "sign 'out'", id="bad-sign"),
    ],
)  # fmt: skip
def test_bad_rules_are_refused_with_the_rule_named(data, message):
    with pytest.raises(DataValidationError, match=message):
        parse_rules(data, "bank-rules.yaml")


def test_hand_computed_opening_revaluation_and_rules_on_both_stores(engine, tmp_path):
    # given EUR books with USD 1.10 on 15 Jan and 1.08 on 31 Jan (units per EUR)
    from pathlib import Path

    from tradepilot.ingest.service import import_file
    from tradepilot.ledger.service import post_expense
    from tradepilot.workspace import set_setting

    with engine.begin() as conn:
        set_setting(conn, "base_currency", "EUR")
    rates = tmp_path / "eurofxref-hist.csv"
    rates.write_text(
        "Date,USD,\n2024-03-11,1.09,\n2024-01-31,1.08,\n2024-01-15,1.10,\n"
    )
    import_file(engine, fmt="fx", path=rates)
    opening = tmp_path / "opening.csv"
    opening.write_text("account,currency,amount,as_of\n2100,USD,1100,2024-01-15\n")
    # when a USD 1,100 payable opens, February has an entry, January is revalued
    post_opening_balances(engine, path=opening)
    post_expense(engine, day=dt.date(2024, 2, 10), account="6200",
                 amount=Decimal("39"), currency="EUR", memo="software")  # fmt: skip
    revalued = revalue_fx(engine)
    # then 1,100 / 1.10 = 1,000.00 opened, 1,100 / 1.08 = 1,018.52 at the month end:
    # a loss of 18.52 on 31 Jan, reversed on 1 Feb
    opened = {a: b for a, _c, _m, b in entries(engine, "opening")[0][1]}
    assert opened == {"2100": Decimal("-1000.00"), "3000": Decimal("1000.00")}
    assert revalued["months"] == [
        {"period": "2024-01", "entries": 2, "fx_base": -18.52}
    ]
    made = [(a, c, m, b) for a, c, m, b in entries(engine, "revaluation")[0][1]]
    assert made == [("2100", "USD", 0, Decimal("-18.52")),
                    ("7010", "EUR", Decimal("18.52"), Decimal("18.52"))]  # fmt: skip
    # and the bank statement's rent is booked by a rule, the rest listed
    fixtures = Path(__file__).parents[1] / "payments" / "fixtures"
    import_file(engine, fmt="bank", path=fixtures / "bank_statement.csv")
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rules]]\nmatch = "miete"\nsign = "debit"\naccount = "6300"\n')
    booked = categorise_bank(engine, home=tmp_path, rules_file=rules)
    assert (booked["posted"], len(booked["uncategorised"])) == (1, 3)
    assert booked["by_account"]["6300"]["amount"] == 850.0
    assert trial_balance(engine)["difference"] == 0.0
    assert verify_ledger(engine)["ok"] is True
