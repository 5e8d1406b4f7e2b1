"""/api/v1/vat-rates: the dated Belgian VAT rates lines may use."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter

from coop_shared.auth.dependencies import CurrentPrincipal
from invoicing.domain.errors import DomainValidationError
from invoicing.domain.lines import rates_in_force
from invoicing.domain.vat import RateCategory
from invoicing.entrypoints.api.deps import ContextDep
from invoicing.entrypoints.api.schemas import VatRateOut, VatRatesOut

router = APIRouter(prefix="/api/v1/vat-rates", tags=["vat rates"])


@router.get("", response_model=VatRatesOut, summary="VAT rates in force on a day (default: today), and history")
async def vat_rates(principal: CurrentPrincipal, ctx: ContextDep, on: date | None = None) -> VatRatesOut:
    day = on or ctx.clock.today()
    table = ctx.settings.vat_rate_table()
    in_force = []
    for category in RateCategory:
        try:
            rate = table.rate_for(category, day)
        except DomainValidationError:
            continue
        since = max(r.effective_from for r in table.rows
                    if r.category == category and r.effective_from <= day)
        in_force.append(VatRateOut(category=category.value, rate=rate, effective_from=since))
    history = [VatRateOut(category=r.category.value, rate=r.rate, effective_from=r.effective_from)
               for r in table.rows]
    return VatRatesOut(on=day, rates_in_force=list(rates_in_force(day, table)), in_force=in_force, history=history)
