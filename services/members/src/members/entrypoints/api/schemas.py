"""Request and response bodies. Requests forbid unknown fields, so a client
sending ``role`` or ``status`` where they do not belong gets a 422 naming
the field instead of having it silently accepted or applied."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints
from pydantic_core import PydanticCustomError

from members.domain.activities import ActivityKind, ActivityStatus, Sector
from members.domain.errors import InvalidInput
from members.domain.identity import PASSWORD_MAX_LENGTH, Language, normalize_iban, normalize_niss
from members.domain.member import AttestationType, Role
from members.domain.shares import MAX_SHARES_PER_ENTRY, Category, EntryKind


def _domain_check(check: Callable[[str], str]) -> Callable[[str], str]:
    """Run a domain validator inside pydantic: the 422 then names the field
    and carries the domain's stable code as its ``type``."""

    def run(value: str) -> str:
        try:
            return check(value)
        except InvalidInput as exc:
            raise PydanticCustomError(exc.code, exc.message) from exc

    return run


Iban = Annotated[str, Field(min_length=15, max_length=42, examples=["BE71 0961 2345 6769"]),
                 AfterValidator(_domain_check(normalize_iban))]
Niss = Annotated[str, Field(min_length=11, max_length=20, examples=["85.07.30-033.28"]),
                 AfterValidator(_domain_check(normalize_niss))]
# Passwords are taken byte for byte: never stripped, bounded so nobody makes us hash a megabyte.
Password = Annotated[str, StringConstraints(strip_whitespace=False, min_length=1, max_length=PASSWORD_MAX_LENGTH)]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class MemberAddressIn(Request):
    street: str = Field(min_length=1, max_length=200)
    postal_code: str = Field(min_length=1, max_length=16)
    city: str = Field(min_length=1, max_length=100)
    country: str = Field(default="BE", min_length=2, max_length=2, description="ISO 3166 alpha-2")


class MemberAddress(BaseModel):
    street: str
    postal_code: str
    city: str
    country: str


# --- auth -------------------------------------------------------------------------------------------------


class RegisterRequest(Request):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"examples": [{
        "email": "ada@example.be", "password": "correct horse battery staple", "full_name": "Ada Lovelace",
        "language": "en", "address": {"street": "Rue Haute 1", "postal_code": "1000", "city": "Bruxelles"},
        "iban": "BE71 0961 2345 6769", "niss": "85.07.30-033.28"}]})

    email: EmailStr
    password: Password
    full_name: str = Field(min_length=1, max_length=200)
    language: Language = Language.FR
    address: MemberAddressIn
    iban: Iban
    niss: Niss | None = None


class LoginRequest(Request):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"email": "ada@example.be", "password": "correct horse battery staple"}]})

    # Not EmailStr on purpose: a malformed address is simply a failed login.
    email: str = Field(min_length=1, max_length=320)
    password: Password


class RefreshRequest(Request):
    refresh_token: str = Field(min_length=1, max_length=512)


class PasswordChangeRequest(Request):
    current_password: Password
    new_password: Password


class TokenResponse(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "access_token": "eyJhbGciOiJSUzI1NiIsImtpZCI6Ii4uLiJ9...", "refresh_token": "Q2hhbmdlIG1lIQ...",
        "token_type": "Bearer", "expires_in": 900}]})

    access_token: str
    refresh_token: str = Field(description="Opaque; single use: each refresh returns its successor.")
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int = Field(description="Seconds until the access token expires.")


class PasswordChanged(BaseModel):
    status: Literal["changed"] = "changed"
    sessions_revoked: int


class LoggedOutEverywhere(BaseModel):
    status: Literal["logged_out"] = "logged_out"
    sessions_revoked: int


class Jwks(BaseModel):
    keys: list[dict[str, Any]]


# --- members ----------------------------------------------------------------------------------------------


