"""Overdue invoices: the reminder job on demand, and the reminder letters."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response

from coop_shared.auth.dependencies import AdminPrincipal, CurrentPrincipal
from invoicing.domain.reminders import ReminderLevel
from invoicing.entrypoints.api import payment_schemas as s
from invoicing.entrypoints.api.deps import ContextDep, Reminders
from invoicing.service_layer.issued_files import IssuedFiles

router = APIRouter(prefix="/api/v1", tags=["reminders"])


@router.post("/reminders/run", response_model=s.ReminderRunOut,
             responses={403: {"description": "Admins only"}},
             summary="Run the overdue and reminder job now (admin)",
             description="What the scheduled job does: marks open invoices past their due date overdue and sends "
                         "the first reminder and the formal notice when their day has come. Each step happens once "
                         "per invoice however often, and however concurrently, it runs.")
async def run_reminders(_: AdminPrincipal, reminders: Reminders) -> s.ReminderRunOut:
    return s.ReminderRunOut(**await reminders.run())


@router.get("/invoices/{invoice_id}/reminders/{level}/pdf",
            responses={200: {"content": {"application/pdf": {}}},
                       404: {"description": "Unknown invoice, not yours, or no such reminder sent"}},
            response_class=Response, tags=["invoices"], summary="A reminder letter as it was sent")
async def reminder_pdf(invoice_id: str, level: Literal["first_reminder", "formal_notice"],
                       principal: CurrentPrincipal, ctx: ContextDep, reminders: Reminders) -> Response:
    doc, reminder = await reminders.reminder(principal, invoice_id, ReminderLevel(level))
    stored = await IssuedFiles(ctx).reminder(doc, reminder)
    return Response(stored.content, media_type=stored.content_type,
                    headers={"Content-Disposition": f'inline; filename="{stored.filename}"',
                             "X-Content-SHA256": stored.sha256})
