"""The 7-day guarantee: a salary is paid within 7 days of the work, even if
the client has not paid yet.

When the activity's available budget is short, the cooperative's guarantee
fund advances the shortfall, but only against money that is expected: the
outstanding amount of the activity's issued, not-yet-paid invoices, counted
excluding VAT and the cooperative's contribution (the part that will
actually reach the activity), minus what the fund has already advanced
against them. Beyond that cap the salary request is refused: the fund
guarantees timing, not turnover that does not exist.

The advance is repaid first when a client pays (``repayment_on_payment``,
booked by ``ledger.client_payment_received``); if an invoice becomes
uncollectable the fund absorbs the advance it backed
(``write_off_absorption``): the member is never charged for it.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Final

from payroll.domain.errors import DomainError, ErrorCode
from payroll.domain.money import ZERO, fmt, money, round_cents, to_decimal

# The promise itself, not a tunable rate: it is what the cooperative sells.
SALARY_PAYMENT_DELAY: Final = timedelta(days=7)


def salary_due_date(last_work_day: date) -> date:
    """The latest day the net salary may reach the worker."""
    return last_work_day + SALARY_PAYMENT_DELAY


def receivable_cover(outstanding_excl_vat: Decimal, contribution_rate: Decimal) -> Decimal:
    """What unpaid invoices will bring the activity: excl. VAT, minus the contribution (rounded as when paid)."""
    amount = money(outstanding_excl_vat, "outstanding_excl_vat")
    return amount - round_cents(amount * to_decimal(contribution_rate, "contribution_rate"))


def advance_cap(outstanding_receivables: Decimal, already_advanced: Decimal) -> Decimal:
    """How much more the fund may advance: the receivables not already pledged by earlier advances."""
    receivables = money(outstanding_receivables, "outstanding_receivables")
    advanced = money(already_advanced, "already_advanced")
    return max(ZERO, receivables - advanced)


def advance_needed(
    cost: Decimal,
    available_budget: Decimal,
    outstanding_receivables: Decimal,
    already_advanced: Decimal,
) -> Decimal:
    """The advance the fund must make so the activity can pay ``cost`` now (0 if the budget suffices).

    ``outstanding_receivables`` is the activity's issued, unpaid invoices
    excluding VAT and contribution (see ``receivable_cover``). Raises
    ``insufficient_budget`` when even the capped advance is not enough.
    """
    needed = money(cost, "cost", allow_zero=False)
    # A negative budget cannot happen through the ledger builders, but if it
    # did, treating it as zero would understate the shortfall; keep it.
    budget = to_decimal(available_budget, "available_budget")
    shortfall = max(ZERO, needed - budget)
    if shortfall == 0:
        return ZERO
    cap = advance_cap(outstanding_receivables, already_advanced)
    if shortfall > cap:
        missing = shortfall - cap
        raise DomainError(
            ErrorCode.INSUFFICIENT_BUDGET,
            f"the salary costs {fmt(needed)} but the activity has {fmt(budget)} available and the guarantee fund "
            f"can advance at most {fmt(cap)} against unpaid invoices: {fmt(missing)} is missing",
            "employment_budget",
            {"cost": fmt(needed), "available": fmt(budget), "cap": fmt(cap), "missing": fmt(missing)},
        )
    return shortfall


def repayment_on_payment(activity_share: Decimal, outstanding_advance: Decimal) -> Decimal:
    """On a client payment the fund takes its advance back first, up to the activity's share of that payment."""
    return min(money(activity_share, "activity_share"), money(outstanding_advance, "outstanding_advance"))


def write_off_absorption(outstanding_advance: Decimal, written_off_cover: Decimal) -> Decimal:
    """The advance the fund absorbs when an invoice is written off as uncollectable.

    Advances are made against the activity's unpaid invoices as a pool, so
    the part "backed by" one invoice is at most what that invoice would have
    brought (``written_off_cover``: its outstanding amount excl. VAT and
    contribution), and at most what is still advanced. The fund takes that
    over instead of leaving the member to repay it from future work.
    """
    return min(money(outstanding_advance, "outstanding_advance"), money(written_off_cover, "written_off_cover"))


def uncovered_advance(outstanding_advance: Decimal, receivables_after: Decimal, removed_cover: Decimal) -> Decimal:
    """What the fund absorbs when unpaid invoices stop being expected (written off or credited).

    The advance was made against the activity's unpaid invoices as a POOL, so
    losing one invoice only costs the fund the part of the advance the
    remaining invoices no longer cover, and never more than the cover that
    was lost. Contrast ``write_off_absorption``, which charges the lost cover
    in full: with it, "write-off of invoice A, then payment of invoice B"
    and the reverse order end with different balances, whereas with this
    rule the advance is always repaid by payments first and absorbed only for
    what no payment will ever bring, whatever order the events arrive in.
    """
    advance = money(outstanding_advance, "outstanding_advance")
    remaining = to_decimal(receivables_after, "receivables_after")
    lost = money(removed_cover, "removed_cover")
    return min(lost, max(ZERO, advance - max(ZERO, remaining)))
