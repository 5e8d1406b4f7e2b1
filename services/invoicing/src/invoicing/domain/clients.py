"""Clients of a member: companies and private persons, as value objects.

Identifiers are validated and normalised once, here, so that the rest of the
system (VAT decision, UBL, matching) can compare them as plain strings.
Only the format and check digits are verified: asking VIES whether a VAT
number is currently active is a network call and belongs to an adapter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum.be import vat as be_vat
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError

from invoicing.domain.checks import require_text
from invoicing.domain.errors import DomainValidationError

# ISO 3166-1 alpha-2, officially assigned codes (withdrawn AN/CS excluded).
_ISO_CODES = """
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ
BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR
CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU
ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ
LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF
PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI
SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR
TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
"""
ISO_COUNTRIES: frozenset[str] = frozenset(_ISO_CODES.split())

# The 27 member states since 2020-02-01 (current membership is enough: the
# platform issues no invoice dated before the UK left).
_EU_CODES = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK"
EU_COUNTRIES: frozenset[str] = frozenset(_EU_CODES.split())

# Greece is GR in ISO 3166 but EL in VAT numbers; every other state uses its ISO code.
_VAT_PREFIX_EXCEPTIONS = {"GR": "EL"}
_EU_VAT_PREFIXES = frozenset(_VAT_PREFIX_EXCEPTIONS.get(c, c) for c in EU_COUNTRIES)

BELGIAN_ENTERPRISE_SCHEME = "0208"  # ISO 6523 ICD of the Belgian enterprise number (KBO/BCE)
BELGIAN_VAT_SCHEME = "9925"  # Peppol EAS for a Belgian VAT number
_SCHEME_RE = re.compile(r"^[0-9]{4}$")
_PEPPOL_VALUE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")
_PEPPOL_MAX_LENGTH = 50  # "scheme:identifier", per the Peppol identifier policy
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_country(code: str, field: str = "country") -> str:
    """Upper-cased ISO 3166-1 alpha-2 code; anything else is refused."""
    country = require_text(code, field, max_length=100).upper()
    if country not in ISO_COUNTRIES:
        raise DomainValidationError("country.invalid", f"{code!r} is not an ISO 3166-1 alpha-2 country code.", field)
    return country


def is_eu(country: str) -> bool:
    return normalize_country(country) in EU_COUNTRIES


def vat_prefix(country: str) -> str:
    """The prefix of the country's VAT numbers (``EL`` for Greece)."""
    iso = normalize_country(country)
    return _VAT_PREFIX_EXCEPTIONS.get(iso, iso)


def normalize_enterprise_number(number: str, field: str = "enterprise_number") -> str:
    """Belgian enterprise number as 10 digits; accepts ``BE``, dots, spaces and
    the old 9-digit form. Same checksum as the VAT number."""
    require_text(number, field, max_length=20)
    try:
        return be_vat.validate(number)
    except ValidationError as exc:
        raise DomainValidationError(
            "client.enterprise_number_invalid",
            f"{number!r} is not a valid Belgian enterprise number.",
            field,
        ) from exc


def format_enterprise_number(number: str) -> str:
    """Display form ``0123.456.749``."""
    digits = normalize_enterprise_number(number)
    return f"{digits[:4]}.{digits[4:7]}.{digits[7:]}"


def normalize_vat_number(number: str, country: str, field: str = "vat_number") -> str:
    """EU VAT number with its country prefix, e.g. ``BE0123456749``.

    The prefix may be omitted (it is taken from ``country``); a prefix of
    another member state is refused rather than silently rewritten.
    """
    iso = normalize_country(country)
    if iso not in EU_COUNTRIES:
        raise DomainValidationError(
            "client.vat_number_not_eu",
            "Only VAT numbers of EU member states can be validated.",
            field,
        )
    prefix = vat_prefix(iso)
    cleaned = re.sub(r"[\s.\-/]", "", require_text(number, field, max_length=30)).upper()
    if iso == "GR" and cleaned.startswith("GR"):
        cleaned = "EL" + cleaned[2:]  # a common slip: the ISO code instead of EL
    given = cleaned[:2]
    if given.isalpha() and given != prefix and given in _EU_VAT_PREFIXES:
        raise DomainValidationError(
            "client.vat_country_mismatch",
            f"VAT number {number!r} belongs to {given}, not to {iso}.",
            field,
        )
    if not cleaned.startswith(prefix):
        cleaned = prefix + cleaned
    try:
        if iso == "BE":
            # Checked with stdnum.be.vat so the first-digit rule (0 or 1) applies.
            return "BE" + be_vat.validate(cleaned)
        return eu_vat.validate(cleaned)
    except ValidationError as exc:
        raise DomainValidationError(
            "client.vat_number_invalid", f"{number!r} is not a valid {iso} VAT number.", field
        ) from exc


def _normalize_email(email: str | None) -> str | None:
    if email is None:
        return None
    text = require_text(email, "email", max_length=254)
    if not _EMAIL_RE.match(text):
        raise DomainValidationError("client.email_invalid", f"{email!r} is not an e-mail address.", "email")
    return text


