"""Payroll rules as dated configuration.

Rates change by law on given dates, and a payslip must always be recomputed
with the rules in force on the day of the work, not today's. So rules are a
list of rule sets, each with an ``effective_from`` date; the set that applies
on a day is the latest one whose ``effective_from`` is not after that day.

Rule sets are plain data (``from_dict`` / ``from_json``) so they live in
configuration and an admin can add next year's set without a code change.
Rates are fractions ("0.1307" for 13.07 %), amounts are EUR strings.

The withholding-tax table is a SIMPLIFIED stand-in for Belgium's Annex III
"key formula" (which works on annualised pay with a tax-free sum, a lump sum
for professional expenses and family reductions). Here: progressive marginal
rates on the monthly-equivalent taxable pay, with no deductions. The default
brackets reuse the real marginal rates (26.75 / 32.10 / 37.45 / 42.80 %)
above a 0 % band standing in for the tax-free sum; the band limits are
round numbers chosen for readability, not the legal limits.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Final

from payroll.domain.errors import DomainError, ErrorCode
from payroll.domain.money import ZERO, fmt, round_cents, to_decimal


@dataclass(frozen=True, slots=True)
class TaxBracket:
    """Marginal ``rate`` applied to the part of monthly taxable pay from ``lower`` up to the next bracket."""

    lower: Decimal
    rate: Decimal


@dataclass(frozen=True, slots=True)
class TaxSlice:
    """One line of the tax computation shown on a payslip: ``base`` * ``rate`` = ``tax``."""

    lower: Decimal
    upper: Decimal | None
    rate: Decimal
    base: Decimal
    tax: Decimal


@dataclass(frozen=True, slots=True)
class WithholdingTaxTable:
    """Progressive table on monthly-equivalent taxable pay (see module docstring: a simplification)."""

    brackets: tuple[TaxBracket, ...]

    def __post_init__(self) -> None:
        if not self.brackets or self.brackets[0].lower != 0:
            raise _invalid("withholding_tax_brackets", "the first bracket must start at 0")
        for previous, current in zip(self.brackets, self.brackets[1:], strict=False):
            if current.lower <= previous.lower:
                raise _invalid("withholding_tax_brackets", "bracket lower limits must strictly increase")
            # Non-decreasing marginal rates keep the table progressive, which is
            # what makes tax grow with pay and never overtake it.
            if current.rate < previous.rate:
                raise _invalid("withholding_tax_brackets", "marginal rates must not decrease")
        for bracket in self.brackets:
            if not ZERO <= bracket.rate < 1:
                raise _invalid("withholding_tax_brackets", f"rate {bracket.rate} must be in [0, 1)")

    def slices(self, monthly_taxable: Decimal) -> tuple[TaxSlice, ...]:
        """Split ``monthly_taxable`` over the brackets it reaches, each slice's tax rounded half-up.

        Rounding per slice (rather than once on the total) lets a reader add
        up the payslip lines and find the printed tax exactly.
        """
        result: list[TaxSlice] = []
        for index, bracket in enumerate(self.brackets):
            if monthly_taxable <= bracket.lower:
                break
            upper = self.brackets[index + 1].lower if index + 1 < len(self.brackets) else None
            top = monthly_taxable if upper is None else min(monthly_taxable, upper)
            base = top - bracket.lower
            result.append(TaxSlice(bracket.lower, upper, bracket.rate, base, round_cents(base * bracket.rate)))
        return tuple(result)

    def tax(self, monthly_taxable: Decimal) -> Decimal:
        return sum((s.tax for s in self.slices(monthly_taxable)), ZERO)


@dataclass(frozen=True, slots=True)
class PayrollRules:
    """One dated rule set; every number a payslip depends on lives here."""

    effective_from: date
    employee_social_security_rate: Decimal
    employer_social_security_rate: Decimal
    other_employer_costs_rate: Decimal
    withholding_tax: WithholdingTaxTable
    minimum_gross_per_day: Decimal
    # The average number of working days in a month (5 * 52 / 12 ~ 21.67):
    # how a salary for N days is scaled to the monthly table and back.
    working_days_per_month: Decimal = field(default=Decimal("21.67"))

    def __post_init__(self) -> None:
        for name in ("employee_social_security_rate", "employer_social_security_rate", "other_employer_costs_rate"):
            rate: Decimal = getattr(self, name)
            if not ZERO <= rate < 1:
                raise _invalid(name, f"{name} must be in [0, 1), got {rate}")
        if self.minimum_gross_per_day < 0:
            raise _invalid("minimum_gross_per_day", "minimum_gross_per_day must not be negative")
        if self.working_days_per_month <= 0:
            raise _invalid("working_days_per_month", "working_days_per_month must be positive")

    @property
    def employer_cost_factor(self) -> Decimal:
        """Employment budget per euro of gross: 1 + employer social security + other employer costs."""
        return 1 + self.employer_social_security_rate + self.other_employer_costs_rate

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PayrollRules:
        """Build from configuration data; numbers as strings or ints (floats are refused)."""
        try:
            raw_date = data["effective_from"]
            # type() not isinstance(): a datetime is a date but would not compare with one.
            effective_from = raw_date if type(raw_date) is date else date.fromisoformat(str(raw_date))
            brackets = tuple(
                TaxBracket(
                    lower=to_decimal(b["from"], "withholding_tax_brackets.from"),
                    rate=to_decimal(b["rate"], "withholding_tax_brackets.rate"),
                )
                for b in data["withholding_tax_brackets"]
            )
            kwargs: dict[str, Any] = {
                name: to_decimal(data[name], name)
                for name in (
                    "employee_social_security_rate",
                    "employer_social_security_rate",
                    "other_employer_costs_rate",
                    "minimum_gross_per_day",
                )
            }
            if "working_days_per_month" in data:
                kwargs["working_days_per_month"] = to_decimal(data["working_days_per_month"], "working_days_per_month")
        except KeyError as missing:
            raise _invalid(str(missing.args[0]), f"payroll rule set is missing {missing.args[0]!r}") from None
        except (TypeError, ValueError) as bad:
            raise _invalid(None, f"payroll rule set is malformed: {bad}") from None
        except DomainError as error:
            raise _invalid(error.field, error.message) from None
        return cls(effective_from=effective_from, withholding_tax=WithholdingTaxTable(brackets), **kwargs)

    def to_dict(self) -> dict[str, Any]:
        """The inverse of ``from_dict``: JSON-ready, exact (Decimals as strings)."""
        return {
            "effective_from": self.effective_from.isoformat(),
            "employee_social_security_rate": str(self.employee_social_security_rate),
            "employer_social_security_rate": str(self.employer_social_security_rate),
            "other_employer_costs_rate": str(self.other_employer_costs_rate),
            "minimum_gross_per_day": fmt(self.minimum_gross_per_day),
            "working_days_per_month": str(self.working_days_per_month),
            "withholding_tax_brackets": [
                {"from": str(b.lower), "rate": str(b.rate)} for b in self.withholding_tax.brackets
            ],
        }


class RuleBook:
    """All rule sets over time; ``for_date`` answers "which rules applied that day"."""

    __slots__ = ("_sets", "_starts")

    def __init__(self, rule_sets: Iterable[PayrollRules]) -> None:
        ordered = sorted(rule_sets, key=lambda r: r.effective_from)
        if not ordered:
            raise _invalid(None, "at least one payroll rule set is required")
        starts = [r.effective_from for r in ordered]
        if len(set(starts)) != len(starts):
            raise _invalid("effective_from", "two payroll rule sets share the same effective_from date")
        self._sets: tuple[PayrollRules, ...] = tuple(ordered)
        self._starts: tuple[date, ...] = tuple(starts)

    @property
    def rule_sets(self) -> tuple[PayrollRules, ...]:
        return self._sets

    def for_date(self, day: date) -> PayrollRules:
        """The latest rule set whose ``effective_from`` is on or before ``day``."""
        index = bisect_right(self._starts, day) - 1
        if index < 0:
            raise DomainError(
                ErrorCode.NO_PAYROLL_RULES,
                f"no payroll rules are in force on {day.isoformat()}; the first set starts "
                f"{self._starts[0].isoformat()}",
                "date",
                {"date": day.isoformat(), "first_effective_from": self._starts[0].isoformat()},
            )
        return self._sets[index]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> RuleBook:
        """Accept ``{"rule_sets": [...]}`` or a bare list of rule-set dicts."""
        items = data["rule_sets"] if isinstance(data, Mapping) else data
        return cls(PayrollRules.from_dict(item) for item in items)

    @classmethod
    def from_json(cls, text: str) -> RuleBook:
        # parse_float=Decimal: JSON numbers like 0.1307 must not pass through float.
        return cls.from_dict(json.loads(text, parse_float=Decimal))

    def to_dict(self) -> dict[str, Any]:
        return {"rule_sets": [r.to_dict() for r in self._sets]}


def _invalid(field_name: str | None, message: str) -> DomainError:
    return DomainError(ErrorCode.INVALID_PAYROLL_RULES, message, field_name)


# Default configuration, used when settings provide none. It is data, not
# logic: deployments override it (e.g. from a JSON file or an environment
# setting) and add a new dated set when a rate changes.
DEFAULT_RULES_CONFIG: Final[dict[str, Any]] = {
    "rule_sets": [
        {
            "effective_from": "2026-01-01",
            "employee_social_security_rate": "0.1307",
            "employer_social_security_rate": "0.25",
            "other_employer_costs_rate": "0.10",
            "minimum_gross_per_day": "90.00",
            "working_days_per_month": "21.67",
            # Monthly-equivalent taxable pay, marginal rates (simplified Annex III).
            "withholding_tax_brackets": [
                {"from": "0", "rate": "0"},
                {"from": "1100", "rate": "0.2675"},
                {"from": "2000", "rate": "0.3210"},
                {"from": "3300", "rate": "0.3745"},
                {"from": "5000", "rate": "0.4280"},
            ],
        }
    ]
}


def default_rule_book() -> RuleBook:
    return RuleBook.from_dict(DEFAULT_RULES_CONFIG)
