"""GET /api/v1/guarantee-fund (admin): the fund's exposure right now."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from coop_shared.auth.dependencies import AdminPrincipal
from payroll.adapters.ledger_repository import LedgerRepository
from payroll.domain.ledger import GUARANTEE_FUND
from payroll.domain.money import ZERO
from payroll.entrypoints.api.deps import RuntimeDep
from payroll.entrypoints.api.schemas import Money

router = APIRouter(prefix="/api/v1/guarantee-fund", tags=["guarantee fund"])


class Exposure(BaseModel):
    activity_id: str
    outstanding_advance: Money
    receivables_cover: Money
    available_budget: Money


class GuaranteeFund(BaseModel):
    outstanding_advances: Money = Field(description="Advanced and not yet repaid: the fund's exposure.")
    receivables_cover: Money = Field(description="Unpaid invoices (excl. VAT and contribution) of every activity.")
    activities_with_advance: int
    advances_granted: Money
    advances_repaid: Money
    absorbed_losses: Money = Field(description="Advances the fund took over on written-off or credited invoices.")
    fund_account_balance: Money = Field(description="Balance of the guarantee_fund ledger account (its losses).")
    largest_exposures: list[Exposure]


def _money(value: object) -> Decimal:
    return Decimal(str(value)) if value is not None else ZERO


@router.get("", response_model=GuaranteeFund)
async def get_guarantee_fund(_: AdminPrincipal, runtime: RuntimeDep,
                             top: Annotated[int, Query(ge=0, le=100)] = 10) -> GuaranteeFund:
    ledger = LedgerRepository(runtime.db, runtime.clock)
    totals, largest = await ledger.fund_exposure(top)
    fund = await ledger.account_balances([GUARANTEE_FUND])
    return GuaranteeFund(
        outstanding_advances=_money(totals.get("outstanding_advances")),
        receivables_cover=_money(totals.get("receivables")),
        activities_with_advance=int(totals.get("activities_with_advance", 0)),
        advances_granted=_money(totals.get("advances_granted")),
        advances_repaid=_money(totals.get("advances_repaid")),
        absorbed_losses=_money(totals.get("advances_absorbed")),
        fund_account_balance=fund.get(GUARANTEE_FUND, ZERO),
        largest_exposures=[Exposure(activity_id=p.activity_id, outstanding_advance=p.advance,
                                    receivables_cover=p.receivables, available_budget=p.available)
                           for p in largest],
    )
