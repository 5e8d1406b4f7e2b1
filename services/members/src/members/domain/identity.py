"""Who a person is: e-mail, language, postal address, IBAN, national number,
password policy. Each value is validated and normalised once, here, so the
rest of the service compares plain strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from email_validator import EmailNotValidError, validate_email
from stdnum import iban as std_iban
from stdnum.be import nn as std_nn
from stdnum.exceptions import ValidationError as StdnumError

from members.domain.common_passwords import is_common, is_made_of
from members.domain.errors import InvalidInput


class Language(StrEnum):
    FR = "fr"
    NL = "nl"
    EN = "en"


# Salaries and share refunds leave as SEPA credit transfers (pain.001), so the
# account must be in the SEPA scheme: EU/EEA states, their SEPA territories,
# and the non-EU participants.
SEPA_COUNTRIES: frozenset[str] = frozenset(
    {
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU",
        "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "IS", "LI", "NO", "CH", "GB", "MC", "SM", "VA", "AD",
        "AL", "MD", "ME", "MK", "RS", "GI", "GF", "GP", "MQ", "YT", "RE", "PM", "BL", "MF", "AX",
    }
)

_LENIENT_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}$")
EMAIL_MAX_LENGTH = 254


def normalize_email(value: str, *, strict: bool = True, field: str = "email") -> str:
    """Lower-cased e-mail address, the key of an account.

    ``strict`` (everything a person types) runs the full syntax check; the
    lenient form is for operator-configured addresses such as the bootstrap
    admin's ``admin@coop.localhost``, which strict checking rejects as a
    special-use domain.
    """
    text = value.strip()
    if len(text) > EMAIL_MAX_LENGTH:
        raise InvalidInput("invalid_email", "The e-mail address is too long.", field)
    if strict:
        try:
            text = validate_email(text, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise InvalidInput("invalid_email", f"Not a valid e-mail address: {exc}", field) from exc
    elif not _LENIENT_EMAIL.match(text):
        raise InvalidInput("invalid_email", "Not a valid e-mail address.", field)
    # Addresses differing only by case are one person: the account key is lower-case.
    return text.lower()


def normalize_iban(value: str, field: str = "iban") -> str:
    """Compact upper-case IBAN with valid check digits, in the SEPA zone."""
    try:
        compact: str = std_iban.validate(value)
    except StdnumError as exc:
        raise InvalidInput("invalid_iban", "Not a valid IBAN (check digits or length).", field) from exc
    if compact[:2] not in SEPA_COUNTRIES:
        raise InvalidInput("iban_outside_sepa", "Salaries are paid by SEPA transfer: use an IBAN in the SEPA zone.",
                           field)
    return compact


def format_iban(value: str) -> str:
    return str(std_iban.format(value))


def mask_iban(value: str) -> str:
    """Enough to recognise one's account, not enough to reuse it."""
    return f"{value[:4]} **** **** {value[-4:]}"


def normalize_niss(value: str, field: str = "niss") -> str:
    """The Belgian national number (NISS/INSZ/rijksregisternummer): 11 digits with a mod-97 check."""
    try:
        compact: str = std_nn.validate(value)
    except StdnumError as exc:
        raise InvalidInput("invalid_niss", "Not a valid Belgian national number (NISS).", field) from exc
    return compact


def format_niss(value: str) -> str:
    return str(std_nn.format(value))


def mask_niss(value: str) -> str:
    return f"**.**.**-***.{value[-2:]}"


_BE_POSTCODE = re.compile(r"^[1-9][0-9]{3}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class Address:
    street: str
    postal_code: str
    city: str
    country: str = "BE"

    @classmethod
    def create(cls, street: str, postal_code: str, city: str, country: str = "BE",
               field: str = "address") -> Address:
        street, postal_code, city = street.strip(), postal_code.strip(), city.strip()
        country = country.strip().upper()
        for name, text, limit in (("street", street, 200), ("postal_code", postal_code, 16), ("city", city, 100)):
            if not text or len(text) > limit:
                raise InvalidInput("invalid_address", f"{name} must be 1-{limit} characters.", f"{field}.{name}")
        if not _COUNTRY.match(country):
            raise InvalidInput("invalid_address", "country must be an ISO 3166 alpha-2 code.", f"{field}.country")
        if country == "BE" and not _BE_POSTCODE.match(postal_code):
            raise InvalidInput("invalid_address", "A Belgian postal code has 4 digits.", f"{field}.postal_code")
        return cls(street, postal_code, city, country)


PASSWORD_MIN_LENGTH = 12
# Bounded so that nobody can make the server hash a megabyte per request.
PASSWORD_MAX_LENGTH = 256


def check_password_policy(password: str, *, email: str | None = None, full_name: str | None = None,
                          field: str = "password") -> None:
    """Length over composition rules (NIST SP 800-63B): at least 12 characters,
    not only one repeated character, not a common password, not made of the
    e-mail address or the person's name."""
    if not PASSWORD_MIN_LENGTH <= len(password) <= PASSWORD_MAX_LENGTH:
        raise InvalidInput("weak_password",
                           f"The password must have {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters.", field)
    if len(set(password)) < 4:
        raise InvalidInput("weak_password", "The password needs more than a few distinct characters.", field)
    if email is not None and password.strip().lower() in {email.lower(), email.split("@")[0].lower()}:
        raise InvalidInput("weak_password", "The password must not be the e-mail address.", field)
    if is_common(password):
        raise InvalidInput("common_password",
                           "This password is among the most common ones, which are guessed first; choose another.",
                           field)
    personal = [*(full_name or "").split(), *re.split(r"[@.+_-]", email or "")]
    if is_made_of(password, personal):
        raise InvalidInput("personal_password", "The password must not be made of your name or e-mail address.",
                           field)


def check_full_name(value: str, field: str = "full_name") -> str:
    text = " ".join(value.split())
    if not 1 <= len(text) <= 200:
        raise InvalidInput("invalid_full_name", "The name must have 1 to 200 characters.", field)
    return text
