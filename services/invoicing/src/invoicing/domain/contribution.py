"""The cooperative's contribution: a share of what is invoiced excl. VAT.

The rate (6.5 % today) is dated configuration: a new rate is a new row with
its own ``effective_from``, and an invoice keeps the rate of its issue date.
Money moving between two activities of the cooperative carries none.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from invoicing.domain.checks import require_date
from invoicing.domain.dated import effective_row
from invoicing.domain.errors import DomainValidationError
from invoicing.domain.money import (
    HUNDRED,
    ZERO,
    percent_of,
    require_cents,
    require_non_negative,
    require_percent,
    round_cents,
)
from invoicing.domain.totals import InvoiceTotals


@dataclass(frozen=True, slots=True)
class ContributionRate:
    rate: Decimal  # percent: 6.5 means 6.5 %
    effective_from: date

    def __post_init__(self) -> None:
        object.__setattr__(self, "rate", require_percent(self.rate))
        require_date(self.effective_from, "effective_from")


class ContributionSchedule:
    __slots__ = ("_rates",)

    def __init__(self, rates: Iterable[ContributionRate]) -> None:
        ordered = tuple(sorted(rates, key=lambda r: r.effective_from))
        days = [r.effective_from for r in ordered]
        if not ordered or len(set(days)) != len(days):
            raise DomainValidationError(
                "contribution.schedule_invalid",
                "The schedule needs at least one rate and one rate per start day.",
                "rates",
            )
        self._rates = ordered

    @property
    def rates(self) -> tuple[ContributionRate, ...]:
        return self._rates

    def with_rate(self, rate: ContributionRate) -> ContributionSchedule:
        return ContributionSchedule((*self._rates, rate))

    def rate_on(self, on: date) -> Decimal:
        row = effective_row(self._rates, require_date(on, "on"))
        if row is None:
            raise DomainValidationError(
                "contribution.rate_not_defined", f"No contribution rate on {on.isoformat()}.", "on"
            )
        return row.rate


# Start of the series: before the platform's first invoice, so every
# invoice it can issue finds a rate.
DEFAULT_CONTRIBUTION_SCHEDULE = ContributionSchedule([ContributionRate(Decimal("6.5"), date(1998, 1, 1))])


def contribution_rate(
    on: date, *, intra_cooperative: bool = False, schedule: ContributionSchedule = DEFAULT_CONTRIBUTION_SCHEDULE
) -> Decimal:
    """Rate in percent applying to an invoice issued ``on`` (0 between activities)."""
    return Decimal(0) if intra_cooperative else schedule.rate_on(on)


def contribution_for(
    amount_excl_vat: Decimal,
    on: date,
    *,
    intra_cooperative: bool = False,
    schedule: ContributionSchedule = DEFAULT_CONTRIBUTION_SCHEDULE,
) -> Decimal:
    """Contribution on an amount excl. VAT, half-up to the cent."""
    rate = contribution_rate(on, intra_cooperative=intra_cooperative, schedule=schedule)
    return percent_of(amount_excl_vat, rate)


def price_for(
    labour_cost: Decimal,
    expenses: Decimal,
    on: date,
    *,
    intra_cooperative: bool = False,
    schedule: ContributionSchedule = DEFAULT_CONTRIBUTION_SCHEDULE,
) -> Decimal:
    """Amount to invoice excl. VAT so that, once the contribution is taken,
    labour and expenses are covered: (labour + expenses) / (1 − rate).

    With cent inputs, ``price - contribution_for(price) == labour + expenses``
    exactly: both roundings are at most half a cent and rate > 0 keeps their
    sum under one cent.
    """
    cost = require_non_negative(labour_cost, "labour_cost") + require_non_negative(expenses, "expenses")
    rate = contribution_rate(on, intra_cooperative=intra_cooperative, schedule=schedule)
    return round_cents(cost * HUNDRED / (HUNDRED - rate))


@dataclass(frozen=True, slots=True)
class PaymentSplit:
    """Where a client payment goes. Always:
    ``excl_vat + vat == amount`` and ``contribution + activity_share == excl_vat``."""

    excl_vat: Decimal
    vat: Decimal
    contribution: Decimal  # to the cooperative's mutual fund
    activity_share: Decimal  # credited to the member's activity

    @property
    def amount(self) -> Decimal:
        return self.excl_vat + self.vat


def split_payment(
    amount_incl_vat: Decimal,
    invoice_totals: InvoiceTotals,
    *,
    contribution_rate: Decimal,
    already_paid: Decimal | None = None,
) -> PaymentSplit:
    """Split a (possibly partial) payment in proportion to the invoice.

    ``contribution_rate`` is the invoice's rate (from its issue date, 0 for
    an intra-cooperative invoice). ``already_paid`` is everything received
    before this payment, the prepaid amount included (the default).

    Rounding: each figure is computed on the *cumulative* amount paid,
    before and after this payment, rounded half-up to the cent; this
    payment's part is the difference, and VAT and activity share are
    remainders. Hence each payment's parts add up exactly to the payment,
    and once the invoice is fully paid the parts of all instalments add up
    exactly to the invoice's own excl. VAT, VAT and contribution, however
    the instalments were cut. An overpayment is refused: the caller keeps
    the excess apart (it is not turnover).
    """
    amount = require_cents(amount_incl_vat, "amount")
    if amount <= 0:
        raise DomainValidationError("payment.amount_not_positive", "A payment must be positive.", "amount")
    rate = require_percent(contribution_rate, "contribution_rate")
    before = invoice_totals.prepaid if already_paid is None else require_cents(already_paid, "already_paid")
    before = require_non_negative(before, "already_paid")
    after = before + amount
    total = invoice_totals.total_incl_vat
    if after > total:
        raise DomainValidationError(
            "payment.exceeds_outstanding",
            f"Payment of {amount} exceeds the outstanding {max(total - before, ZERO)}.",
            "amount",
        )
    excl_total = invoice_totals.total_excl_vat
    contribution_total = percent_of(excl_total, rate)

    def excl_paid(paid: Decimal) -> Decimal:
        return round_cents(excl_total * paid / total)

    def contribution_paid(excl: Decimal) -> Decimal:
        return round_cents(contribution_total * excl / excl_total) if excl_total else ZERO

    excl_before, excl_after = excl_paid(before), excl_paid(after)
    excl = excl_after - excl_before
    contribution = contribution_paid(excl_after) - contribution_paid(excl_before)
    return PaymentSplit(
        excl_vat=excl,
        vat=amount - excl,
        contribution=contribution,
        activity_share=excl - contribution,
    )
