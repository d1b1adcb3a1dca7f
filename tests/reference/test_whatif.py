"""What-if files: the three shipped examples, partial rows, errors, apply_change."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest

from tradepilot.domain.errors import ReferenceDataError
from tradepilot.reference import (
    EU_MEMBERS,
    apply_change,
    load_reference,
    read_rule_change,
)

D = dt.date
REF = load_reference()
EXAMPLES = Path(str(resources.files("tradepilot.reference") / "examples"))


def _write(tmp_path: Path, text: str, name: str = "change.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_example_de_vat_21() -> None:
    change = read_rule_change(EXAMPLES / "de_vat_21.yaml", REF)
    assert (change.name, change.effective_from) == (
        "DE standard VAT 21%",
        D(2027, 1, 1),
    )
    assert [(r.country, r.rate_type, r.rate, r.effective_from) for r in change.vat] == [
        ("DE", "standard", Decimal("0.21"), D(2027, 1, 1))
    ]
    assert change.vat[0].source == "what-if: de_vat_21.yaml"
    assert (change.regimes, change.duties, change.fees) == ((), (), ())


def test_example_eu_flat_duty_expands_to_members_and_completes_rows() -> None:
    change = read_rule_change(EXAMPLES / "eu_flat_duty_3.yaml", REF)
    assert {r.country for r in change.regimes} == EU_MEMBERS
    de = next(r for r in change.regimes if r.country == "DE")
    assert (de.flat_duty_per_item, de.flat_duty_max, de.duty_free_max) == (
        Decimal(3),
        Decimal(150),
        None,
    )
    # copied from the DE row in force on 2026-01-01 (IOSS)
    assert (de.scheme, de.seller_collects_max, de.currency, de.duty_basis) == (
        "IOSS",
        Decimal(150),
        "EUR",
        "CIF",
    )
    assert de.verified == ""


def test_example_gb_threshold_abolished() -> None:
    change = read_rule_change(EXAMPLES / "gb_threshold_abolished.yaml", REF)
    (gb,) = change.regimes
    assert (gb.country, gb.effective_from) == ("GB", D(2027, 1, 1))
    assert (gb.duty_free_max, gb.seller_collects_max) == (None, None)
    assert (gb.currency, gb.scheme) == ("GBP", "UK VAT")
    assert gb.note == "what-if: GB threshold abolished"


def test_apply_change_wins_from_its_date_only() -> None:
    change = read_rule_change(EXAMPLES / "gb_threshold_abolished.yaml", REF)
    changed = apply_change(REF, change)
    before = changed.regime("GB", D(2026, 12, 31))
    after = changed.regime("GB", D(2027, 1, 1))
    assert before is not None
    assert after is not None
    assert before.duty_free_max == Decimal(135)
    assert after.duty_free_max is None
    assert REF.regime("GB", D(2027, 1, 1)) == before  # base unchanged


def test_apply_vat_change() -> None:
    changed = apply_change(REF, read_rule_change(EXAMPLES / "de_vat_21.yaml", REF))
    assert changed.vat_rate("DE", D(2026, 12, 31)).rate == Decimal("0.19")
    assert changed.vat_rate("DE", D(2027, 1, 1)).rate == Decimal("0.21")


def test_partial_row_with_own_date_source_and_note(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "name: US tariff\n"
        "effective_from: 2027-01-01\n"
        "duties:\n"
        "  - {destination: US, hs_chapter: '61', rate: 0.25, effective_from: 2028-01-01,\n"
        "     source: 'https://example.org', note: guess}\n"
        "fees: []\n",
    )
    (row,) = read_rule_change(path, REF).duties
    assert (row.rate, row.effective_from, row.source, row.note) == (
        Decimal("0.25"),
        D(2028, 1, 1),
        "https://example.org",
        "guess",
    )


def test_partial_row_completed_from_base_at_its_date(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "name: EE back to 22\neffective_from: 2026-01-01\n"
        "vat: [{country: EE}]\nregimes: [{country: US, scheme: X}]\n",
    )
    change = read_rule_change(path, REF)
    assert change.vat[0].rate == Decimal("0.24")  # from the row in force on 2026-01-01
    assert change.vat[0].rate_type == "standard"
    assert change.regimes[0].duty_free_max is None
    assert change.regimes[0].scheme == "X"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "name: x\neffective_from: 2027-01-01\nvats: []\n",
            "change.yaml: unknown key(s) vats; allowed: name, effective_from",
            id="unknown-top-key",
        ),
        pytest.param(
            "name: x\neffective_from: 2027-01-01\nvat: [{country: DE, rat: 0.2}]\n",
            "change.yaml: vat[0]: unknown key(s) rat; allowed: country, rate_type",
            id="unknown-row-key",
        ),
        pytest.param(
            "name: x\neffective_from: 2027-02-30\n",
            "change.yaml: 'effective_from': expected a date YYYY-MM-DD; "
            "found '2027-02-30'",
            id="bad-date",
        ),
        pytest.param(
            "name: x\neffective_from: 2027-01-01\nvat: [{country: DE, rate: high}]\n",
            "change.yaml: vat[0], column 'rate': expected a rate as a fraction in "
            "[0, 1), e.g. 0.19 for 19%; found 'high'",
            id="rate-not-a-number",
        ),
        pytest.param(
            "name: x\neffective_from: 2027-01-01\nregimes: [{country: XX}]\n",
            "change.yaml: regimes[0], key 'country': expected an ISO 3166-1 "
            "alpha-2 country code such as 'DE'; found 'XX'",
            id="unknown-country",
        ),
        pytest.param(
            "name: x\neffective_from: 2027-01-01\nregimes: [{country: ZA}]\n",
            "change.yaml: regimes[0]: no regimes row for ZA in force on 2027-01-01",
            id="no-base-row",
        ),
        pytest.param(
            "name: x\neffective_from: 2027-01-01\nduties: [{hs_chapter: '61'}]\n",
            "change.yaml: duties[0]: 'destination' is missing",
            id="missing-key",
        ),
        pytest.param(
            "effective_from: 2027-01-01\n",
            "change.yaml: 'name' is missing",
            id="no-name",
        ),
        pytest.param("- a\n- b\n", "expected a mapping", id="not-a-mapping"),
        pytest.param("name: [unclosed\n", "cannot read what-if file", id="bad-yaml"),
    ],
)
def test_rule_change_errors_name_file_and_entry(
    tmp_path: Path, text: str, expected: str
) -> None:
    with pytest.raises(ReferenceDataError) as info:
        read_rule_change(_write(tmp_path, text), REF)
    assert expected in str(info.value)