@dataclass(frozen=True, slots=True)
class PeppolParticipantId:
    """A Peppol participant: ``<ISO 6523 scheme>:<identifier>``, e.g. ``0208:0123456749``."""

    scheme: str
    identifier: str

    def __post_init__(self) -> None:
        field = "peppol_id"
        scheme = require_text(self.scheme, field, max_length=4)
        if not _SCHEME_RE.match(scheme):
            raise DomainValidationError("peppol.scheme_invalid", "The scheme must be a 4-digit ISO 6523 code.", field)
        value = require_text(self.identifier, field, max_length=_PEPPOL_MAX_LENGTH)
        if scheme == BELGIAN_ENTERPRISE_SCHEME:
            value = normalize_enterprise_number(value, field)
        elif scheme == BELGIAN_VAT_SCHEME:
            value = normalize_vat_number(value, "BE", field)
        if not _PEPPOL_VALUE_RE.match(value) or len(scheme) + 1 + len(value) > _PEPPOL_MAX_LENGTH:
            raise DomainValidationError(
                "peppol.identifier_invalid", f"{self.identifier!r} is not a valid identifier.", field
            )
        object.__setattr__(self, "scheme", scheme)
        object.__setattr__(self, "identifier", value)

    @classmethod
    def parse(cls, text: str) -> PeppolParticipantId:
        """Parse ``scheme:id``; the ``iso6523-actorid-upis::`` prefix is tolerated."""
        raw = require_text(text, "peppol_id", max_length=100)
        raw = raw.removeprefix("iso6523-actorid-upis::")
        scheme, sep, identifier = raw.partition(":")
        if not sep:
            raise DomainValidationError("peppol.format_invalid", "Expected '<scheme>:<identifier>'.", "peppol_id")
        return cls(scheme.strip(), identifier.strip())

    @classmethod
    def for_belgian_enterprise(cls, enterprise_number: str) -> PeppolParticipantId:
        return cls(BELGIAN_ENTERPRISE_SCHEME, enterprise_number)

    def __str__(self) -> str:
        return f"{self.scheme}:{self.identifier}"


@dataclass(frozen=True, slots=True)
class Address:
    street: str
    city: str
    country: str
    postal_code: str = ""  # optional: not every country has postal codes

    def __post_init__(self) -> None:
        object.__setattr__(self, "street", require_text(self.street, "street", max_length=200))
        object.__setattr__(self, "city", require_text(self.city, "city", max_length=100))
        object.__setattr__(
            self, "postal_code", require_text(self.postal_code, "postal_code", max_length=20, required=False)
        )
        object.__setattr__(self, "country", normalize_country(self.country))


@dataclass(frozen=True, slots=True)
class CompanyClient:
    """A business client.

    Belgian: the VAT number and/or enterprise number are validated and kept
    consistent, and the Peppol id defaults to ``0208:<enterprise number>``.
    Other EU: the VAT number is validated for that country. Outside the EU:
    the tax number is kept as given (no validator for every country).
    """

    name: str
    address: Address
    vat_number: str | None = None
    enterprise_number: str | None = None
    peppol_id: PeppolParticipantId | None = None
    email: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", require_text(self.name, "name", max_length=200))
        object.__setattr__(self, "email", _normalize_email(self.email))
        country = self.address.country
        vat = self.vat_number
        enterprise = self.enterprise_number
        if country == "BE":
            if vat is not None:
                vat = normalize_vat_number(vat, "BE")
            if enterprise is not None:
                enterprise = normalize_enterprise_number(enterprise)
            if vat is not None and enterprise is not None and vat[2:] != enterprise:
                raise DomainValidationError(
                    "client.enterprise_number_mismatch",
                    "A Belgian VAT number is 'BE' + the enterprise number; they differ.",
                    "enterprise_number",
                )
            if enterprise is None and vat is not None:
                enterprise = vat[2:]
            if self.peppol_id is None and enterprise is not None:
                object.__setattr__(self, "peppol_id", PeppolParticipantId.for_belgian_enterprise(enterprise))
            elif (
                self.peppol_id is not None
                and self.peppol_id.scheme == BELGIAN_ENTERPRISE_SCHEME
                and enterprise is not None
                and self.peppol_id.identifier != enterprise
            ):
                # A 0208 id *is* an enterprise number: another company's would
                # route this client's invoices to someone else.
                raise DomainValidationError(
                    "client.peppol_id_mismatch",
                    "The 0208 Peppol id must be the client's own enterprise number.",
                    "peppol_id",
                )
        else:
            if enterprise is not None:
                raise DomainValidationError(
                    "client.enterprise_number_belgian_only",
                    "An enterprise number only exists for Belgian companies.",
                    "enterprise_number",
                )
            if vat is not None:
                if country in EU_COUNTRIES:
                    vat = normalize_vat_number(vat, country)
                else:
                    vat = require_text(vat, "vat_number", max_length=30).upper()
        object.__setattr__(self, "vat_number", vat)
        object.__setattr__(self, "enterprise_number", enterprise)

    @property
    def country(self) -> str:
        return self.address.country

    @property
    def is_business(self) -> bool:
        return True

    @property
    def has_eu_vat_number(self) -> bool:
        """What reverse charge needs: a (validated) VAT number of an EU state."""
        return self.vat_number is not None and self.country in EU_COUNTRIES


@dataclass(frozen=True, slots=True)
class PrivateClient:
    """A private person (consumer): never reverse charge, no Peppol id."""

    name: str
    address: Address
    email: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", require_text(self.name, "name", max_length=200))
        object.__setattr__(self, "email", _normalize_email(self.email))

    @property
    def country(self) -> str:
        return self.address.country

    @property
    def is_business(self) -> bool:
        return False

    @property
    def has_eu_vat_number(self) -> bool:
        return False


Client = CompanyClient | PrivateClient
