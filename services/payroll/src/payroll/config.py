"""Settings of the payroll service (environment variables, unprefixed like the
shared ones: each container has an environment of its own)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import Field, model_validator

from coop_shared.sepa import Debtor
from coop_shared.settings import ServiceSettings
from payroll.domain.chart_of_accounts import ChartOfAccounts
from payroll.domain.rules import RuleBook, default_rule_book

# A syntactically valid example account (not a real one):
# lets development and tests produce valid files; production must set its own.
_EXAMPLE_DEBTOR = Debtor(name="Cooperative shared company", iban="BE71096123456769", bic="GKCCBEBB")


class PayrollSettings(ServiceSettings):
    service_name: str = "payroll"

    # Dated payroll rules (JSON: {"rule_sets": [...]}, see payroll.domain.rules).
    # Unset: the built-in default rule set.
    payroll_rules_file: Path | None = None
    # The accountants' journal: ledger accounts mapped to other chart-of-accounts codes (JSON, see
    # payroll.domain.chart_of_accounts). Unset: the built-in PCMN mapping.
    chart_of_accounts_file: Path | None = None

    # The cooperative's account salaries are paid from (pain.001 debtor).
    payment_debtor_name: str = Field(default="Cooperative shared company", min_length=1, max_length=70)
    payment_debtor_iban: str | None = None
    payment_debtor_bic: str | None = None

    payment_batch_max_size: int = Field(default=5000, ge=1, le=20_000)
    # Contracts per database transaction in a payroll run: big enough to
    # amortise round trips, small enough to keep each transaction short.
    payroll_run_chunk_size: int = Field(default=1000, ge=1, le=10_000)

    # -- the 7-day guarantee, kept by a scheduled job -------------------------------
    # Bank business days between handing over a payment file and its execution.
    payment_lead_business_days: int = Field(default=1, ge=0, le=10)
    # Bank closing days beyond Belgian public holidays and TARGET2's (JSON list of dates).
    bank_extra_holidays: list[date] = Field(default_factory=list)
    salary_guarantee_job_seconds: float = Field(default=3600, gt=0)
    # The month-end payroll run: day of the month (31 = the last day) and time (Brussels, HH:MM).
    payroll_month_end_day: int = Field(default=31, ge=1, le=31)
    payroll_month_end_at: str = Field(default="18:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")

    # A file holding seconds the payroll clock runs ahead by (rehearsals and browser tests of a running
    # platform: work days done, then paid, in minutes). Refused in production.
    clock_offset_file: Path | None = None

    @model_validator(mode="after")
    def _no_offset_clock_in_production(self) -> PayrollSettings:
        if self.clock_offset_file is not None and self.environment == "production":
            raise ValueError("clock_offset_file: production runs on the real clock")
        return self

    def rule_book(self) -> RuleBook:
        if self.payroll_rules_file is None:
            return default_rule_book()
        return RuleBook.from_json(self.payroll_rules_file.read_text(encoding="utf-8"))

    def chart_of_accounts(self) -> ChartOfAccounts:
        if self.chart_of_accounts_file is None:
            return ChartOfAccounts()
        return ChartOfAccounts.from_json(self.chart_of_accounts_file.read_text(encoding="utf-8"))

    def debtor(self) -> Debtor | None:
        """The paying account, or None when production has not configured one (files are then refused)."""
        if self.payment_debtor_iban and self.payment_debtor_bic:
            return Debtor(self.payment_debtor_name, self.payment_debtor_iban, self.payment_debtor_bic)
        return None if self.environment == "production" else _EXAMPLE_DEBTOR
