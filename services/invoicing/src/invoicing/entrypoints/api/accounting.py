"""GET /api/v1/accounting/sales-documents (admin): a period's invoices and credit notes in one ZIP."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from coop_shared.auth.dependencies import AdminPrincipal
from coop_shared.periods import MAX_PERIOD_DAYS
from invoicing.entrypoints.api.deps import ContextDep
from invoicing.service_layer.sales_archive import INDEX_HEADER, check_period, sales_archive

router = APIRouter(prefix="/api/v1/accounting", tags=["accounting"])


@router.get("/sales-documents", response_class=StreamingResponse,
            responses={200: {"content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
                             "description": "invoices/<number>.pdf and .xml, credit-notes/<number>.pdf and .xml, "
                                            "and index.csv (" + ", ".join(INDEX_HEADER) + ")."}},
            summary="A period's sales documents in one ZIP (PDF, Peppol UBL, index)")
async def sales_documents(
    _: AdminPrincipal, ctx: ContextDep,
    from_: Annotated[date, Query(alias="from", description="First issue date of the period.")],
    to: Annotated[date, Query(description=f"Last issue date (inclusive; at most {MAX_PERIOD_DAYS} days after "
                                          "`from`).")],
) -> StreamingResponse:
    """Every numbered invoice and credit note issued in the period, as the client received it: its PDF, its UBL
    when the client is reachable on Peppol (the only ones that have one), and a CSV index with the totals."""
    check_period(from_, to)
    filename = f"sales-documents-{from_.isoformat()}-{to.isoformat()}.zip"
    return StreamingResponse(sales_archive(ctx, from_, to), media_type="application/zip",
                             headers={"Content-Disposition": f'attachment; filename="{filename}"'})
