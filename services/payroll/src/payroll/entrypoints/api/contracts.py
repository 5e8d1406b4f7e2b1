"""/api/v1/contracts: the fixed-term contracts (and their Dimona) behind salary requests."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from coop_shared.auth.dependencies import PersonPrincipal
from coop_shared.http.pagination import Page
from payroll.adapters.contracts_repository import ContractRepository
from payroll.adapters.payslips_repository import PayslipRepository
from payroll.entrypoints.api.access import list_scope, require_member_record
from payroll.entrypoints.api.deps import PageDep, RuntimeDep
from payroll.entrypoints.api.schemas import ContractOut, contract_out

router = APIRouter(prefix="/api/v1/contracts", tags=["contracts"])


@router.get("", response_model=Page[ContractOut])
async def list_contracts(principal: PersonPrincipal, runtime: RuntimeDep, page: PageDep,
                         member_id: Annotated[str | None, Query(max_length=100)] = None) -> Page[ContractOut]:
    """Your contracts, newest first (an admin sees everyone's, an advisor those of a member they support)."""
    scope = await list_scope(runtime, principal, member_id)
    docs, cursor = await ContractRepository(runtime.db).page(scope, page.limit, page.cursor)
    return Page(items=[contract_out(doc) for doc in docs], next_cursor=cursor)


@router.get("/{contract_id}", response_model=ContractOut, responses={404: {"description": "Not found"}})
async def get_contract(contract_id: str, principal: PersonPrincipal, runtime: RuntimeDep) -> ContractOut:
    doc = await require_member_record(runtime, principal, await ContractRepository(runtime.db).get(contract_id),
                                      "contract_not_found", "No such contract.")
    payslip = await PayslipRepository(runtime.db).by_contract(contract_id)
    return contract_out(doc, payslip["_id"] if payslip else None)