class ProfileUpdate(Request):
    """Only these fields can be changed by the member (role and status cannot)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"examples": [
        {"language": "nl", "iban": "BE62 5100 0754 7061"}]})

    full_name: str | None = Field(default=None, min_length=1, max_length=200)
    language: Language | None = None
    address: MemberAddressIn | None = None
    iban: Iban | None = None
    niss: Niss | None = None


class ArtsAttestationView(BaseModel):
    type: AttestationType
    valid_from: date
    valid_to: date
    valid_today: bool


class Membership(BaseModel):
    shares_paid: int = Field(description="Fully paid category A shares held.")
    shares_unpaid: int
    shares_b_paid: int
    shares_required: int = Field(description="One fully paid share per started year of use.")
    in_good_standing: bool


class MemberProfile(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "0d9c...", "email": "ada@example.be", "full_name": "Ada Lovelace", "language": "en",
        "role": "member", "address": {"street": "Rue Haute 1", "postal_code": "1000", "city": "Bruxelles",
                                      "country": "BE"},
        "iban": "BE71 0961 2345 6769", "niss": "**.**.**-***.28", "registered_at": "2026-01-05T10:00:00Z"}]})

    id: str
    email: str | None
    full_name: str
    language: Language
    role: Role
    address: MemberAddress | None = None
    iban: str | None = Field(default=None, description="In full for the member and admins, masked for advisors.")
    niss: str | None = Field(default=None, description="Always masked (the export has it in full).")
    advisor_id: str | None = None
    attestation: ArtsAttestationView | None = None
    registered_at: datetime
    membership: Membership | None = None


class RoleChange(Request):
    role: Role


class AdvisorAssignment(Request):
    advisor_id: str | None = Field(description="null removes the advisor.", max_length=64)


class ArtsAttestationIn(Request):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"type": "ordinary", "valid_from": "2026-01-01", "valid_to": "2030-12-31"}]})

    type: AttestationType
    valid_from: date
    valid_to: date


class ErasureRequest(Request):
    password: Password = Field(description="The current password, to confirm.")


class ErasureResult(BaseModel):
    member_id: str
    status: Literal["erased"] = "erased"
    erased_at: datetime
    restricted: list[str] = Field(description="Records kept, restricted, for their legal retention period.")


# --- shares -----------------------------------------------------------------------------------------------


class SubscribeRequest(Request):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"category": "A", "quantity": 2}]})

    category: Category = Category.A
    quantity: int = Field(ge=1, le=MAX_SHARES_PER_ENTRY)


class ResignRequest(Request):
    category: Category = Category.A
    quantity: int = Field(ge=1, le=MAX_SHARES_PER_ENTRY)


class TransferRequest(Request):
    from_member_id: str = Field(min_length=1, max_length=64)
    to_member_id: str = Field(min_length=1, max_length=64)
    category: Category = Category.A
    quantity: int = Field(ge=1, le=MAX_SHARES_PER_ENTRY)


ShareState = Literal["unpaid", "paid", "refund_due", "refunded"]


class ShareEntry(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "7f1e...", "member_id": "0d9c...", "kind": "subscription", "category": "A", "quantity": 1,
        "unit_price": "30.00", "amount": "30.00", "recorded_at": "2026-01-05T10:00:00Z", "state": "unpaid"}]})

    id: str
    member_id: str
    kind: EntryKind
    category: Category
    quantity: int
    unit_price: Decimal
    amount: Decimal
    recorded_at: datetime
    settles: str | None = None
    counterparty_id: str | None = None
    transfer_id: str | None = None
    refund_due_on: date | None = None
    state: ShareState | None = Field(
        default=None, description="Subscriptions: unpaid/paid; resignations: refund_due/refunded.")


class TransferResult(BaseModel):
    transfer_id: str
    entries: list[ShareEntry]


# --- activities -------------------------------------------------------------------------------------------

MemberIds = Annotated[list[Annotated[str, Field(min_length=1, max_length=64)]], Field(max_length=20)]


class ActivityCreate(Request):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"examples": [
        {"name": "Atelier de céramique", "sector": "arts_and_culture", "kind": "individual"}]})

    name: str = Field(min_length=1, max_length=120)
    sector: Sector
    kind: ActivityKind = ActivityKind.INDIVIDUAL
    co_manager_ids: MemberIds = Field(default_factory=list)
    budget_manager_id: str | None = Field(default=None, max_length=64)


class ActivityUpdate(Request):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"examples": [
        {"name": "Atelier céramique & verre"}, {"status": "suspended"}]})

    name: str | None = Field(default=None, min_length=1, max_length=120)
    sector: Sector | None = None
    kind: ActivityKind | None = None
    co_manager_ids: MemberIds | None = None
    budget_manager_id: str | None = Field(default=None, max_length=64)
    status: ActivityStatus | None = Field(default=None, description="open <-> suspended -> closed (final).")


class ActivityView(BaseModel):
    id: str
    name: str
    sector: Sector
    owner_id: str
    co_manager_ids: list[str]
    kind: ActivityKind
    budget_manager_id: str | None
    status: ActivityStatus
    opened_at: datetime
    updated_at: datetime | None = None
    closed_at: datetime | None = None
