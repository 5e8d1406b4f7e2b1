"""The payslip: every step from the employment budget to the net pay, as lines that add up.

Each line has a stable ``code`` (for programs), a ``label`` (for people), an
amount and, where one applies, the rate. ``SUMS`` states which lines make
which total, and ``check_lines`` proves them on the rounded amounts actually
printed, so what a member adds up on paper is what was paid.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from payroll.domain.errors import DomainError, ErrorCode
from payroll.domain.money import ZERO, fmt
from payroll.domain.salary import ContractSalary, SalaryBreakdown


@dataclass(frozen=True, slots=True)
class Line:
    code: str
    label: str
    amount: Decimal
    rate: Decimal | None = None


# total = sum of (sign * line) for each listed line.
SUMS: Final[Mapping[str, tuple[tuple[int, str], ...]]] = {
    "employment_budget": ((1, "gross"), (1, "employer_social_security"), (1, "other_employer_costs")),
    "taxable": ((1, "gross"), (-1, "employee_social_security")),
    "net": ((1, "taxable"), (-1, "withholding_tax")),
}


def lines(salary: SalaryBreakdown) -> tuple[Line, ...]:
    """The payslip lines in reading order: what the activity pays, then what the worker gets."""
    result = [
        Line("employment_budget", "Employment budget (employer's total cost)", salary.employment_budget,
             salary.employer_cost_factor),
        Line("employer_social_security", "Employer social security", salary.employer_social_security,
             salary.employer_social_security_rate),
        Line("other_employer_costs", "Other employer costs (insurance, holiday pay)", salary.other_employer_costs,
             salary.other_employer_costs_rate),
        Line("gross", "Gross salary", salary.gross),
        Line("employee_social_security", "Employee social security", salary.employee_social_security,
             salary.employee_social_security_rate),
        Line("taxable", "Taxable pay", salary.taxable),
        Line("monthly_equivalent_taxable", "Monthly-equivalent taxable pay", salary.monthly_equivalent_taxable),
    ]
    result += [
        Line(f"tax_slice_{index}", f"Tax on the part from {fmt(s.lower)}" + ("" if s.upper is None else
             f" to {fmt(s.upper)}"), s.tax, s.rate)
        for index, s in enumerate(salary.tax_slices, start=1)
    ]
    result += [
        Line("monthly_equivalent_tax", "Monthly-equivalent withholding tax", salary.monthly_equivalent_tax),
        Line("withholding_tax", f"Withholding tax for {salary.worked_days} day(s)", salary.withholding_tax),
        Line("net", "Net salary", salary.net),
    ]
    check_lines(result)
    return tuple(result)


# The totals of a contract under several rule sets, after each period's own lines.
_CONTRACT_TOTALS: Final[tuple[tuple[str, str], ...]] = (
    ("employment_budget", "Total employment budget"),
    ("employer_social_security", "Total employer social security"),
    ("other_employer_costs", "Total other employer costs"),
    ("gross", "Total gross salary"),
    ("employee_social_security", "Total employee social security"),
    ("taxable", "Total taxable pay"),
    ("withholding_tax", "Total withholding tax"),
    ("net", "Total net salary"),
)


def contract_lines(salary: ContractSalary) -> tuple[Line, ...]:
    """A contract's payslip: its single period's lines, or each period's lines and then the totals.

    Under several rule sets, a period's lines are coded ``period_<n>.<code>``
    and labelled with its days and the rules they fall under, so a reader sees
    which rate applied to which days; the totals keep the plain codes.
    """
    if len(salary.periods) == 1:
        return lines(salary.periods[0].salary)
    result: list[Line] = []
    for number, period in enumerate(salary.periods, start=1):
        prefix = (f"{period.first_work_day.isoformat()} to {period.last_work_day.isoformat()} "
                  f"(rules from {period.salary.rules_effective_from.isoformat()}): ")
        result += [Line(f"period_{number}.{line.code}", prefix + line.label, line.amount, line.rate)
                   for line in lines(period.salary)]
    totals = [Line(code, label, getattr(salary, code)) for code, label in _CONTRACT_TOTALS]
    _check_sums({line.code: line.amount for line in totals})
    return (*result, *totals)


def check_lines(payslip_lines: Iterable[Line]) -> None:
    """Refuse a payslip whose printed lines do not add up to the cent."""
    ordered = list(payslip_lines)
    by_code = {line.code: line.amount for line in ordered}
    _check_sums(by_code)
    slices = sum((line.amount for line in ordered if line.code.startswith("tax_slice_")), ZERO)
    if slices != by_code["monthly_equivalent_tax"]:
        raise DomainError(
            ErrorCode.INVALID_VALUE,
            f"the tax slices add up to {fmt(slices)}, not the monthly-equivalent tax "
            f"{fmt(by_code['monthly_equivalent_tax'])}",
            "monthly_equivalent_tax",
        )


def _check_sums(by_code: Mapping[str, Decimal]) -> None:
    for total, parts in SUMS.items():
        computed = sum((sign * by_code[code] for sign, code in parts), ZERO)
        if computed != by_code[total]:
            raise DomainError(
                ErrorCode.INVALID_VALUE,
                f"payslip line {total} is {fmt(by_code[total])} but its parts add up to {fmt(computed)}",
                total,
            )
