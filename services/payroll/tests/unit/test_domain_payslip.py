"""Payslip lines add up to the cent, and budget -> gross -> net -> budget round-trips."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from payroll.domain import payslip
from payroll.domain.errors import DomainError
from payroll.domain.rules import PayrollRules, RuleBook, default_rule_book
from payroll.domain.salary import contract_salary, minimum_gross, salary_from_budget, salary_from_gross

RULES = default_rule_book().for_date(date(2026, 5, 1))
days_st = st.integers(1, 31)


@st.composite
def budgets(draw: st.DrawFn) -> tuple[Decimal, int]:
    days = draw(days_st)
    floor = int(minimum_gross(days, RULES) * RULES.employer_cost_factor * 100) + 100
    return Decimal(draw(st.integers(floor, 5_000_000))) / 100, days


@settings(max_examples=500)
@given(budgets())
def test_budget_to_gross_to_net_to_budget_round_trips_to_the_cent(case: tuple[Decimal, int]) -> None:
    budget, days = case
    from_budget = salary_from_budget(budget, days, RULES)
    # Every cent of the budget is accounted for: spent, or shown as unused (0-2 cents of rounding).
    assert from_budget.employment_budget + from_budget.unused_budget == budget
    assert Decimal(0) <= from_budget.unused_budget <= Decimal("0.02")
    # Back from the gross it gives: the same employer cost, the same net, to the cent.
    from_gross = salary_from_gross(from_budget.gross, days, RULES)
    assert (from_gross.employment_budget, from_gross.net) == (from_budget.employment_budget, from_budget.net)
    # And a budget that a gross can cost exactly comes back exactly.
    again = salary_from_budget(from_gross.employment_budget, days, RULES)
    assert again.gross == from_budget.gross and again.unused_budget == 0 and again.net == from_budget.net


@settings(max_examples=500)
@given(gross_cents=st.integers(9_000, 5_000_000), days=st.integers(1, 10))
def test_payslip_lines_sum_exactly(gross_cents: int, days: int) -> None:
    gross = max(Decimal(gross_cents) / 100, minimum_gross(days, RULES))
    lines = payslip.lines(salary_from_gross(gross, days, RULES))  # checks itself
    by_code = {line.code: line.amount for line in lines}
    assert by_code["employment_budget"] == by_code["gross"] + by_code["employer_social_security"] + by_code[
        "other_employer_costs"]
    assert by_code["net"] == by_code["gross"] - by_code["employee_social_security"] - by_code["withholding_tax"]
    assert all(line.amount == line.amount.quantize(Decimal("0.01")) for line in lines)
    assert lines[0].code == "employment_budget" and lines[-1].code == "net"


def test_a_payslip_that_does_not_add_up_is_refused() -> None:
    lines = list(payslip.lines(salary_from_gross(Decimal("1000.00"), 5, RULES)))
    index = next(i for i, line in enumerate(lines) if line.code == "net")
    lines[index] = replace(lines[index], amount=lines[index].amount + Decimal("0.01"))
    with pytest.raises(DomainError) as refused:
        payslip.check_lines(lines)
    assert refused.value.field == "net"


def test_a_contract_across_a_rule_change_prints_each_period_then_the_totals() -> None:
    book = RuleBook([RULES, PayrollRules.from_dict({**RULES.to_dict(), "effective_from": "2026-06-01",
                                                    "employer_social_security_rate": "0.27"})])
    salary = contract_salary(book, [date(2026, 5, 29), date(2026, 6, 1)], gross=Decimal("400.00"))
    lines = payslip.contract_lines(salary)
    by_code = {line.code: line for line in lines}
    assert by_code["period_1.employer_social_security"].rate == Decimal("0.25")
    assert by_code["period_2.employer_social_security"].rate == Decimal("0.27")
    assert by_code["period_2.gross"].label.startswith("2026-06-01 to 2026-06-01 (rules from 2026-06-01): ")
    assert by_code["employment_budget"].amount == (by_code["period_1.employment_budget"].amount
                                                   + by_code["period_2.employment_budget"].amount)
    assert [line.code for line in lines[-8:]] == ["employment_budget", "employer_social_security",
                                                  "other_employer_costs", "gross", "employee_social_security",
                                                  "taxable", "withholding_tax", "net"]
    assert by_code["net"].amount == salary.net
    single = contract_salary(book, [date(2026, 6, 1), date(2026, 6, 2)], gross=Decimal("400.00"))
    assert payslip.contract_lines(single) == payslip.lines(single.periods[0].salary)
