"""Loading packaged data and workspace overrides; malformed files."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from tradepilot.domain.errors import ReferenceDataError
from tradepilot.reference import load_reference

D = dt.date
VAT_HEADER = "country,rate_type,rate,effective_from,source,note\n"


def _override(home: Path, name: str, content: str) -> Path:
    folder = home / "reference"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(content, encoding="utf-8")
    return path


def test_packaged_data_is_cached_and_home_without_overrides_is_the_same(
    tmp_path: Path,
) -> None:
    assert load_reference() is load_reference()
    assert load_reference(tmp_path) is load_reference()


def test_every_row_has_an_https_source() -> None:
    ref = load_reference()
    rows = [*ref.vat, *ref.regimes, *ref.duties, *ref.fees]
    assert all(r.source.startswith("https://") for r in rows)


def test_workspace_row_wins_for_same_key_and_date(tmp_path: Path) -> None:
    _override(
        tmp_path,
        "vat_rates.csv",
        VAT_HEADER + "DE,standard,0.2,2021-01-01,https://example.org,mine\n",
    )
    ref = load_reference(tmp_path)
    assert ref.vat_rate("DE", D(2025, 1, 1)).rate == Decimal("0.2")
    assert ref.vat_rate("DE", D(2020, 12, 31)).rate == Decimal("0.16")
    assert load_reference().vat_rate("DE", D(2025, 1, 1)).rate == Decimal("0.19")


def test_workspace_regime_without_optional_columns(tmp_path: Path) -> None:
    _override(
        tmp_path,
        "import_regimes.csv",
        "country,effective_from,currency,duty_free_max,vat_border_free_max,"
        "seller_collects_max,scheme,flat_duty_per_item,flat_duty_max,duty_basis,"
        "registration,source\n"
        "ZA,2025-01-01,ZAR,500,,,,,,FOB,,https://www.sars.gov.za\n",
    )
    regime = load_reference(tmp_path).regime("ZA", D(2025, 6, 1))
    assert regime is not None
    assert (regime.duty_free_max, regime.vat_border_free_max, regime.verified) == (
        Decimal(500),
        None,
        "",
    )


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        pytest.param(
            "vat_rates.csv",
            VAT_HEADER + "DE,standard,0.19,2021-01-01,https://x,\n"
            "DE,standard,19%,2022-01-01,https://x,\n",
            "vat_rates.csv: row 3, column 'rate': expected a rate as a fraction in "
            "[0, 1), e.g. 0.19 for 19%; found '19%'",
            id="rate-not-a-number",
        ),
        pytest.param(
            "vat_rates.csv",
            VAT_HEADER + "DE,standard,19,2021-01-01,https://x,\n",
            "row 2, column 'rate': expected a rate as a fraction in [0, 1)",
            id="rate-as-percent",
        ),
        pytest.param(
            "vat_rates.csv",
            VAT_HEADER + "XX,standard,0.2,2021-01-01,https://x,\n",
            "row 2, column 'country': expected an ISO 3166-1 alpha-2 country code "
            "such as 'DE'; found 'XX'",
            id="unknown-country",
        ),
        pytest.param(
            "duty_rates.csv",
            "destination,hs_chapter,rate,effective_from,source,note\n"
            "US,61,0.1,2025-13-01,https://x,\n",
            "duty_rates.csv: row 2, column 'effective_from': expected a date "
            "YYYY-MM-DD; found '2025-13-01'",
            id="bad-date",
        ),
        pytest.param(
            "duty_rates.csv",
            "destination,hs_chapter,rate,effective_from,source,note\n"
            "US,6109,0.1,2025-01-01,https://x,\n",
            "row 2, column 'hs_chapter': expected a 2-digit HS chapter",
            id="chapter-4-digits",
        ),
        pytest.param(
            "fees.csv",
            "channel,kind,percent,fixed,currency,effective_from,source,note\n"
            "amazon,referral,0.15,0,USD,2025-01-01,https://x,\n",
            "fees.csv: row 2, column 'kind': expected one of 'marketplace', "
            "'payment'; found 'referral'",
            id="bad-kind",
        ),
        pytest.param(
            "fees.csv",
            "channel,kind,percent,fixed,currency,effective_from,source,note\n"
            "amazon,payment,0,0,USD,2025-01-01,,\n",
            "row 2, column 'source': expected a non-empty text; found ''",
            id="no-source",
        ),
        pytest.param(
            "vat_rates.csv",
            "country,rate_type,rate,from,source\n",
            "row 1 (header): expected columns country, rate_type, rate, "
            "effective_from, source, note (optional: note); missing: "
            "effective_from; unknown: from",
            id="bad-header",
        ),
        pytest.param(
            "vat_rates.csv",
            VAT_HEADER + "DE,standard,0.2,2021-01-01,https://x,,extra\n",
            "row 2: expected 6 cells or fewer; found more",
            id="too-many-cells",
        ),
    ],
)
def test_malformed_override_names_file_row_and_column(
    tmp_path: Path, name: str, content: str, expected: str
) -> None:
    path = _override(tmp_path, name, content)
    with pytest.raises(ReferenceDataError) as info:
        load_reference(tmp_path)
    assert str(path) in str(info.value)
    assert expected in str(info.value)


def test_row_number_counts_multiline_cells(tmp_path: Path) -> None:
    _override(
        tmp_path,
        "vat_rates.csv",
        VAT_HEADER + 'DE,standard,0.19,2021-01-01,https://x,"two\nlines"\n'
        "DE,standard,abc,2022-01-01,https://x,\n",
    )
    with pytest.raises(ReferenceDataError, match="row 4, column 'rate'"):
        load_reference(tmp_path)
