"""FastAPI dependencies shared by the routers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from coop_shared.http.idempotency import idempotent
from invoicing.service_layer.bank_statements import BankStatementService
from invoicing.service_layer.clients import ClientService
from invoicing.service_layer.context import Context, context_of
from invoicing.service_layer.expenses import ExpenseService
from invoicing.service_layer.invoices import InvoiceService
from invoicing.service_layer.payments import PaymentService
from invoicing.service_layer.quotes import QuoteService
from invoicing.service_layer.refunds import RefundService
from invoicing.service_layer.reminders import ReminderService
from invoicing.service_layer.transfers import TransferService


def get_context(request: Request) -> Context:
    return context_of(request.app.state.runtime)


ContextDep = Annotated[Context, Depends(get_context)]


def get_clients(ctx: ContextDep) -> ClientService:
    return ClientService(ctx)


def get_quotes(ctx: ContextDep) -> QuoteService:
    return QuoteService(ctx, ClientService(ctx))


def get_invoices(ctx: ContextDep) -> InvoiceService:
    return InvoiceService(ctx, ClientService(ctx))


def get_payments(ctx: ContextDep) -> PaymentService:
    return PaymentService(ctx)


def get_statements(ctx: ContextDep) -> BankStatementService:
    return BankStatementService(ctx, PaymentService(ctx))


def get_reminders(ctx: ContextDep) -> ReminderService:
    return ReminderService(ctx)


def get_expenses(ctx: ContextDep) -> ExpenseService:
    return ExpenseService(ctx)


def get_refunds(ctx: ContextDep) -> RefundService:
    return RefundService(ctx)


def get_transfers(ctx: ContextDep) -> TransferService:
    return TransferService(ctx)


Clients = Annotated[ClientService, Depends(get_clients)]
Quotes = Annotated[QuoteService, Depends(get_quotes)]
Invoices = Annotated[InvoiceService, Depends(get_invoices)]
Payments = Annotated[PaymentService, Depends(get_payments)]
Statements = Annotated[BankStatementService, Depends(get_statements)]
Reminders = Annotated[ReminderService, Depends(get_reminders)]
Expenses = Annotated[ExpenseService, Depends(get_expenses)]
Refunds = Annotated[RefundService, Depends(get_refunds)]
Transfers = Annotated[TransferService, Depends(get_transfers)]


async def once(ctx: Context, key: str | None, scope: str, body: Any,
               run: Callable[[], Awaitable[tuple[int, BaseModel]]]) -> JSONResponse:
    """``run`` at most once per Idempotency-Key. Responses are dumped in JSON
    mode first so money stays a decimal string (never a float) in replays too."""

    async def dumped() -> tuple[int, Any]:
        status, model = await run()
        return status, model.model_dump(mode="json")

    return await idempotent(ctx.runtime.db, key=key, scope=scope, body=body, run=dumped)
