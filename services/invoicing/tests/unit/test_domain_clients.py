"""Client value objects: VAT numbers, enterprise numbers, Peppol ids, countries."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from invoicing.domain.clients import (
    EU_COUNTRIES,
    ISO_COUNTRIES,
    Address,
    CompanyClient,
    PeppolParticipantId,
    PrivateClient,
    format_enterprise_number,
    is_eu,
    normalize_country,
    normalize_enterprise_number,
    normalize_vat_number,
    vat_prefix,
)
from invoicing.domain.errors import DomainValidationError

FAST = settings(database=None, deadline=None, max_examples=100)

BRUSSELS = Address("Rue Haute 1", "Bruxelles", "BE", "1000")
PARIS = Address("Rue de Rivoli 1", "Paris", "FR", "75001")


def belgian_number(first_eight: int) -> str:
    return f"{first_eight:08d}{97 - first_eight % 97:02d}"


def error_of(fn: object, *args: object, **kwargs: object) -> DomainValidationError:
    with pytest.raises(DomainValidationError) as info:
        fn(*args, **kwargs)  # type: ignore[operator]
    return info.value


@pytest.mark.parametrize("raw", ["BE0123456749", "be 0123.456.749", "0123456749", "BE123456749", "BE-0123-456-749"])
def test_belgian_vat_number_is_normalised(raw: str) -> None:
    client = CompanyClient("Client SA", BRUSSELS, vat_number=raw)
    assert client.vat_number == "BE0123456749"
    assert client.enterprise_number == "0123456749"


def test_belgian_company_gets_a_derived_peppol_id() -> None:
    client = CompanyClient("Client SA", BRUSSELS, vat_number="BE0123456749")
    assert client.peppol_id == PeppolParticipantId("0208", "0123456749")
    assert str(client.peppol_id) == "0208:0123456749"
    assert client.is_business
    assert client.has_eu_vat_number


def test_belgian_company_with_only_an_enterprise_number() -> None:
    client = CompanyClient("ASBL Culture", BRUSSELS, enterprise_number="0403.019.261")
    assert client.enterprise_number == "0403019261"
    assert client.vat_number is None
    assert str(client.peppol_id) == "0208:0403019261"
    assert not client.has_eu_vat_number


def test_explicit_peppol_id_is_kept_and_validated() -> None:
    client = CompanyClient(
        "Client SA", BRUSSELS, vat_number="BE0123456749", peppol_id=PeppolParticipantId.parse("9925:be0123456749")
    )
    assert str(client.peppol_id) == "9925:BE0123456749"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("BE0123456748", "client.vat_number_invalid"),  # checksum
        ("BE2123456791", "client.vat_number_invalid"),  # checksum fine, first digit must be 0 or 1
        ("BE01234567", "client.vat_number_invalid"),  # length
        ("BEABCDEFGHIJ", "client.vat_number_invalid"),
        ("FR40303265045", "client.vat_country_mismatch"),
    ],
)
def test_bad_belgian_vat_numbers(raw: str, code: str) -> None:
    err = error_of(CompanyClient, "Client SA", BRUSSELS, vat_number=raw)
    assert (err.code, err.field) == (code, "vat_number")


def test_vat_and_enterprise_numbers_must_agree() -> None:
    err = error_of(CompanyClient, "X", BRUSSELS, vat_number="BE0123456749", enterprise_number="0403019261")
    assert (err.code, err.field) == ("client.enterprise_number_mismatch", "enterprise_number")
    ok = CompanyClient("X", BRUSSELS, vat_number="BE0123456749", enterprise_number="0123.456.749")
    assert ok.enterprise_number == "0123456749"


def test_peppol_0208_must_be_the_clients_own_number() -> None:
    err = error_of(
        CompanyClient,
        "X",
        BRUSSELS,
        vat_number="BE0123456749",
        peppol_id=PeppolParticipantId("0208", "0403019261"),
    )
    assert (err.code, err.field) == ("client.peppol_id_mismatch", "peppol_id")


def test_invalid_enterprise_number() -> None:
    err = error_of(CompanyClient, "X", BRUSSELS, enterprise_number="0403019262")
    assert (err.code, err.field) == ("client.enterprise_number_invalid", "enterprise_number")


@pytest.mark.parametrize(
    ("country", "raw", "expected"),
    [
        ("FR", "FR 40 303 265 045", "FR40303265045"),
        ("FR", "40303265045", "FR40303265045"),
        ("DE", "de136695976", "DE136695976"),
        ("NL", "NL004495445B01", "NL004495445B01"),
        ("AT", "U13585627", "ATU13585627"),
        ("GR", "EL094014201", "EL094014201"),
        ("GR", "094014201", "EL094014201"),
        ("GR", "GR094014201", "EL094014201"),
        ("ES", "ESA12345674", "ESA12345674"),
    ],
)
def test_eu_vat_numbers_are_validated_for_their_country(country: str, raw: str, expected: str) -> None:
    client = CompanyClient("EU Co", Address("Street 1", "City", country), vat_number=raw)
    assert client.vat_number == expected
    assert client.has_eu_vat_number
    assert client.peppol_id is None  # only derived for Belgian companies


def test_eu_vat_number_errors() -> None:
    err = error_of(CompanyClient, "Co", PARIS, vat_number="FR40303265046")
    assert (err.code, err.field) == ("client.vat_number_invalid", "vat_number")
    err = error_of(CompanyClient, "Co", PARIS, vat_number="DE136695976")
    assert err.code == "client.vat_country_mismatch"
    err = error_of(CompanyClient, "Co", PARIS, enterprise_number="0123456749")
    assert err.code == "client.enterprise_number_belgian_only"
    err = error_of(normalize_vat_number, "CHE-123.456.788", "CH")
    assert err.code == "client.vat_number_not_eu"


def test_non_eu_tax_number_is_kept_as_given() -> None:
    client = CompanyClient("Corp", Address("1 Main St", "Boston", "us", "02110"), vat_number=" ein 12-3456789 ")
    assert client.vat_number == "EIN 12-3456789"
    assert client.country == "US"
    assert not client.has_eu_vat_number


def test_private_person() -> None:
    person = PrivateClient("  Marie Dupont ", PARIS, email="marie@example.org")
    assert person.name == "Marie Dupont"
    assert not person.is_business
    assert not person.has_eu_vat_number
    assert person.country == "FR"


def test_email_and_required_fields() -> None:
    err = error_of(PrivateClient, "Marie", PARIS, email="not-an-email")
    assert (err.code, err.field) == ("client.email_invalid", "email")
    err = error_of(PrivateClient, "   ", PARIS)
    assert (err.code, err.field) == ("field.required", "name")
    err = error_of(Address, "Street 1", "", "BE")
    assert (err.code, err.field) == ("field.required", "city")


def test_clients_are_immutable_values() -> None:
    client = CompanyClient("Client SA", BRUSSELS, vat_number="BE0123456749")
    with pytest.raises(dataclasses.FrozenInstanceError):
        client.vat_number = "BE0403019261"  # type: ignore[misc]
    assert client == CompanyClient("Client SA", BRUSSELS, vat_number="be 0123 456 749")


@pytest.mark.parametrize(("raw", "expected"), [("be", "BE"), (" fr ", "FR"), ("GR", "GR")])
def test_countries_are_normalised(raw: str, expected: str) -> None:
    assert normalize_country(raw) == expected


@pytest.mark.parametrize("raw", ["XX", "BEL", "B", "EU", "UK", "AN", ""])
def test_invalid_countries(raw: str) -> None:
    err = error_of(normalize_country, raw)
    assert err.field == "country"
    assert err.code in {"country.invalid", "field.required"}


def test_is_eu() -> None:
    assert is_eu("BE") and is_eu("fr") and is_eu("GR") and is_eu("HR")
    assert not is_eu("GB") and not is_eu("CH") and not is_eu("NO") and not is_eu("US")
    assert len(EU_COUNTRIES) == 27
    assert EU_COUNTRIES <= ISO_COUNTRIES
    assert len(ISO_COUNTRIES) == 249
    assert vat_prefix("GR") == "EL"
    assert vat_prefix("be") == "BE"


def test_enterprise_number_helpers() -> None:
    assert normalize_enterprise_number("BE 0403.019.261") == "0403019261"
    assert normalize_enterprise_number("403019261") == "0403019261"  # old 9-digit form
    assert format_enterprise_number("0403019261") == "0403.019.261"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0208:0123456749", "0208:0123456749"),
        ("iso6523-actorid-upis::0208:0123.456.749", "0208:0123456749"),
        ("0088:5400000000003", "0088:5400000000003"),
        ("9925:BE0123456749", "9925:BE0123456749"),
    ],
)
def test_peppol_id_parse(raw: str, expected: str) -> None:
    assert str(PeppolParticipantId.parse(raw)) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("02080123456749", "peppol.format_invalid"),
        ("208:0123456749", "peppol.scheme_invalid"),
        ("ABCD:0123456749", "peppol.scheme_invalid"),
        ("0208:0123456748", "client.enterprise_number_invalid"),
        ("0088:has space", "peppol.identifier_invalid"),
        ("0088:" + "1" * 46, "peppol.identifier_invalid"),
        ("0088:", "field.required"),
    ],
)
def test_peppol_id_errors(raw: str, code: str) -> None:
    err = error_of(PeppolParticipantId.parse, raw)
    assert (err.code, err.field) == (code, "peppol_id")


@FAST
@given(st.integers(min_value=1, max_value=19_999_999))
def test_every_well_formed_belgian_number_is_accepted(first_eight: int) -> None:
    number = belgian_number(first_eight)
    client = CompanyClient("Co", BRUSSELS, vat_number=number)
    assert client.vat_number == "BE" + number
    assert str(client.peppol_id) == "0208:" + number


@FAST
@given(st.integers(min_value=1, max_value=19_999_999), st.integers(min_value=1, max_value=96))
def test_a_wrong_check_number_is_refused(first_eight: int, shift: int) -> None:
    good_check = 97 - first_eight % 97
    bad_check = (good_check + shift - 1) % 97 + 1
    if bad_check == good_check:
        bad_check = good_check % 97 + 1
    number = f"{first_eight:08d}{bad_check:02d}"
    err = error_of(CompanyClient, "Co", BRUSSELS, vat_number=number)
    assert err.code == "client.vat_number_invalid"
