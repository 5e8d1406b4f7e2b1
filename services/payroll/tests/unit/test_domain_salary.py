"""Gross <-> budget <-> net: worked examples, the minimum, and properties."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from payroll.domain.errors import DomainError
from payroll.domain.rules import PayrollRules, RuleBook, TaxBracket, WithholdingTaxTable, default_rule_book
from payroll.domain.salary import (
    SalaryBreakdown,
    contract_salary,
    employment_budget_for_gross,
    gross_for_budget,
    minimum_gross,
    salary_from_budget,
    salary_from_gross,
    simulate,
)

BOOK = default_rule_book()
RULES = BOOK.for_date(date(2026, 3, 1))
CENT = Decimal("0.01")

days = st.integers(min_value=1, max_value=31)


def cents(low: int, high: int) -> st.SearchStrategy[Decimal]:
    return st.integers(min_value=low, max_value=high).map(lambda n: Decimal(n) / 100)


def assert_steps_add_up(s: SalaryBreakdown) -> None:
    assert s.employment_budget == s.gross + s.employer_social_security + s.other_employer_costs
    assert s.taxable == s.gross - s.employee_social_security
    assert s.monthly_equivalent_tax == sum((t.tax for t in s.tax_slices), Decimal("0"))
    assert s.net == s.taxable - s.withholding_tax
    for value in (s.gross, s.employment_budget, s.taxable, s.withholding_tax, s.net, s.unused_budget):
        assert value == value.quantize(CENT)


def test_worked_example_from_gross() -> None:
    s = salary_from_gross(Decimal("1500.00"), 10, RULES)
    assert s.direction == "from_gross"
    assert s.employer_social_security == Decimal("375.00")
    assert s.other_employer_costs == Decimal("150.00")
    assert s.employment_budget == Decimal("2025.00")
    assert s.employee_social_security == Decimal("196.05")  # 1500 * 13.07 %
    assert s.taxable == Decimal("1303.95")
    # Monthly equivalent: 1303.95 * 21.67 / 10 = 2825.65965 -> 2825.66
    assert s.monthly_equivalent_taxable == Decimal("2825.66")
    # 900 * 26.75 % = 240.75 ; 825.66 * 32.10 % = 265.03686 -> 265.04
    assert [t.tax for t in s.tax_slices] == [Decimal("0.00"), Decimal("240.75"), Decimal("265.04")]
    assert s.monthly_equivalent_tax == Decimal("505.79")
    # Back to 10 days: 505.79 * 10 / 21.67 = 233.4057... -> 233.41
    assert s.withholding_tax == Decimal("233.41")
    assert s.net == Decimal("1070.54")
    assert s.requested_budget is None
    assert s.unused_budget == Decimal("0.00")
    assert_steps_add_up(s)


def test_payslip_lines_show_every_step_budget_first_net_last() -> None:
    s = salary_from_gross(Decimal("1500.00"), 10, RULES)
    lines = s.payslip_lines()
    labels = [line.label for line in lines]
    assert labels[0] == "employment budget"
    assert labels[-1] == "net salary"
    for expected in (
        "employer social security",
        "other employer costs",
        "gross salary",
        "employee social security",
        "taxable",
        "monthly-equivalent taxable",
        "monthly-equivalent withholding tax",
        "withholding tax",
    ):
        assert expected in labels
    assert {line.label: line.amount for line in lines}["net salary"] == Decimal("1070.54")


def test_pay_below_the_zero_band_is_not_taxed() -> None:
    # With no daily minimum configured, 1000 over 21 days stays under the 1,100 monthly 0 % band.
    rules = PayrollRules.from_dict({**RULES.to_dict(), "minimum_gross_per_day": "0"})
    s = salary_from_gross(Decimal("1000.00"), 21, rules)
    assert s.monthly_equivalent_taxable < Decimal("1100")
    assert s.withholding_tax == Decimal("0.00")
    assert s.net == s.taxable


def test_the_same_pay_over_more_days_is_taxed_less() -> None:
    short = salary_from_gross(Decimal("2000.00"), 5, RULES)
    long = salary_from_gross(Decimal("2000.00"), 20, RULES)
    assert short.withholding_tax > long.withholding_tax


def test_worked_example_from_budget() -> None:
    s = salary_from_budget(Decimal("1000.00"), 3, RULES)
    assert s.direction == "from_budget"
    assert s.requested_budget == Decimal("1000.00")
    assert s.gross == Decimal("740.74")  # 1000 / 1.35 = 740.7407... rounded down
    assert s.employer_social_security == Decimal("185.19")
    assert s.other_employer_costs == Decimal("74.07")
    assert s.employment_budget == Decimal("1000.00")
    assert s.unused_budget == Decimal("0.00")
    assert_steps_add_up(s)


def test_budget_to_gross_takes_the_cent_the_rounding_allows() -> None:
    # 1000.01 gross costs 1350.01 (parts round down); 1350.01 / 1.35 floors to 1000.00,
    # but 1000.01 still fits, and the simulator must agree with itself both ways.
    assert employment_budget_for_gross(Decimal("1000.01"), RULES) == Decimal("1350.01")
    assert gross_for_budget(Decimal("1350.01"), RULES) == Decimal("1000.01")


def test_budget_to_gross_steps_down_when_rounded_parts_overshoot() -> None:
    rules = PayrollRules.from_dict({**RULES.to_dict(), "other_employer_costs_rate": "0.15"})
    # 1000.10 gross: 250.025 -> 250.03 and 150.015 -> 150.02: costs 1400.15, one cent over 1.40 * gross.
    assert employment_budget_for_gross(Decimal("1000.10"), rules) == Decimal("1400.15")
    s = salary_from_budget(Decimal("1400.14"), 5, rules)
    assert s.gross == Decimal("1000.09")
    assert s.employment_budget == Decimal("1400.12")
    assert s.unused_budget == Decimal("0.02")


def test_minimum_gross_per_day_is_enforced_with_details() -> None:
    assert minimum_gross(3, RULES) == Decimal("270.00")
    salary_from_gross(Decimal("270.00"), 3, RULES)  # exactly the minimum is fine
    with pytest.raises(DomainError) as raised:
        salary_from_gross(Decimal("269.99"), 3, RULES)
    error = raised.value
    assert error.code == "below_minimum_gross"
    assert error.field == "gross"
    assert "90.00 per day" in error.message
    assert "3 day(s)" in error.message
    assert error.details["minimum_gross_per_day"] == "90.00"
    assert error.details["worked_days"] == 3
    assert error.details["minimum_gross"] == "270.00"
    assert error.details["minimum_budget"] == "364.50"


def test_minimum_applies_to_a_budget_too() -> None:
    salary_from_budget(Decimal("364.50"), 3, RULES)
    with pytest.raises(DomainError) as raised:
        salary_from_budget(Decimal("364.49"), 3, RULES)
    assert (raised.value.code, raised.value.field) == ("below_minimum_gross", "budget")


def test_minimum_is_configurable() -> None:
    rules = PayrollRules.from_dict({**RULES.to_dict(), "minimum_gross_per_day": "120"})
    with pytest.raises(DomainError, match=r"120\.00 per day"):
        salary_from_gross(Decimal("200.00"), 2, rules)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (1500.0, "invalid_value"),  # float
        (Decimal("1500.001"), "invalid_amount"),
        (Decimal("-1500"), "invalid_amount"),
        (Decimal("0"), "invalid_amount"),
        (Decimal("NaN"), "invalid_value"),
    ],
)
def test_bad_gross_is_refused(value: object, code: str) -> None:
    with pytest.raises(DomainError) as raised:
        salary_from_gross(value, 10, RULES)  # type: ignore[arg-type]
    assert raised.value.code == code


@pytest.mark.parametrize("worked_days", [0, -1, True, 1.5])
def test_worked_days_must_be_a_positive_integer(worked_days: object) -> None:
    with pytest.raises(DomainError) as raised:
        salary_from_gross(Decimal("1500.00"), worked_days, RULES)  # type: ignore[arg-type]
    assert raised.value.field == "worked_days"


def test_simulator_both_directions_agree() -> None:
    from_gross = simulate(BOOK, date(2026, 5, 4), 8, gross=Decimal("1234.56"))
    from_budget = simulate(BOOK, date(2026, 5, 4), 8, budget=from_gross.employment_budget)
    assert from_budget.gross == from_gross.gross
    assert from_budget.net == from_gross.net
    assert from_budget.unused_budget == Decimal("0.00")


def test_simulator_needs_exactly_one_input() -> None:
    with pytest.raises(DomainError):
        simulate(BOOK, date(2026, 5, 4), 8)
    with pytest.raises(DomainError):
        simulate(BOOK, date(2026, 5, 4), 8, gross=Decimal("1000"), budget=Decimal("1350"))


def test_breakdown_is_frozen() -> None:
    s = salary_from_gross(Decimal("1500.00"), 10, RULES)
    with pytest.raises(AttributeError):
        s.net = Decimal("9999")  # type: ignore[misc]


@given(cents(900_00, 5_000_000_00), days)
def test_net_le_taxable_le_gross_le_budget(gross: Decimal, worked_days: int) -> None:
    gross = max(gross, minimum_gross(worked_days, RULES))
    s = salary_from_gross(gross, worked_days, RULES)
    assert Decimal("0") <= s.net <= s.taxable <= s.gross <= s.employment_budget
    assert s.withholding_tax >= 0
    assert_steps_add_up(s)


@given(cents(3_000_00, 5_000_000_00), days)
def test_budget_to_gross_to_budget_never_exceeds_and_wastes_at_most_two_cents(
    budget: Decimal, worked_days: int
) -> None:
    budget = max(budget, employment_budget_for_gross(minimum_gross(worked_days, RULES), RULES))
    s = salary_from_budget(budget, worked_days, RULES)
    assert s.employment_budget <= budget
    assert budget - s.employment_budget <= Decimal("0.02")
    assert s.unused_budget == budget - s.employment_budget
    assert Decimal("0") <= s.net <= s.taxable <= s.gross <= s.employment_budget
    assert_steps_add_up(s)


@given(cents(1, 10_000_000_00))
def test_gross_for_budget_is_the_largest_gross_that_fits(budget: Decimal) -> None:
    gross = gross_for_budget(budget, RULES)
    assert employment_budget_for_gross(gross, RULES) <= budget
    assert employment_budget_for_gross(gross + CENT, RULES) > budget


@given(cents(1, 10_000_000_00))
def test_gross_to_budget_to_gross_round_trips(gross: Decimal) -> None:
    assert gross_for_budget(employment_budget_for_gross(gross, RULES), RULES) == gross


@given(cents(900_00, 3_000_000_00), cents(0, 500_000_00), days)
def test_tax_is_monotonic_in_gross(gross: Decimal, raise_by: Decimal, worked_days: int) -> None:
    gross = max(gross, minimum_gross(worked_days, RULES))
    lower = salary_from_gross(gross, worked_days, RULES)
    higher = salary_from_gross(gross + raise_by, worked_days, RULES)
    assert higher.withholding_tax >= lower.withholding_tax
    assert higher.taxable >= lower.taxable
    assert higher.employment_budget >= lower.employment_budget


@given(
    st.lists(st.integers(min_value=0, max_value=4999), min_size=1, max_size=5, unique=True),
    st.lists(st.integers(min_value=0, max_value=99), min_size=5, max_size=5),
    cents(0, 20_000_00),
    cents(0, 1_000_00),
)
def test_any_progressive_table_is_monotonic(
    limits: list[int], rate_steps: list[int], monthly: Decimal, raise_by: Decimal
) -> None:
    rate = Decimal(0)
    brackets = [TaxBracket(Decimal(0), Decimal(0))]
    for lower, step in zip(sorted(limits), rate_steps, strict=False):
        if lower == 0:
            continue
        rate = min(rate + Decimal(step) / 1000, Decimal("0.99"))
        brackets.append(TaxBracket(Decimal(lower), rate))
    table = WithholdingTaxTable(tuple(brackets))
    assert table.tax(monthly) <= table.tax(monthly + raise_by)
    assert table.tax(monthly) <= monthly


def test_rule_book_is_used_by_date_in_simulate() -> None:
    book = RuleBook([RULES, PayrollRules.from_dict({**RULES.to_dict(), "effective_from": "2026-09-01"})])
    assert simulate(book, date(2026, 9, 1), 1, gross=Decimal("100")).rules_effective_from == date(2026, 9, 1)


# -- a contract across a change of rules ---------------------------------------

CHANGE = date(2026, 6, 1)
RAISED = PayrollRules.from_dict({**RULES.to_dict(), "effective_from": CHANGE.isoformat(),
                                 "employer_social_security_rate": "0.27", "minimum_gross_per_day": "95.00",
                                 "employee_social_security_rate": "0.1350"})
TWO_SETS = RuleBook([RULES, RAISED])
ACROSS = [date(2026, 5, 28), date(2026, 5, 29), date(2026, 6, 1), date(2026, 6, 2), date(2026, 6, 3)]


def test_days_under_one_rule_set_give_exactly_the_single_rule_salary() -> None:
    inside = contract_salary(TWO_SETS, ACROSS[2:], gross=Decimal("1000.00"))
    assert len(inside.periods) == 1
    assert inside.periods[0].salary == salary_from_gross(Decimal("1000.00"), 3, RAISED)
    from_budget = contract_salary(TWO_SETS, ACROSS[:2], budget=Decimal("500.00"))
    assert from_budget.periods[0].salary == salary_from_budget(Decimal("500.00"), 2, RULES)
    assert from_budget.unused_budget == from_budget.periods[0].salary.unused_budget


def test_each_day_is_computed_under_the_rules_in_force_that_day() -> None:
    s = contract_salary(TWO_SETS, list(reversed(ACROSS)), gross=Decimal("1000.00"))
    assert [(p.first_work_day, p.last_work_day, p.salary.rules_effective_from) for p in s.periods] == [
        (date(2026, 5, 28), date(2026, 5, 29), RULES.effective_from),
        (date(2026, 6, 1), date(2026, 6, 3), CHANGE),
    ]
    first, second = (p.salary for p in s.periods)
    assert (first.gross, second.gross) == (Decimal("400.00"), Decimal("600.00"))  # 200.00 a day throughout
    assert (first.employer_social_security, second.employer_social_security) == (Decimal("100.00"), Decimal("162.00"))
    assert second.employee_social_security == Decimal("81.00")
    assert s.employment_budget == Decimal("540.00") + Decimal("822.00")
    assert s.gross == Decimal("1000.00") and s.worked_days == 5 and s.rules_effective_from == RULES.effective_from
    # The first day's rules for all five days, which is what a contract used to get:
    assert s.employment_budget != salary_from_gross(Decimal("1000.00"), 5, RULES).employment_budget


def test_a_budget_across_a_change_is_split_per_day_and_never_exceeded() -> None:
    s = contract_salary(TWO_SETS, ACROSS, budget=Decimal("1500.00"))
    assert [p.salary.requested_budget for p in s.periods] == [Decimal("600.00"), Decimal("900.00")]
    assert s.direction == "from_budget" and s.requested_budget == Decimal("1500.00")
    assert s.employment_budget + s.unused_budget == Decimal("1500.00")
    assert all(p.salary.employment_budget <= (p.salary.requested_budget or 0) for p in s.periods)


def test_a_share_below_the_minimum_of_its_own_days_is_refused() -> None:
    # 460.00 over 5 days is 92.00 a day: above 90.00 in May, below 95.00 from June.
    with pytest.raises(DomainError) as refused:
        contract_salary(TWO_SETS, ACROSS, gross=Decimal("460.00"))
    assert refused.value.code == "below_minimum_gross" and refused.value.field == "gross"
    assert "2026-06-01 to 2026-06-03" in str(refused.value)


@given(
    st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=31, unique=True),
    cents(135_00 * 31, 40_000_00),  # above 95.00 gross a day even from a budget
    st.booleans(),
)
def test_a_split_salary_adds_up_and_pays_every_day_alike(offsets: list[int], amount: Decimal, by_gross: bool) -> None:
    work_dates = [date(2026, 5, 17) + timedelta(days=n) for n in offsets]
    s = (contract_salary(TWO_SETS, work_dates, gross=amount) if by_gross
         else contract_salary(TWO_SETS, work_dates, budget=amount))
    assert sum(len(p.work_dates) for p in s.periods) == len(work_dates)
    for period in s.periods:
        assert_steps_add_up(period.salary)
        assert {TWO_SETS.for_date(day) for day in period.work_dates} == {
            TWO_SETS.for_date(period.first_work_day)}
    assert s.employment_budget == s.gross + s.employer_social_security + s.other_employer_costs
    assert s.net == s.taxable - s.withholding_tax
    if by_gross:
        assert s.gross == amount
        daily = [p.salary.gross / len(p.work_dates) for p in s.periods]
        assert max(daily) - min(daily) < CENT * len(work_dates)
    else:
        assert s.employment_budget + s.unused_budget == amount and s.unused_budget >= 0
