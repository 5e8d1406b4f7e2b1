"""From gross to budget and net, and from budget back to gross and net.

Every function returns a ``SalaryBreakdown`` that holds each intermediate
amount already rounded to the cent, so a payslip can print the steps and a
reader can redo the sums by hand and land on the same cent:

    employer social security = round(gross * employer rate)
    other employer costs     = round(gross * other-costs rate)
    employment budget        = gross + employer SS + other costs
    employee social security = round(gross * 13.07 %)
    taxable                  = gross - employee SS
    withholding tax          = see ``_withholding_tax``
    net                      = taxable - withholding tax

Rounding is half-up to the cent at each printed step; the budget is the
*sum* of rounded parts (not a rounded product) so that the ledger posting of
the employer cost splits exactly into the payables it credits.

A contract whose days fall under more than one rule set (a rate changed
mid-contract) is a ``ContractSalary`` of one ``SalaryPeriod`` per rule set:
each day is paid the same share of the gross (or of the budget), and each
period is computed, rounded and taxed under the rules in force on its days.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal, Protocol

from payroll.domain.errors import DomainError, ErrorCode
from payroll.domain.money import CENT, ZERO, floor_cents, fmt, money, round_cents
from payroll.domain.rules import PayrollRules, RuleBook, TaxSlice
from payroll.domain.work_days import SpansWorkDays

Direction = Literal["from_gross", "from_budget"]


@dataclass(frozen=True, slots=True)
class PayslipLine:
    label: str
    amount: Decimal
    rate: Decimal | None = None


@dataclass(frozen=True, slots=True)
class SalaryBreakdown:
    """Every step from employment budget to net pay, for one salary of ``worked_days`` days."""

    direction: Direction
    rules_effective_from: date
    worked_days: int
    # Only set when computed from a budget: what was asked and what is left of it.
    requested_budget: Decimal | None
    unused_budget: Decimal
    employer_cost_factor: Decimal
    gross: Decimal
    employer_social_security_rate: Decimal
    employer_social_security: Decimal
    other_employer_costs_rate: Decimal
    other_employer_costs: Decimal
    employment_budget: Decimal
    employee_social_security_rate: Decimal
    employee_social_security: Decimal
    taxable: Decimal
    working_days_per_month: Decimal
    monthly_equivalent_taxable: Decimal
    tax_slices: tuple[TaxSlice, ...]
    monthly_equivalent_tax: Decimal
    withholding_tax: Decimal
    net: Decimal

    def payslip_lines(self) -> tuple[PayslipLine, ...]:
        """The steps in payslip order, budget first, net last."""
        lines = [
            PayslipLine("employment budget", self.employment_budget, self.employer_cost_factor),
            PayslipLine("employer social security", self.employer_social_security, self.employer_social_security_rate),
            PayslipLine("other employer costs", self.other_employer_costs, self.other_employer_costs_rate),
            PayslipLine("gross salary", self.gross),
            PayslipLine("employee social security", self.employee_social_security, self.employee_social_security_rate),
            PayslipLine("taxable", self.taxable),
            PayslipLine("monthly-equivalent taxable", self.monthly_equivalent_taxable),
        ]
        lines += [PayslipLine(f"tax from {fmt(s.lower)}", s.tax, s.rate) for s in self.tax_slices]
        lines += [
            PayslipLine("monthly-equivalent withholding tax", self.monthly_equivalent_tax),
            PayslipLine("withholding tax", self.withholding_tax),
            PayslipLine("net salary", self.net),
        ]
        return tuple(lines)


class SalaryTotals(Protocol):
    """What the ledger books of a salary: its totals, whether one rule set or several made them."""

    @property
    def employment_budget(self) -> Decimal: ...
    @property
    def employer_social_security(self) -> Decimal: ...
    @property
    def other_employer_costs(self) -> Decimal: ...
    @property
    def gross(self) -> Decimal: ...
    @property
    def employee_social_security(self) -> Decimal: ...
    @property
    def withholding_tax(self) -> Decimal: ...
    @property
    def net(self) -> Decimal: ...


@dataclass(frozen=True, slots=True)
class SalaryPeriod(SpansWorkDays):
    """The work days of a contract that fall under one rule set, and their salary under it."""

    work_dates: tuple[date, ...]
    salary: SalaryBreakdown



@dataclass(frozen=True, slots=True)
class ContractSalary:
    """The salary of a whole contract: one period per rule set its days fall under, and their sums."""

    direction: Direction
    requested_budget: Decimal | None
    periods: tuple[SalaryPeriod, ...]

    def _sum(self, attribute: str) -> Decimal:
        return sum((getattr(p.salary, attribute) for p in self.periods), ZERO)

    @property
    def rules_effective_from(self) -> date:
        return self.periods[0].salary.rules_effective_from

    @property
    def worked_days(self) -> int:
        return sum(p.salary.worked_days for p in self.periods)

    @property
    def employment_budget(self) -> Decimal:
        return self._sum("employment_budget")

    @property
    def unused_budget(self) -> Decimal:
        return ZERO if self.requested_budget is None else self.requested_budget - self.employment_budget

    @property
    def employer_social_security(self) -> Decimal:
        return self._sum("employer_social_security")

    @property
    def other_employer_costs(self) -> Decimal:
        return self._sum("other_employer_costs")

    @property
    def gross(self) -> Decimal:
        return self._sum("gross")

    @property
    def employee_social_security(self) -> Decimal:
        return self._sum("employee_social_security")

    @property
    def taxable(self) -> Decimal:
        return self._sum("taxable")

    @property
    def withholding_tax(self) -> Decimal:
        return self._sum("withholding_tax")

    @property
    def net(self) -> Decimal:
        return self._sum("net")


def minimum_gross(worked_days: int, rules: PayrollRules) -> Decimal:
    return round_cents(rules.minimum_gross_per_day * _days(worked_days))


def employment_budget_for_gross(gross: Decimal, rules: PayrollRules) -> Decimal:
    """What ``gross`` costs the activity (employer total cost), as the sum of rounded parts."""
    return (
        gross
        + round_cents(gross * rules.employer_social_security_rate)
        + round_cents(gross * rules.other_employer_costs_rate)
    )


def salary_from_gross(gross: Decimal, worked_days: int, rules: PayrollRules) -> SalaryBreakdown:
    """Gross → employment budget and net. Refuses a gross below the daily minimum."""
    amount = money(gross, "gross", allow_zero=False)
    _check_minimum(amount, worked_days, rules, "gross")
    return _breakdown(amount, worked_days, rules, "from_gross", None)


def gross_for_budget(budget: Decimal, rules: PayrollRules) -> Decimal:
    """The largest gross whose employment budget does not exceed ``budget``.

    Start from budget / factor rounded DOWN to the cent, so the budget is
    never exceeded. The budget is a sum of parts each rounded half-up, so that
    start can be a cent off either way: step down while it overshoots, then up
    while the next cent still fits (a cent or two at most). Taking the
    largest fitting gross makes gross -> budget -> gross give back the same
    gross, so the simulator agrees with itself in both directions.
    """
    budget = money(budget, "budget")
    gross = floor_cents(budget / rules.employer_cost_factor)
    while gross > 0 and employment_budget_for_gross(gross, rules) > budget:
        gross -= CENT
    while employment_budget_for_gross(gross + CENT, rules) <= budget:
        gross += CENT
    return gross


def salary_from_budget(budget: Decimal, worked_days: int, rules: PayrollRules) -> SalaryBreakdown:
    """Employment budget → gross → net. ``unused_budget`` is the 0-2 cents rounding leaves over."""
    requested = money(budget, "budget", allow_zero=False)
    gross = gross_for_budget(requested, rules)
    if gross <= 0:
        raise DomainError(ErrorCode.INVALID_AMOUNT, f"budget {fmt(requested)} does not cover a cent of gross", "budget")
    _check_minimum(gross, worked_days, rules, "budget")
    return _breakdown(gross, worked_days, rules, "from_budget", requested)


def simulate(
    rule_book: RuleBook,
    work_day: date,
    worked_days: int,
    *,
    gross: Decimal | None = None,
    budget: Decimal | None = None,
) -> SalaryBreakdown:
    """The simulator: "what does this gross cost / give net" or "what net does this budget give".

    ``work_day`` picks the rules (the first work day of the contract), so a
    simulation for work next year uses next year's rates.
    """
    if (gross is None) == (budget is None):
        raise DomainError(ErrorCode.INVALID_VALUE, "give exactly one of gross or budget", "gross")
    rules = rule_book.for_date(work_day)
    if gross is not None:
        return salary_from_gross(gross, worked_days, rules)
    assert budget is not None  # narrowed by the check above
    return salary_from_budget(budget, worked_days, rules)


def contract_salary(
    rule_book: RuleBook,
    work_dates: Sequence[date],
    *,
    gross: Decimal | None = None,
    budget: Decimal | None = None,
) -> ContractSalary:
    """The salary of a contract for ``work_dates``, each day under the rules in force that day.

    Days under one rule set give exactly the single-rule salary. Across a
    change of rules, every day gets the same share of the amount asked: each
    period but the last takes its days' share rounded down to the cent and the
    last takes the rest, so the shares add up to the amount exactly. A share
    below its own period's daily minimum is refused, naming that period.
    """
    if (gross is None) == (budget is None):
        raise DomainError(ErrorCode.INVALID_VALUE, "give exactly one of gross or budget", "gross")
    groups = _by_rule_set(rule_book, work_dates)
    if len(groups) == 1:
        rules, days = groups[0]
        if gross is not None:
            return ContractSalary("from_gross", None, (SalaryPeriod(days, salary_from_gross(gross, len(days), rules)),))
        assert budget is not None  # narrowed by the check above
        single = salary_from_budget(budget, len(days), rules)
        return ContractSalary("from_budget", single.requested_budget, (SalaryPeriod(days, single),))
    from_gross = gross is not None
    direction: Direction = "from_gross" if from_gross else "from_budget"
    field = "gross" if from_gross else "budget"
    total = money(gross if from_gross else budget, field, allow_zero=False)
    periods = []
    for (rules, days), share in zip(groups, _equal_daily_shares(total, [len(days) for _, days in groups]), strict=True):
        period_gross = share if from_gross else gross_for_budget(share, rules)
        _check_period_minimum(period_gross, days, rules, field)
        breakdown = _breakdown(period_gross, len(days), rules, direction, None if from_gross else share)
        periods.append(SalaryPeriod(days, breakdown))
    return ContractSalary(direction, None if from_gross else total, tuple(periods))


def salary_of_periods(periods: Sequence[tuple[PayrollRules, Sequence[date], Decimal]]) -> ContractSalary:
    """Recompute a contract's salary from each period's rules, days and gross (what a payslip is issued from)."""
    return ContractSalary("from_gross", None, tuple(
        SalaryPeriod(tuple(days), salary_from_gross(gross, len(days), rules)) for rules, days, gross in periods
    ))


def _by_rule_set(rule_book: RuleBook, work_dates: Sequence[date]) -> list[tuple[PayrollRules, tuple[date, ...]]]:
    """The sorted work days, cut wherever the rules in force change."""
    groups: list[tuple[PayrollRules, list[date]]] = []
    for day in sorted(set(work_dates)):
        rules = rule_book.for_date(day)
        if groups and groups[-1][0] is rules:
            groups[-1][1].append(day)
        else:
            groups.append((rules, [day]))
    if not groups:
        raise DomainError(ErrorCode.INVALID_WORK_DATES, "at least one work date is required", "work_dates")
    return [(rules, tuple(days)) for rules, days in groups]


def _equal_daily_shares(total: Decimal, day_counts: Sequence[int]) -> list[Decimal]:
    """Split ``total`` so every day gets the same part: round down all but the last, which takes the rest."""
    all_days = sum(day_counts)
    shares = [floor_cents(total * days / all_days) for days in day_counts[:-1]]
    return [*shares, total - sum(shares, ZERO)]


def _check_period_minimum(gross: Decimal, days: tuple[date, ...], rules: PayrollRules, field: str) -> None:
    minimum = minimum_gross(len(days), rules)
    if gross >= minimum:
        return
    details: dict[str, object] = {
        "first_work_day": days[0].isoformat(),
        "last_work_day": days[-1].isoformat(),
        "rules_effective_from": rules.effective_from.isoformat(),
        "minimum_gross_per_day": fmt(rules.minimum_gross_per_day),
        "worked_days": len(days),
        "minimum_gross": fmt(minimum),
        "gross": fmt(gross),
    }
    raise DomainError(
        ErrorCode.BELOW_MINIMUM_GROSS,
        f"the {len(days)} day(s) from {days[0].isoformat()} to {days[-1].isoformat()} fall under the rules from "
        f"{rules.effective_from.isoformat()} and get a gross of {fmt(gross)}, below their minimum of "
        f"{fmt(rules.minimum_gross_per_day)} per day ({fmt(minimum)})",
        field,
        details,
    )


def _days(worked_days: int) -> int:
    if isinstance(worked_days, bool) or not isinstance(worked_days, int) or worked_days < 1:
        raise DomainError(
            ErrorCode.INVALID_VALUE, f"worked_days must be a whole number >= 1, got {worked_days!r}", "worked_days"
        )
    return worked_days


def _check_minimum(gross: Decimal, worked_days: int, rules: PayrollRules, field: str) -> None:
    minimum = minimum_gross(worked_days, rules)
    if gross >= minimum:
        return
    details: dict[str, object] = {
        "minimum_gross_per_day": fmt(rules.minimum_gross_per_day),
        "worked_days": worked_days,
        "minimum_gross": fmt(minimum),
        "gross": fmt(gross),
        "minimum_budget": fmt(employment_budget_for_gross(minimum, rules)),
    }
    raise DomainError(
        ErrorCode.BELOW_MINIMUM_GROSS,
        f"gross {fmt(gross)} for {worked_days} day(s) is below the minimum of "
        f"{fmt(rules.minimum_gross_per_day)} per day ({fmt(minimum)} in total)",
        field,
        details,
    )


def _withholding_tax(
    taxable: Decimal, worked_days: int, rules: PayrollRules
) -> tuple[Decimal, tuple[TaxSlice, ...], Decimal, Decimal]:
    """Tax a salary for N days with the monthly table.

    The table is monthly, the salary covers N days. Scale taxable pay to what
    a month of such days would pay (* working_days_per_month / N), apply the
    table, and scale the tax back (* N / working_days_per_month). Each step is
    rounded half-up to the cent so the payslip can show it. Every step is a
    non-decreasing function of taxable pay, so tax never falls when pay rises.
    """
    monthly_taxable = round_cents(taxable * rules.working_days_per_month / worked_days)
    slices = rules.withholding_tax.slices(monthly_taxable)
    monthly_tax = sum((s.tax for s in slices), ZERO)
    tax = round_cents(monthly_tax * worked_days / rules.working_days_per_month)
    return monthly_taxable, slices, monthly_tax, tax


def _breakdown(
    gross: Decimal, worked_days: int, rules: PayrollRules, direction: Direction, requested_budget: Decimal | None
) -> SalaryBreakdown:
    employer_ss = round_cents(gross * rules.employer_social_security_rate)
    other_costs = round_cents(gross * rules.other_employer_costs_rate)
    budget = gross + employer_ss + other_costs  # same formula as employment_budget_for_gross
    employee_ss = round_cents(gross * rules.employee_social_security_rate)
    taxable = gross - employee_ss
    monthly_taxable, slices, monthly_tax, tax = _withholding_tax(taxable, worked_days, rules)
    return SalaryBreakdown(
        direction=direction,
        rules_effective_from=rules.effective_from,
        worked_days=worked_days,
        requested_budget=requested_budget,
        unused_budget=ZERO if requested_budget is None else requested_budget - budget,
        employer_cost_factor=rules.employer_cost_factor,
        gross=gross,
        employer_social_security_rate=rules.employer_social_security_rate,
        employer_social_security=employer_ss,
        other_employer_costs_rate=rules.other_employer_costs_rate,
        other_employer_costs=other_costs,
        employment_budget=budget,
        employee_social_security_rate=rules.employee_social_security_rate,
        employee_social_security=employee_ss,
        taxable=taxable,
        working_days_per_month=rules.working_days_per_month,
        monthly_equivalent_taxable=monthly_taxable,
        tax_slices=slices,
        monthly_equivalent_tax=monthly_tax,
        withholding_tax=tax,
        net=taxable - tax,
    )
