"""Where every euro of an activity's turnover went, from the ledger statement the API returns.

Pure arithmetic on Decimals: the rows always add up to the cent to what came in,
and any movement the statement does not name is shown as such rather than hidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from portal.domain.money import to_decimal

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Row:
    key: str
    amount: Decimal


@dataclass(frozen=True)
class Breakdown:
    sources: tuple[Row, ...]
    uses: tuple[Row, ...]

    @property
    def total_in(self) -> Decimal:
        return sum((r.amount for r in self.sources), ZERO)

    @property
    def total_out(self) -> Decimal:
        return sum((r.amount for r in self.uses), ZERO)

    @property
    def balanced(self) -> bool:
        return self.total_in == self.total_out


def breakdown(statement: dict[str, Any]) -> Breakdown:
    salaries: dict[str, Any] = statement.get("salaries") or {}
    vat = to_decimal(statement.get("vat_collected"))
    invoiced = to_decimal(statement.get("turnover_excl_vat")) + vat
    advances = to_decimal(statement.get("guarantee_advances")) - to_decimal(statement.get("advance_repayments"))
    sources = [Row("invoiced", invoiced)]
    if advances != 0:
        sources.append(Row("advances", advances))
    uses = [
        Row("vat", vat),
        Row("contribution", to_decimal(statement.get("contribution"))),
        Row("employer_costs", to_decimal(salaries.get("employer_social_security"))
            + to_decimal(salaries.get("other_employer_costs"))),
        Row("employee_social_security", to_decimal(salaries.get("employee_social_security"))),
        Row("withholding_tax", to_decimal(salaries.get("withholding_tax"))),
        Row("net_salary", to_decimal(salaries.get("net"))),
        Row("expenses", to_decimal(statement.get("expenses"))),
        Row("available", to_decimal(statement.get("remaining"))),
    ]
    total_in = sum((r.amount for r in sources), ZERO)
    difference = total_in - sum((r.amount for r in uses), ZERO)
    if difference != 0:
        # E.g. turnover invoiced but not yet paid in: named, never folded into another row.
        uses.append(Row("other", difference))
    return Breakdown(tuple(sources), tuple(uses))


@dataclass(frozen=True)
class Bar:
    key: str
    amount: Decimal
    x: int
    width: int


def bars(rows: tuple[Row, ...], total: Decimal, width: int = 560) -> list[Bar]:
    """Horizontal bars scaled to the total, for the server-rendered SVG chart."""
    if total <= 0:
        return [Bar(r.key, r.amount, 0, 0) for r in rows]
    return [Bar(r.key, r.amount, 0, max(0, int(r.amount * width / total))) for r in rows]
