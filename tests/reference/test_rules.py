"""Lookups by date, the duty fallback chain and fees on the packaged data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tradepilot.domain.errors import ReferenceDataError
from tradepilot.reference import (
    EU_MEMBERS,
    DutyRate,
    ReferenceData,
    VatRate,
    is_eu_member,
    load_reference,
)

D = dt.date
REF = load_reference()


def test_eu_members_are_the_27_without_gb() -> None:
    assert len(EU_MEMBERS) == 27
    assert "GB" not in EU_MEMBERS
    assert {"GR", "HR", "CY"} <= EU_MEMBERS


@pytest.mark.parametrize(
    ("country", "day", "member"),
    [
        pytest.param("GB", D(2020, 12, 31), True, id="gb-before-brexit"),
        pytest.param("GB", D(2021, 1, 1), False, id="gb-after-brexit"),
        pytest.param("HR", D(2013, 6, 30), False, id="hr-before-accession"),
        pytest.param("HR", D(2013, 7, 1), True, id="hr-member"),
        pytest.param("DE", D(2025, 1, 1), True, id="de"),
        pytest.param("CH", D(2025, 1, 1), False, id="ch"),
        pytest.param("EU", D(2025, 1, 1), False, id="eu-pseudo-code"),
    ],
)
def test_is_eu_member(country: str, day: dt.date, member: bool) -> None:
    assert is_eu_member(country, day) is member


@pytest.mark.parametrize(
    ("country", "day", "rate"),
    [
        pytest.param("FI", D(2024, 8, 31), "0.24", id="fi-before"),
        pytest.param("FI", D(2024, 9, 1), "0.255", id="fi-after"),
        pytest.param("SK", D(2024, 12, 31), "0.20", id="sk-before"),
        pytest.param("SK", D(2025, 1, 1), "0.23", id="sk-after"),
        pytest.param("EE", D(2025, 6, 30), "0.22", id="ee-before"),
        pytest.param("EE", D(2025, 7, 1), "0.24", id="ee-after"),
        pytest.param("RO", D(2025, 7, 31), "0.19", id="ro-before"),
        pytest.param("RO", D(2025, 8, 1), "0.21", id="ro-after"),
        pytest.param("CH", D(2023, 12, 31), "0.077", id="ch-before"),
        pytest.param("CH", D(2024, 1, 1), "0.081", id="ch-after"),
        pytest.param("SG", D(2023, 12, 31), "0.08", id="sg-2023"),
        pytest.param("SG", D(2024, 1, 1), "0.09", id="sg-2024"),
        pytest.param("DE", D(2020, 12, 31), "0.16", id="de-covid-cut"),
        pytest.param("US", D(2025, 1, 1), "0", id="us-no-vat"),
        pytest.param("CA", D(2025, 1, 1), "0.05", id="ca-federal-gst"),
        pytest.param("BR", D(2025, 1, 1), "0.17", id="br-icms"),
    ],
)
def test_standard_vat_rate_by_date(country: str, day: dt.date, rate: str) -> None:
    assert REF.vat_rate(country, day).rate == Decimal(rate)


def test_reduced_vat_rate() -> None:
    assert REF.vat_rate("DE", D(2025, 1, 1), "reduced").rate == Decimal("0.07")


def test_vat_of_unknown_country_names_country_date_and_coverage() -> None:
    with pytest.raises(ReferenceDataError) as info:
        REF.vat_rate("ZA", D(2025, 1, 1))
    message = str(info.value)
    assert "'ZA'" in message
    assert "2025-01-01" in message
    assert "countries covered: AT, AU, BE" in message
    assert info.value.code == "reference_data"


def test_vat_before_first_row_says_when_it_starts() -> None:
    with pytest.raises(ReferenceDataError, match="first row starts 2010-01-01"):
        REF.vat_rate("DE", D(2009, 12, 31))


@pytest.mark.parametrize(
    ("country", "day", "field", "value"),
    [
        pytest.param(
            "US", D(2025, 8, 28), "duty_free_max", Decimal(800), id="us-last-day"
        ),
        pytest.param("US", D(2025, 8, 29), "duty_free_max", None, id="us-suspended"),
        pytest.param("US", D(2025, 8, 29), "duty_basis", "FOB", id="us-fob"),
        pytest.param(
            "DE", D(2021, 6, 30), "vat_border_free_max", Decimal(22), id="eu-22"
        ),
        pytest.param(
            "DE", D(2021, 7, 1), "vat_border_free_max", None, id="eu-vat-1st-euro"
        ),
        pytest.param("FR", D(2021, 7, 1), "scheme", "IOSS", id="eu-ioss"),
        pytest.param(
            "IT", D(2026, 6, 30), "duty_free_max", Decimal(150), id="eu-relief"
        ),
        pytest.param("IT", D(2026, 6, 30), "flat_duty_per_item", None, id="eu-no-flat"),
        pytest.param(
            "IT", D(2026, 7, 1), "flat_duty_per_item", Decimal(3), id="eu-flat"
        ),
        pytest.param("IT", D(2026, 7, 1), "duty_free_max", None, id="eu-relief-ends"),
        pytest.param("GB", D(2021, 1, 1), "seller_collects_max", Decimal(135), id="gb"),
        pytest.param(
            "GB", D(2020, 12, 31), "vat_border_free_max", Decimal(15), id="gb-lvcr"
        ),
        pytest.param("AU", D(2018, 6, 30), "scheme", "", id="au-before"),
        pytest.param(
            "AU", D(2018, 7, 1), "seller_collects_max", Decimal(1000), id="au"
        ),
        pytest.param(
            "NO", D(2023, 12, 31), "vat_border_free_max", Decimal(350), id="no-350"
        ),
        pytest.param(
            "NO", D(2024, 1, 1), "vat_border_free_max", None, id="no-350-gone"
        ),
        pytest.param("SG", D(2022, 12, 31), "scheme", "", id="sg-before-ovr"),
        pytest.param("SG", D(2023, 1, 1), "scheme", "OVR", id="sg-ovr"),
        pytest.param(
            "NZ", D(2019, 12, 1), "seller_collects_max", Decimal(1000), id="nz"
        ),
        pytest.param("CA", D(2025, 1, 1), "duty_free_max", Decimal(20), id="ca"),
        pytest.param(
            "JP", D(2025, 1, 1), "vat_border_free_max", Decimal(10000), id="jp"
        ),
        pytest.param("KR", D(2025, 1, 1), "currency", "USD", id="kr-usd"),
        pytest.param("BR", D(2024, 8, 1), "scheme", "Remessa Conforme", id="br"),
        pytest.param(
            "CH", D(2024, 1, 1), "vat_border_free_max", Decimal(62), id="ch-62"
        ),
    ],
)
def test_regime_by_date(country: str, day: dt.date, field: str, value: object) -> None:
    regime = REF.regime(country, day)
    assert regime is not None
    assert getattr(regime, field) == value


def test_every_eu_member_has_the_three_eu_rows() -> None:
    for member in EU_MEMBERS:
        days = sorted(r.effective_from for r in REF.regimes if r.country == member)
        assert days == [D(2010, 1, 1), D(2021, 7, 1), D(2026, 7, 1)], member


def test_regime_of_uncovered_country_or_day_is_none() -> None:
    assert REF.regime("ZA", D(2025, 1, 1)) is None
    assert REF.regime("KR", D(2014, 6, 30)) is None


def test_every_regime_row_says_how_it_was_verified() -> None:
    assert {r.verified for r in REF.regimes} == {"stored-copy", "knowledge"}


@pytest.mark.parametrize(
    ("destination", "hs_code", "day", "expected"),
    [
        pytest.param(
            "US", "6109100012", D(2025, 1, 1), ("US", "61"), id="dest-chapter"
        ),
        pytest.param("DE", "610910", D(2025, 1, 1), ("EU", "61"), id="eu-chapter"),
        pytest.param("GB", "610910", D(2020, 12, 31), ("EU", "61"), id="gb-as-member"),
        pytest.param("GB", "610910", D(2021, 1, 1), ("GB", "61"), id="gb-own-tariff"),
        pytest.param("US", "010121", D(2025, 1, 1), ("US", "*"), id="dest-star"),
        pytest.param("DE", "010121", D(2025, 1, 1), ("EU", "*"), id="eu-star"),
        pytest.param("ZA", "6109.10", D(2025, 1, 1), ("*", "61"), id="star-chapter"),
        pytest.param("ZA", "010121", D(2025, 1, 1), ("*", "*"), id="star-star"),
        pytest.param("US", None, D(2025, 1, 1), ("US", "*"), id="no-hs-code"),
        pytest.param("CH", "610910", D(2023, 12, 31), ("CH", "61"), id="ch-before"),
    ],
)
def test_duty_fallback_chain(
    destination: str, hs_code: str | None, day: dt.date, expected: tuple[str, str]
) -> None:
    row = REF.duty_rate(destination, hs_code, day)
    assert (row.destination, row.hs_chapter) == expected


def test_swiss_industrial_tariffs_abolished_in_2024() -> None:
    assert REF.duty_rate("CH", "610910", D(2023, 12, 31)).rate == Decimal("0.05")
    assert REF.duty_rate("CH", "610910", D(2024, 1, 1)).rate == Decimal(0)


def test_duty_rate_rejects_malformed_hs_code() -> None:
    with pytest.raises(ReferenceDataError, match="2 to 10 digits.*'61A'"):
        REF.duty_rate("US", "61A", D(2025, 1, 1))


def test_duty_rate_without_any_row_raises() -> None:
    with pytest.raises(ReferenceDataError, match="no duty rate for 'US'"):
        ReferenceData().duty_rate("US", "61", D(2025, 1, 1))


def test_fees_of_a_channel_one_row_per_kind() -> None:
    fees = REF.fees_of("etsy", D(2022, 4, 10))
    assert [(f.kind, f.percent) for f in fees] == [
        ("marketplace", Decimal("0.05")),
        ("payment", Decimal("0.03")),
    ]
    assert REF.fees_of("etsy", D(2022, 4, 11))[0].percent == Decimal("0.065")


def test_fees_of_web_and_unknown_channel() -> None:
    web = REF.fees_of("web", D(2025, 1, 1))
    assert [(f.kind, f.percent, f.fixed, f.currency) for f in web] == [
        ("marketplace", Decimal(0), Decimal(0), "EUR"),
        ("payment", Decimal("0.015"), Decimal("0.25"), "EUR"),
    ]
    assert REF.fees_of("shopee", D(2025, 1, 1)) == ()


def test_countries_cover_vat_and_regime_rows() -> None:
    assert {"DE", "GB", "US", "BR", "KR", "SG"} <= REF.countries()
    assert "EU" not in REF.countries()


def test_with_rows_appends_and_later_row_wins_same_date() -> None:
    src = "https://example.org"
    base = ReferenceData(
        vat=(VatRate("DE", "standard", Decimal("0.19"), D(2021, 1, 1), src),)
    )
    same_day = VatRate("DE", "standard", Decimal("0.20"), D(2021, 1, 1), src)
    changed = base.with_rows(vat=[same_day])
    assert len(changed.vat) == 2
    assert changed.vat_rate("DE", D(2022, 1, 1)).rate == Decimal("0.20")
    assert base.vat_rate("DE", D(2022, 1, 1)).rate == Decimal("0.19")


def test_with_rows_duty_new_row_from_its_date_only() -> None:
    row = DutyRate("US", "61", Decimal("0.25"), D(2027, 1, 1), "x")
    changed = REF.with_rows(duties=[row])
    assert changed.duty_rate("US", "61", D(2026, 12, 31)).rate == Decimal("0.16")
    assert changed.duty_rate("US", "61", D(2027, 1, 1)).rate == Decimal("0.25")
