"""GET /api/v1/ledger/activities/{activity_id}: balance, available budget and "where did every euro go"."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from coop_shared.auth.dependencies import PersonPrincipal
from payroll.adapters.ledger_repository import LedgerRepository
from payroll.domain.ledger import activity_account, guarantee_advances_account
from payroll.domain.money import ZERO
from payroll.domain.position import ActivityPosition, Totals
from payroll.entrypoints.api.access import require_activity
from payroll.entrypoints.api.deps import PageDep, RuntimeDep
from payroll.entrypoints.api.schemas import Money

router = APIRouter(prefix="/api/v1/ledger", tags=["ledger"])


class SalaryCosts(BaseModel):
    count: int
    employment_budget: Money = Field(description="Total employer cost charged to the activity.")
    gross: Money
    employer_social_security: Money
    other_employer_costs: Money
    employee_social_security: Money
    withholding_tax: Money
    net: Money


class Statement(BaseModel):
    """Turnover in, contribution out, advances in and back, expenses and salaries out: what remains is the budget."""

    turnover_excl_vat: Money
    vat_collected: Money = Field(description="Passed on to the tax office, never part of the budget.")
    contribution: Money = Field(description="The cooperative's mutualised share.")
    activity_share: Money
    guarantee_advances: Money
    advance_repayments: Money
    expenses_incl_vat: Money
    expenses_vat_recovered: Money
    expenses: Money = Field(description="Charged to the budget: incl. VAT minus the VAT recovered.")
    salaries: SalaryCosts
    refunded_activity_share: Money = Field(
        default=Decimal("0.00"), description="Share of payments given back to clients by credit notes.")
    advances_reclaimed: Money = Field(
        default=Decimal("0.00"),
        description="Advances whose invoice the activity credited: owed by the activity, not absorbed.")
    transfers_in: Money = Field(default=Decimal("0.00"), description="Internal transfers from other activities.")
    transfers_out: Money = Field(default=Decimal("0.00"), description="Internal transfers to other activities.")
    remaining: Money = Field(description="activity share - refunds + advances - repayments - reclaimed advances "
                                         "+ transfers in - out - expenses - salaries.")
    absorbed_by_guarantee_fund: Money = Field(description="Advances the fund wrote off: never charged to anyone.")


class Posting(BaseModel):
    account: str
    amount: Money = Field(description="Positive: debit; negative: credit.")


class Entry(BaseModel):
    source_key: str = Field(description="The event or request that caused this transaction (unique).")
    kind: str
    occurred_at: datetime
    recorded_at: datetime
    memo: str
    budget_change: Money = Field(description="Effect on the available budget.")
    advance_change: Money = Field(description="Effect on the guarantee advance outstanding.")
    postings: list[Posting]


class ActivityLedger(BaseModel):
    activity_id: str
    available_budget: Money = Field(description="Paid in by clients (or advanced) and not yet committed.")
    balance: Money = Field(description="Balance of the activity account (credit-normal: negative means money held).")
    outstanding_advance: Money
    receivables_cover: Money = Field(description="Unpaid invoices, excl. VAT and contribution, still expected.")
    guarantee_headroom: Money = Field(description="How much more the guarantee fund could advance now.")
    ledger_sequence: int
    statement: Statement
    entries: list[Entry]
    next_cursor: str | None = None


def _statement(totals: Totals) -> Statement:
    return Statement(
        turnover_excl_vat=totals.turnover_excl_vat, vat_collected=totals.vat_collected,
        contribution=totals.contribution, activity_share=totals.activity_share,
        guarantee_advances=totals.advances_received, advance_repayments=totals.advances_repaid,
        expenses_incl_vat=totals.expenses_incl_vat, expenses_vat_recovered=totals.expenses_vat_recovered,
        expenses=totals.expenses_charged,
        salaries=SalaryCosts(
            count=totals.salaries, employment_budget=totals.salaries_employment_budget, gross=totals.salaries_gross,
            employer_social_security=totals.salaries_employer_social_security,
            other_employer_costs=totals.salaries_other_employer_costs,
            employee_social_security=totals.salaries_employee_social_security,
            withholding_tax=totals.salaries_withholding_tax, net=totals.salaries_net),
        refunded_activity_share=totals.refunded_share, advances_reclaimed=totals.advances_reclaimed,
        transfers_in=totals.transfers_in, transfers_out=totals.transfers_out,
        remaining=totals.remaining, absorbed_by_guarantee_fund=totals.advances_absorbed,
    )


def _entry(doc: dict[str, Any], activity_id: str) -> Entry:
    postings = [Posting(account=p["account"], amount=p["amount"]) for p in doc["postings"]]

    def total(account: str) -> Decimal:
        return sum((p.amount for p in postings if p.account == account), ZERO)

    return Entry(source_key=doc["_id"], kind=doc["kind"], occurred_at=doc["occurred_at"],
                 recorded_at=doc["recorded_at"], memo=doc.get("memo", ""),
                 budget_change=-total(activity_account(activity_id)),
                 advance_change=total(guarantee_advances_account(activity_id)), postings=postings)


@router.get("/activities/{activity_id}", response_model=ActivityLedger, responses={404: {"description": "Not found"}})
async def get_activity_ledger(activity_id: str, principal: PersonPrincipal, runtime: RuntimeDep,
                              page: PageDep) -> ActivityLedger:
    """The activity's figures, its statement, and its ledger entries newest first (paginated)."""
    await require_activity(runtime, principal, activity_id)
    ledger = LedgerRepository(runtime.db, runtime.clock)
    position = await ledger.find_position(activity_id) or ActivityPosition(activity_id)
    docs, cursor = await ledger.entries(activity_id, page.limit, page.cursor)
    return ActivityLedger(
        activity_id=activity_id, available_budget=position.available, balance=-position.available,
        outstanding_advance=position.advance, receivables_cover=position.receivables,
        guarantee_headroom=position.guarantee_headroom, ledger_sequence=position.sequence,
        statement=_statement(position.totals), entries=[_entry(doc, activity_id) for doc in docs],
        next_cursor=cursor,
    )


class YearStatement(BaseModel):
    year: int = Field(description="Calendar year in Brussels time of the movements counted.")
    statement: Statement


class ActivityYears(BaseModel):
    """The statement split by calendar year: each euro counted in the year it moved, the years adding up to the
    activity's statement since it opened."""

    activity_id: str
    items: list[YearStatement]


@router.get("/activities/{activity_id}/years", response_model=ActivityYears,
            responses={404: {"description": "Not found"}})
async def get_activity_years(activity_id: str, principal: PersonPrincipal, runtime: RuntimeDep) -> ActivityYears:
    """Where every euro went, year by year, the latest year first (one item per year with a movement)."""
    await require_activity(runtime, principal, activity_id)
    years = await LedgerRepository(runtime.db, runtime.clock).years(activity_id)
    return ActivityYears(activity_id=activity_id,
                         items=[YearStatement(year=year, statement=_statement(totals)) for year, totals in years])
