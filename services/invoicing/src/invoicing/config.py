"""Settings of the invoicing service (environment variables, unprefixed like
the shared ones: each container has an environment of its own).

The cooperative is the legal seller on every document: its identity and bank
account come from here. The defaults are fictitious but pass every checksum
(VAT BE0123456749, IBAN, BIC), so development documents validate; production
must set real values.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Self

from pydantic import BaseModel, Field, SecretStr, model_validator
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.be import vat as be_vat

from coop_shared.settings import ServiceSettings
from invoicing.domain.clients import PeppolParticipantId, normalize_country
from invoicing.domain.contribution import ContributionRate, ContributionSchedule
from invoicing.domain.errors import DomainValidationError
from invoicing.domain.expenses import FiscalCalendar
from invoicing.domain.reminders import ReminderPolicy
from invoicing.domain.vat import BELGIAN_VAT_RATES, RateCategory, VatRate, VatRateTable

DEVELOPMENT_SELLER_VAT = "BE0123456749"  # fictitious, checksum-valid


class DatedRate(BaseModel):
    rate: Decimal = Field(ge=0, lt=100, description="Percent: 6.5 means 6.5 %.")
    effective_from: date


class VatRateRow(BaseModel):
    category: RateCategory
    rate: Decimal = Field(ge=0, lt=100, description="Percent: 21 means 21 %.")
    effective_from: date


def _belgian_vat_rates() -> list[VatRateRow]:
    return [VatRateRow(category=r.category, rate=r.rate, effective_from=r.effective_from)
            for r in BELGIAN_VAT_RATES.rows]


class InvoicingSettings(ServiceSettings):
    service_name: str = "invoicing"

    # -- the cooperative, legal seller on every invoice -------------------------
    seller_name: str = Field(default="Coopérative Partagée SC", min_length=1, max_length=70)
    seller_street: str = "Rue de la Coopération 12"
    seller_postal_code: str = "1000"
    seller_city: str = "Bruxelles"
    seller_country: str = "BE"
    seller_vat_number: str = DEVELOPMENT_SELLER_VAT
    seller_enterprise_number: str = "0123456749"
    seller_peppol_id: str = "0208:0123456749"
    seller_iban: str = "BE71096123456769"
    seller_bic: str = "GKCCBEBB"
    seller_email: str | None = "facturation@coop-partagee.example"
    seller_legal_mention: str = "Coopérative Partagée SC – RPM Bruxelles – BCE 0123.456.749"

    # -- rules ------------------------------------------------------------------
    # The cooperative's contribution, dated: a new rate is a new row.
    contribution_rates: list[DatedRate] = Field(
        default_factory=lambda: [DatedRate(rate=Decimal("6.5"), effective_from=date(1998, 1, 1))], min_length=1
    )
    # Belgian VAT rates, dated like the contribution: a change of law is a new row
    # (VAT_RATES as JSON), and each line takes the rate in force on its day of supply.
    vat_rates: list[VatRateRow] = Field(default_factory=_belgian_vat_rates, min_length=1)
    default_payment_term_days: int = Field(default=30, ge=0, le=120)
    # A client link stays openable this long after the quote's validity date
    # (the client can still read it; answering needs a valid quote).
    quote_link_grace_days: int = Field(default=30, ge=0, le=365)

    # -- documents reaching clients ------------------------------------------------------
    # Where people reach the platform (the gateway): client pages and portal links start here.
    public_base_url: str = "http://127.0.0.1:8080"
    # An invoice's client link opens its page this many days (a new link can be asked for).
    invoice_link_days: int = Field(default=120, ge=1, le=3650)

    # -- Peppol ------------------------------------------------------------------------
    # The cooperative's access point (docs/peppol-access-point.md). Set, an invoice or credit note whose
    # client has a Peppol id is handed to it when it is sent; unset, documents reach clients by e-mail only.
    peppol_access_point_url: str | None = None
    peppol_access_point_token: SecretStr | None = None
    peppol_job_interval_seconds: float = Field(default=10, gt=0)
    # An access point down this many attempts in a row (30 s doubling to 1 h apart) parks the transmission.
    peppol_max_attempts: int = Field(default=20, ge=1, le=100)

    # -- payments and bank statements -------------------------------------------------
    # Money no invoice took is assigned or refunded within this many days of receipt; later, it is flagged.
    refund_due_days: int = Field(default=14, ge=1, le=365)
    refund_check_job_at: str = Field(default="08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    bank_statement_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, le=50 * 1024 * 1024)
    # The cooperative's own accounts, comma-separated IBANs: a statement of any
    # other account is refused. Empty: the account printed on the invoices.
    cooperative_bank_accounts: str = ""

    # -- overdue invoices and reminders (days after the due date) ---------------------
    reminder_first_after_days: int = Field(default=7, ge=1, le=365)
    reminder_formal_notice_after_days: int = Field(default=21, ge=2, le=365)
    reminder_payment_days: int = Field(default=10, ge=0, le=90, description="Deadline printed on a reminder.")
    # A scheduled job (one replica at a time; the unique (invoice, level) key makes each step once anyway).
    reminder_job_enabled: bool = True
    reminder_job_interval_seconds: float = Field(default=3600, gt=0)
    reminder_job_initial_delay_seconds: float = Field(default=30, ge=0)
    # Quotes past their validity expire each night (Brussels wall clock, HH:MM).
    quote_expiry_job_at: str = Field(default="00:05", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")

    # -- expense claims ---------------------------------------------------------------
    # Last year's receipts are accepted up to this day (MM-DD) of the new year.
    expense_previous_year_cutoff: str = "01-31"
    expense_attachment_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024, le=15 * 1024 * 1024)
    expense_attachments_max: int = Field(default=10, ge=1, le=50)

    @model_validator(mode="after")
    def _seller_identity_is_valid(self) -> Self:
        if not be_vat.is_valid(self.seller_vat_number) or not self.seller_vat_number.startswith("BE"):
            raise ValueError(f"SELLER_VAT_NUMBER {self.seller_vat_number!r} is not a valid Belgian VAT number")
        if not be_vat.is_valid(self.seller_enterprise_number) or not self.seller_enterprise_number.isdigit():
            raise ValueError("SELLER_ENTERPRISE_NUMBER must be 10 digits with a valid checksum")
        if self.seller_vat_number[2:] != self.seller_enterprise_number:
            raise ValueError("SELLER_VAT_NUMBER must be 'BE' + SELLER_ENTERPRISE_NUMBER")
        if not stdnum_iban.is_valid(self.seller_iban) or stdnum_iban.compact(self.seller_iban) != self.seller_iban:
            raise ValueError("SELLER_IBAN must be a valid IBAN in compact form")
        if not stdnum_bic.is_valid(self.seller_bic) or not self.seller_bic.isupper():
            raise ValueError("SELLER_BIC must be a valid BIC")
        for account in self.bank_accounts:
            if not stdnum_iban.is_valid(account):
                raise ValueError(f"COOPERATIVE_BANK_ACCOUNTS: {account!r} is not a valid IBAN")
        try:
            PeppolParticipantId.parse(self.seller_peppol_id)
            normalize_country(self.seller_country)
            self.contribution_schedule()
            self.vat_rate_table()
            self.reminder_policy()
            self.fiscal_calendar()
        except DomainValidationError as exc:
            raise ValueError(f"invalid settings: {exc}") from exc
        return self

    def contribution_schedule(self) -> ContributionSchedule:
        return ContributionSchedule(ContributionRate(r.rate, r.effective_from) for r in self.contribution_rates)

    def vat_rate_table(self) -> VatRateTable:
        return VatRateTable(VatRate(r.category, r.rate, r.effective_from) for r in self.vat_rates)

    def reminder_policy(self) -> ReminderPolicy:
        return ReminderPolicy(self.reminder_first_after_days, self.reminder_formal_notice_after_days,
                              self.reminder_payment_days)

    def fiscal_calendar(self) -> FiscalCalendar:
        return FiscalCalendar.parse(self.expense_previous_year_cutoff)

    @property
    def max_body_bytes(self) -> int:
        """The largest upload (a statement or a receipt) plus room for the multipart envelope."""
        return max(self.bank_statement_max_bytes, self.expense_attachment_max_bytes) + 64 * 1024

    @property
    def bank_accounts(self) -> frozenset[str]:
        """The cooperative's accounts, compact IBANs."""
        given = [stdnum_iban.compact(a) for a in self.cooperative_bank_accounts.split(",") if a.strip()]
        return frozenset(given or [self.seller_iban])

    @property
    def uses_development_seller(self) -> bool:
        return self.seller_vat_number == DEVELOPMENT_SELLER_VAT

    @property
    def seller_peppol(self) -> PeppolParticipantId:
        return PeppolParticipantId.parse(self.seller_peppol_id)
