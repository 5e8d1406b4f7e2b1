"""Dated payroll rules: lookup by date, loading from configuration, validation."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from payroll.domain.errors import DomainError
from payroll.domain.rules import (
    DEFAULT_RULES_CONFIG,
    PayrollRules,
    RuleBook,
    TaxBracket,
    WithholdingTaxTable,
    default_rule_book,
)
from payroll.domain.salary import salary_from_gross, simulate


def rule_set(effective_from: str, **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = json.loads(json.dumps(DEFAULT_RULES_CONFIG["rule_sets"][0]))
    base["effective_from"] = effective_from
    base.update(overrides)
    return base


def test_default_rules_carry_the_documented_rates() -> None:
    rules = default_rule_book().for_date(date(2026, 6, 1))
    assert rules.employee_social_security_rate == Decimal("0.1307")
    assert rules.employer_social_security_rate == Decimal("0.25")
    assert rules.other_employer_costs_rate == Decimal("0.10")
    assert rules.employer_cost_factor == Decimal("1.35")
    assert rules.minimum_gross_per_day == Decimal("90.00")
    assert rules.working_days_per_month == Decimal("21.67")
    assert [b.rate for b in rules.withholding_tax.brackets] == [
        Decimal("0"),
        Decimal("0.2675"),
        Decimal("0.3210"),
        Decimal("0.3745"),
        Decimal("0.4280"),
    ]
    assert rules.withholding_tax.brackets[1].lower == Decimal("1100")


def test_a_later_rule_set_applies_from_its_effective_date_only() -> None:
    book = RuleBook.from_dict(
        {
            "rule_sets": [
                rule_set("2026-07-01", employee_social_security_rate="0.14", minimum_gross_per_day="100"),
                rule_set("2026-01-01"),
            ]
        }
    )
    assert book.for_date(date(2026, 1, 1)).employee_social_security_rate == Decimal("0.1307")
    assert book.for_date(date(2026, 6, 30)).employee_social_security_rate == Decimal("0.1307")
    assert book.for_date(date(2026, 7, 1)).employee_social_security_rate == Decimal("0.14")
    assert book.for_date(date(2030, 1, 1)).minimum_gross_per_day == Decimal("100")

    # The same gross gives a different payslip across the change date.
    before = simulate(book, date(2026, 6, 30), 5, gross=Decimal("1000.00"))
    after = simulate(book, date(2026, 7, 1), 5, gross=Decimal("1000.00"))
    assert before.employee_social_security == Decimal("130.70")
    assert after.employee_social_security == Decimal("140.00")
    assert before.rules_effective_from == date(2026, 1, 1)
    assert after.rules_effective_from == date(2026, 7, 1)


def test_no_rules_before_the_first_set() -> None:
    with pytest.raises(DomainError) as raised:
        default_rule_book().for_date(date(2025, 12, 31))
    assert raised.value.code == "no_payroll_rules"
    assert raised.value.details["first_effective_from"] == "2026-01-01"


def test_from_json_reads_numbers_without_float() -> None:
    text = json.dumps(rule_set("2026-01-01")).replace('"0.1307"', "0.1307")
    assert '"employee_social_security_rate": 0.1307' in text
    book = RuleBook.from_json(f"[{text}]")
    rate = book.for_date(date(2026, 1, 1)).employee_social_security_rate
    assert isinstance(rate, Decimal)
    assert rate == Decimal("0.1307")


def test_to_dict_round_trips() -> None:
    book = default_rule_book()
    again = RuleBook.from_json(json.dumps(book.to_dict()))
    assert again.rule_sets == book.rule_sets


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"employee_social_security_rate": 0.1307}, "employee_social_security_rate"),  # float refused
        ({"employer_social_security_rate": "1.2"}, "employer_social_security_rate"),
        ({"other_employer_costs_rate": "-0.1"}, "other_employer_costs_rate"),
        ({"minimum_gross_per_day": "-1"}, "minimum_gross_per_day"),
        ({"minimum_gross_per_day": "ninety"}, "minimum_gross_per_day"),
        ({"working_days_per_month": "0"}, "working_days_per_month"),
        ({"withholding_tax_brackets": [{"from": "100", "rate": "0.1"}]}, "withholding_tax_brackets"),
        (
            {"withholding_tax_brackets": [{"from": "0", "rate": "0.3"}, {"from": "1000", "rate": "0.2"}]},
            "withholding_tax_brackets",
        ),
        (
            {"withholding_tax_brackets": [{"from": "0", "rate": "0"}, {"from": "0", "rate": "0.2"}]},
            "withholding_tax_brackets",
        ),
        ({"withholding_tax_brackets": [{"from": "0", "rate": "1"}]}, "withholding_tax_brackets"),
    ],
)
def test_invalid_rule_sets_are_refused(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(DomainError) as raised:
        PayrollRules.from_dict(rule_set("2026-01-01", **overrides))
    assert raised.value.code == "invalid_payroll_rules"
    assert raised.value.field == field


def test_missing_key_and_bad_date_are_refused() -> None:
    data = rule_set("2026-01-01")
    del data["minimum_gross_per_day"]
    with pytest.raises(DomainError) as raised:
        PayrollRules.from_dict(data)
    assert (raised.value.code, raised.value.field) == ("invalid_payroll_rules", "minimum_gross_per_day")
    with pytest.raises(DomainError, match="malformed"):
        PayrollRules.from_dict(rule_set("2026-13-01"))


def test_rule_book_refuses_empty_and_duplicate_dates() -> None:
    with pytest.raises(DomainError):
        RuleBook([])
    with pytest.raises(DomainError) as raised:
        RuleBook.from_dict([rule_set("2026-01-01"), rule_set("2026-01-01")])
    assert raised.value.field == "effective_from"


def test_progressive_table_taxes_each_slice_at_its_own_rate() -> None:
    table = WithholdingTaxTable((TaxBracket(Decimal("0"), Decimal("0")), TaxBracket(Decimal("1000"), Decimal("0.25"))))
    assert table.tax(Decimal("1000.00")) == Decimal("0.00")
    assert table.tax(Decimal("1400.00")) == Decimal("100.00")
    slices = table.slices(Decimal("1400.00"))
    assert [(s.lower, s.upper, s.base, s.tax) for s in slices] == [
        (Decimal("0"), Decimal("1000"), Decimal("1000"), Decimal("0.00")),
        (Decimal("1000"), None, Decimal("400.00"), Decimal("100.00")),
    ]


def test_default_table_at_bracket_limits() -> None:
    table = default_rule_book().for_date(date(2026, 1, 1)).withholding_tax
    assert table.tax(Decimal("1100.00")) == Decimal("0.00")
    assert table.tax(Decimal("2000.00")) == Decimal("240.75")  # 900 * 26.75 %
    assert table.tax(Decimal("3300.00")) == Decimal("658.05")  # + 1300 * 32.10 %
    assert table.tax(Decimal("5000.00")) == Decimal("1294.70")  # + 1700 * 37.45 %
    assert table.tax(Decimal("6000.00")) == Decimal("1722.70")  # + 1000 * 42.80 %


def test_rules_of_the_work_day_are_used_not_todays() -> None:
    book = RuleBook.from_dict([rule_set("2026-01-01"), rule_set("2027-01-01", minimum_gross_per_day="200")])
    salary_from_gross(Decimal("100.00"), 1, book.for_date(date(2026, 12, 31)))
    with pytest.raises(DomainError, match="below the minimum"):
        salary_from_gross(Decimal("100.00"), 1, book.for_date(date(2027, 1, 1)))
