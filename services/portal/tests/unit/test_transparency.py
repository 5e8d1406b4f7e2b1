from decimal import Decimal

from portal.domain.transparency import bars, breakdown

STATEMENT = {
    "turnover_excl_vat": "1000.00", "vat_collected": "210.00", "contribution": "65.00", "activity_share": "935.00",
    "guarantee_advances": "300.00", "advance_repayments": "100.00", "expenses": "45.50",
    "salaries": {"count": 1, "employment_budget": "675.00", "gross": "500.00", "employer_social_security": "125.00",
                 "other_employer_costs": "50.00", "employee_social_security": "65.35", "withholding_tax": "54.58",
                 "net": "380.07"},
    "remaining": "414.50",
}


def test_every_euro_in_is_accounted_for_to_the_cent() -> None:
    result = breakdown(STATEMENT)
    assert result.total_in == Decimal("1410.00")  # 1210 paid in incl. VAT + 200 advanced (net)
    assert result.balanced
    rows = {row.key: row.amount for row in result.uses}
    assert rows["employer_costs"] == Decimal("175.00")
    assert rows["net_salary"] == Decimal("380.07")
    assert "other" not in rows


def test_a_movement_the_statement_does_not_name_is_shown_not_hidden() -> None:
    result = breakdown({**STATEMENT, "remaining": "400.00"})
    rows = {row.key: row.amount for row in result.uses}
    assert rows["other"] == Decimal("14.50")
    assert result.balanced


def test_an_empty_ledger_balances_at_zero() -> None:
    result = breakdown({})
    assert result.total_in == 0 and result.balanced


def test_bars_are_proportional_to_what_came_in() -> None:
    result = breakdown(STATEMENT)
    drawn = {bar.key: bar.width for bar in bars(result.uses, result.total_in, width=1410)}
    assert drawn["vat"] == 210 and drawn["available"] == 414
    assert all(bar.width == 0 for bar in bars(result.uses, Decimal("0")))
