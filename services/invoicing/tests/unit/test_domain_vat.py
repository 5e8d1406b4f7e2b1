"""VAT: dated rates, treatments and UNCL5305 category codes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from invoicing.domain.clients import Address, CompanyClient, PrivateClient
from invoicing.domain.errors import DomainValidationError
from invoicing.domain.vat import (
    BELGIAN_VAT_RATES,
    REVERSE_CHARGE_MENTION,
    LineVat,
    RateCategory,
    SupplyType,
    VatCategoryCode,
    VatRate,
    VatRateTable,
    VatRegime,
    VatTreatment,
    check_category_rate,
    check_regime_for_client,
    decide_regime,
    vat_rate,
)

BE_COMPANY = CompanyClient("Client SA", Address("Rue Haute 1", "Bruxelles", "BE", "1000"), vat_number="BE0123456749")
FR_COMPANY = CompanyClient("Client SARL", Address("Rue 1", "Paris", "FR", "75001"), vat_number="FR40303265045")
FR_COMPANY_NO_VAT = CompanyClient("Asso", Address("Rue 2", "Lyon", "FR", "69001"))
FR_PERSON = PrivateClient("Marie", Address("Rue 3", "Lille", "FR", "59000"))
US_COMPANY = CompanyClient("Corp Inc", Address("1 Main St", "Boston", "US", "02110"), vat_number="12-3456789")
US_PERSON = PrivateClient("John", Address("2 Main St", "Boston", "US"))
BE_PERSON = PrivateClient("Jan", Address("Kerkstraat 1", "Gent", "BE", "9000"))


def test_accommodation_rate_moves_from_6_to_12_on_1_march_2026() -> None:
    assert vat_rate(RateCategory.ACCOMMODATION, date(2026, 2, 28)) == Decimal(6)
    assert vat_rate(RateCategory.ACCOMMODATION, date(2026, 3, 1)) == Decimal(12)
    assert vat_rate(RateCategory.ACCOMMODATION, date(2030, 1, 1)) == Decimal(12)
    assert vat_rate(RateCategory.ACCOMMODATION, date(2020, 6, 15)) == Decimal(6)


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        (RateCategory.STANDARD, 21),
        (RateCategory.INTERMEDIATE, 12),
        (RateCategory.REDUCED, 6),
        (RateCategory.ZERO, 0),
    ],
)
def test_belgian_rates_unchanged_around_the_accommodation_change(category: RateCategory, expected: int) -> None:
    assert vat_rate(category, date(2026, 2, 28)) == Decimal(expected)
    assert vat_rate(category, date(2026, 3, 1)) == Decimal(expected)


def test_rates_are_data_rows_with_effective_dates() -> None:
    rows = {(r.category, r.effective_from): r.rate for r in BELGIAN_VAT_RATES.rows}
    assert rows[(RateCategory.ACCOMMODATION, date(2026, 3, 1))] == Decimal(12)
    assert all(isinstance(r.rate, Decimal) for r in BELGIAN_VAT_RATES.rows)


def test_a_later_rate_can_be_added_without_changing_the_past() -> None:
    table = BELGIAN_VAT_RATES.with_rate(VatRate(RateCategory.STANDARD, Decimal(22), date(2028, 1, 1)))
    assert table.rate_for(RateCategory.STANDARD, date(2027, 12, 31)) == Decimal(21)
    assert table.rate_for(RateCategory.STANDARD, date(2028, 1, 1)) == Decimal(22)
    # The original table is untouched (tables are values).
    assert BELGIAN_VAT_RATES.rate_for(RateCategory.STANDARD, date(2028, 1, 1)) == Decimal(21)


def test_row_order_does_not_matter() -> None:
    rows = list(reversed(BELGIAN_VAT_RATES.rows))
    table = VatRateTable(rows)
    assert table.rate_for(RateCategory.ACCOMMODATION, date(2026, 2, 28)) == Decimal(6)
    assert table.rate_for(RateCategory.ACCOMMODATION, date(2026, 3, 1)) == Decimal(12)


def test_no_rate_before_the_table_starts() -> None:
    with pytest.raises(DomainValidationError) as info:
        vat_rate(RateCategory.STANDARD, date(1990, 1, 1))
    assert info.value.code == "vat.rate_not_defined"


def test_duplicate_rows_are_refused() -> None:
    row = VatRate(RateCategory.STANDARD, Decimal(21), date(2020, 1, 1))
    with pytest.raises(DomainValidationError) as info:
        VatRateTable([row, VatRate(RateCategory.STANDARD, Decimal(22), date(2020, 1, 1))])
    assert info.value.code == "vat.duplicate_rate"


def test_rate_rows_refuse_floats_and_datetimes() -> None:
    with pytest.raises(TypeError):
        VatRate(RateCategory.STANDARD, 21.0, date(2020, 1, 1))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        VatRate(RateCategory.STANDARD, Decimal(21), datetime(2020, 1, 1))
    with pytest.raises(TypeError):
        vat_rate(RateCategory.STANDARD, datetime(2026, 3, 1, 12, 0))
    with pytest.raises(DomainValidationError):
        VatRate(RateCategory.STANDARD, Decimal(100), date(2020, 1, 1))


def test_uncl5305_code_values() -> None:
    assert {c.value for c in VatCategoryCode} == {"S", "Z", "E", "AE", "K", "G", "O"}


@pytest.mark.parametrize(
    ("regime", "category", "expected"),
    [
        (VatRegime(VatTreatment.NORMAL), RateCategory.STANDARD, LineVat(Decimal(21), VatCategoryCode.STANDARD)),
        (VatRegime(VatTreatment.NORMAL), RateCategory.REDUCED, LineVat(Decimal(6), VatCategoryCode.STANDARD)),
        (VatRegime(VatTreatment.NORMAL), RateCategory.ZERO, LineVat(Decimal(0), VatCategoryCode.ZERO_RATED)),
        (
            VatRegime(VatTreatment.REVERSE_CHARGE),
            RateCategory.STANDARD,
            LineVat(Decimal(0), VatCategoryCode.REVERSE_CHARGE),
        ),
        (
            VatRegime(VatTreatment.EXEMPT, "Art. 44, § 2, 1° CTVA"),
            RateCategory.STANDARD,
            LineVat(Decimal(0), VatCategoryCode.EXEMPT),
        ),
        (VatRegime(VatTreatment.EXPORT), RateCategory.STANDARD, LineVat(Decimal(0), VatCategoryCode.EXPORT)),
        (VatRegime(VatTreatment.NOT_SUBJECT), RateCategory.STANDARD, LineVat(Decimal(0), VatCategoryCode.NOT_SUBJECT)),
        (
            VatRegime(VatTreatment.INTRA_COOPERATIVE),
            RateCategory.STANDARD,
            LineVat(Decimal(0), VatCategoryCode.NOT_SUBJECT),
        ),
    ],
)
def test_line_vat_per_treatment(regime: VatRegime, category: RateCategory, expected: LineVat) -> None:
    assert regime.line_vat(category, date(2026, 5, 1)) == expected
    assert expected.category in regime.allowed_categories


def test_line_vat_follows_the_date_for_accommodation() -> None:
    regime = VatRegime(VatTreatment.NORMAL)
    assert regime.line_vat(RateCategory.ACCOMMODATION, date(2026, 2, 28)).rate == Decimal(6)
    assert regime.line_vat(RateCategory.ACCOMMODATION, date(2026, 3, 1)).rate == Decimal(12)


def test_k_is_never_derived() -> None:
    for treatment in VatTreatment:
        regime = VatRegime(treatment, "Art. 44" if treatment is VatTreatment.EXEMPT else None)
        assert VatCategoryCode.INTRA_EU_GOODS not in regime.allowed_categories


def test_reverse_charge_mentions_autoliquidation() -> None:
    regime = VatRegime(VatTreatment.REVERSE_CHARGE)
    assert regime.mention == REVERSE_CHARGE_MENTION == "Autoliquidation"
    assert regime.exemption_reason_code == "VATEX-EU-AE"
    assert regime.allowed_categories == frozenset({VatCategoryCode.REVERSE_CHARGE})


def test_exempt_needs_and_prints_its_legal_reference() -> None:
    regime = VatRegime(VatTreatment.EXEMPT, "  Art. 44, § 2, 1° CTVA ")
    assert regime.legal_reference == "Art. 44, § 2, 1° CTVA"
    assert regime.mention == "Art. 44, § 2, 1° CTVA"
    assert regime.exemption_reason_code is None  # the text is the reason
    with pytest.raises(DomainValidationError) as info:
        VatRegime(VatTreatment.EXEMPT)
    assert (info.value.code, info.value.field) == ("vat.legal_reference_required", "legal_reference")
    with pytest.raises(DomainValidationError) as info:
        VatRegime(VatTreatment.EXEMPT, "   ")
    assert info.value.code == "field.required"


def test_legal_reference_is_refused_when_not_exempt() -> None:
    with pytest.raises(DomainValidationError) as info:
        VatRegime(VatTreatment.NORMAL, "Art. 44")
    assert info.value.code == "vat.legal_reference_unexpected"


def test_exemption_reason_codes() -> None:
    assert VatRegime(VatTreatment.EXPORT).exemption_reason_code == "VATEX-EU-G"
    assert VatRegime(VatTreatment.NOT_SUBJECT).exemption_reason_code == "VATEX-EU-O"
    assert VatRegime(VatTreatment.INTRA_COOPERATIVE).exemption_reason_code == "VATEX-EU-O"
    assert VatRegime(VatTreatment.NORMAL).exemption_reason_code is None
    assert VatRegime(VatTreatment.NORMAL).mention is None


def test_only_intra_cooperative_invoices_skip_the_contribution() -> None:
    for treatment in VatTreatment:
        regime = VatRegime(treatment, "Art. 44" if treatment is VatTreatment.EXEMPT else None)
        assert regime.charges_contribution is (treatment is not VatTreatment.INTRA_COOPERATIVE)


@pytest.mark.parametrize(
    ("client", "expected"),
    [
        (BE_COMPANY, VatTreatment.NORMAL),
        (BE_PERSON, VatTreatment.NORMAL),
        (FR_COMPANY, VatTreatment.REVERSE_CHARGE),
        (FR_COMPANY_NO_VAT, VatTreatment.NORMAL),
        (FR_PERSON, VatTreatment.NORMAL),
        (US_COMPANY, VatTreatment.SERVICES_OUTSIDE_EU),
        (US_PERSON, VatTreatment.NORMAL),
    ],
)
def test_decide_regime(client: CompanyClient | PrivateClient, expected: VatTreatment) -> None:
    assert decide_regime(client).treatment is expected


def test_services_to_a_business_outside_the_eu_are_out_of_scope_goods_leaving_it_are_an_export() -> None:
    services = decide_regime(US_COMPANY)
    assert services.allowed_categories == {VatCategoryCode.NOT_SUBJECT}
    assert services.exemption_reason_code == "VATEX-EU-O"
    for client in (US_COMPANY, US_PERSON):
        goods = decide_regime(client, supply_type=SupplyType.GOODS)
        assert goods.treatment is VatTreatment.EXPORT
        assert goods.allowed_categories == {VatCategoryCode.EXPORT}
        assert goods.exemption_reason_code == "VATEX-EU-G"


def test_decide_regime_intra_cooperative_and_exempt_take_precedence() -> None:
    assert decide_regime(FR_COMPANY, intra_cooperative=True).treatment is VatTreatment.INTRA_COOPERATIVE
    exempt = decide_regime(BE_COMPANY, exemption_reference="Art. 44 CTVA")
    assert (exempt.treatment, exempt.legal_reference) == (VatTreatment.EXEMPT, "Art. 44 CTVA")


def test_intra_cooperative_is_not_subject_code_o() -> None:
    regime = decide_regime(BE_COMPANY, intra_cooperative=True)
    assert regime.allowed_categories == frozenset({VatCategoryCode.NOT_SUBJECT})
    assert regime.line_vat(RateCategory.STANDARD, date(2026, 1, 1)).rate == 0
    assert regime.charges_contribution is False


@pytest.mark.parametrize("client", [BE_COMPANY, BE_PERSON, FR_PERSON, FR_COMPANY_NO_VAT, US_COMPANY])
def test_reverse_charge_only_for_eu_business_with_vat_number(client: CompanyClient | PrivateClient) -> None:
    with pytest.raises(DomainValidationError) as info:
        check_regime_for_client(VatRegime(VatTreatment.REVERSE_CHARGE), client)
    assert info.value.code == "vat.reverse_charge_not_applicable"
    check_regime_for_client(VatRegime(VatTreatment.REVERSE_CHARGE), FR_COMPANY)


@pytest.mark.parametrize(
    ("category", "rate", "ok"),
    [
        (VatCategoryCode.STANDARD, Decimal(21), True),
        (VatCategoryCode.STANDARD, Decimal(0), False),
        (VatCategoryCode.ZERO_RATED, Decimal(0), True),
        (VatCategoryCode.ZERO_RATED, Decimal(6), False),
        (VatCategoryCode.REVERSE_CHARGE, Decimal(0), True),
        (VatCategoryCode.REVERSE_CHARGE, Decimal(21), False),
        (VatCategoryCode.EXEMPT, Decimal(6), False),
        (VatCategoryCode.EXPORT, Decimal(12), False),
        (VatCategoryCode.NOT_SUBJECT, Decimal(21), False),
    ],
)
def test_category_and_rate_must_agree(category: VatCategoryCode, rate: Decimal, ok: bool) -> None:
    if ok:
        check_category_rate(category, rate)
    else:
        with pytest.raises(DomainValidationError) as info:
            check_category_rate(category, rate)
        assert info.value.code == "vat.rate_category_mismatch"
