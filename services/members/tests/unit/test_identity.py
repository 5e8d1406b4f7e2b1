"""Identity values: e-mail, IBAN, NISS, address, password policy."""

from __future__ import annotations

import pytest

from members.domain.errors import InvalidInput
from members.domain.identity import (
    Address,
    check_password_policy,
    format_iban,
    mask_iban,
    mask_niss,
    normalize_email,
    normalize_iban,
    normalize_niss,
)


def test_email_is_lower_cased_and_checked() -> None:
    assert normalize_email("  Ada.Lovelace@Example.BE ") == "ada.lovelace@example.be"
    for bad in ("ada", "ada@", "@example.be", "ada@example", "a b@example.be"):
        with pytest.raises(InvalidInput) as error:
            normalize_email(bad)
        assert error.value.field == "email" and error.value.code == "invalid_email"


def test_operator_addresses_may_use_reserved_domains() -> None:
    with pytest.raises(InvalidInput):
        normalize_email("admin@coop.localhost")
    assert normalize_email("Admin@Coop.localhost", strict=False) == "admin@coop.localhost"
    with pytest.raises(InvalidInput):
        normalize_email("no at sign", strict=False)


def test_iban_check_digits_and_sepa_zone() -> None:
    assert normalize_iban("be71 0961 2345 6769") == "BE71096123456769"
    assert normalize_iban("NL91ABNA0417164300") == "NL91ABNA0417164300"
    assert format_iban("BE71096123456769") == "BE71 0961 2345 6769"
    assert mask_iban("BE71096123456769") == "BE71 **** **** 6769"
    with pytest.raises(InvalidInput) as checksum:
        normalize_iban("BE71 0961 2345 6768")
    assert (checksum.value.code, checksum.value.field) == ("invalid_iban", "iban")
    with pytest.raises(InvalidInput) as outside:
        normalize_iban("BR1500000000000010932840814P2")  # a valid IBAN, but not SEPA
    assert outside.value.code == "iban_outside_sepa"


def test_niss_mod_97_check_including_people_born_from_2000() -> None:
    assert normalize_niss("85.07.30-033.28") == "85073003328"
    assert mask_niss("85073003328") == "**.**.**-***.28"
    # Born in 2000 or later: the check is computed on "2" + the first nine digits.
    assert normalize_niss("00010100105") == "00010100105"
    for bad in ("85.07.30-033.29", "1234", "85.13.30-033.28"):
        with pytest.raises(InvalidInput) as error:
            normalize_niss(bad)
        assert error.value.field == "niss"


def test_address_rules() -> None:
    address = Address.create(" Rue Haute 1 ", "1000", "Bruxelles", "be")
    assert address == Address("Rue Haute 1", "1000", "Bruxelles", "BE")
    assert Address.create("Main St 1", "SW1A 1AA", "London", "GB").country == "GB"
    with pytest.raises(InvalidInput) as postcode:
        Address.create("Rue Haute 1", "10000", "Bruxelles")
    assert postcode.value.field == "address.postal_code"
    with pytest.raises(InvalidInput) as country:
        Address.create("Rue Haute 1", "1000", "Bruxelles", "Belgium")
    assert country.value.field == "address.country"


def test_password_policy_is_length_first() -> None:
    check_password_policy("correct horse battery staple")
    for weak in ("short", "a" * 20, "x" * 257):
        with pytest.raises(InvalidInput) as error:
            check_password_policy(weak)
        assert error.value.code == "weak_password"
    with pytest.raises(InvalidInput):
        check_password_policy("ada.lovelace@example.be", email="ada.lovelace@example.be")


@pytest.mark.parametrize("common", ["password1234", "Password123!", "qwertyuiop123", "!!iloveyou2024!!",
                                    "1q2w3e4r5t6y", "PASSWORD12345"])
def test_common_passwords_are_refused(common: str) -> None:
    with pytest.raises(InvalidInput) as error:
        check_password_policy(common)
    assert (error.value.code, error.value.field) == ("common_password", "password")


@pytest.mark.parametrize("personal", ["AdaLovelace1815", "lovelace.ada!!", "Ada Lovelace 2024", "ada.lovelace.be",
                                      "lovelaceexample"])
def test_passwords_made_of_the_name_or_the_email_are_refused(personal: str) -> None:
    with pytest.raises(InvalidInput) as error:
        check_password_policy(personal, email="ada.lovelace@example.be", full_name="Ada Lovelace")
    assert error.value.code in {"personal_password", "weak_password"}


def test_long_unusual_passwords_still_pass() -> None:
    for fine in ("correct horse battery staple", "Ada's 7 blue violins hum", "admin password for tests"):
        check_password_policy(fine, email="ada.lovelace@example.be", full_name="Ada Lovelace")
