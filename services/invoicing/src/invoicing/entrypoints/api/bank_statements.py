"""/api/v1/bank-statements: camt.053 imports (advisors and admins)."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.datastructures import UploadFile

from coop_shared.auth.dependencies import CurrentPrincipal, StaffPrincipal
from coop_shared.auth.principal import Principal
from coop_shared.http.idempotency import IdempotencyKey
from coop_shared.http.pagination import PageParams, page_params
from invoicing.domain.errors import DomainValidationError, TooLarge, UnsupportedType
from invoicing.entrypoints.api import payment_schemas as s
from invoicing.entrypoints.api.deps import ContextDep, Statements, once
from invoicing.service_layer.bank_statements import statement_not_found

router = APIRouter(prefix="/api/v1/bank-statements", tags=["bank statements"])

_XML_TYPES = ("application/xml", "text/xml", "application/octet-stream")
_UPLOAD_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
            "file": {"type": "string", "format": "binary", "description": "The camt.053 XML file."}}}},
        "application/xml": {"schema": {"type": "string", "description": "The camt.053 document itself."}},
    },
}
_ERRORS: dict[int | str, dict[str, str]] = {
    403: {"description": "Advisors and admins only"},
    404: {"description": "Unknown statement"},
    413: {"description": "bank_statement.too_large"},
    415: {"description": "Neither a multipart upload nor an XML body"},
    422: {"description": "bank_statement.not_xml, bank_statement.dtd_forbidden, bank_statement.unsupported_format, "
                         "bank_statement.invalid (field: where in the file)"},
}


async def _read(upload: UploadFile, limit: int) -> bytes:
    content = await upload.read(limit + 1)
    await upload.close()
    return content


async def _statement_bytes(request: Request, limit: int) -> bytes:
    """The file, from a multipart field ``file`` or the raw body."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=10)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise DomainValidationError("bank_statement.file_missing", "Send the statement in the field 'file'.",
                                        "file")
        content = await _read(upload, limit)
    elif media_type in _XML_TYPES:
        content = await request.body()
    else:
        raise UnsupportedType("bank_statement.unsupported_media_type",
                              "Upload the file as multipart/form-data (field 'file') or as an application/xml body.",
                              "file")
    if len(content) > limit:
        raise TooLarge("bank_statement.too_large", f"A statement file is at most {limit} bytes.", "file")
    return content


@router.post("", status_code=201, response_model=s.ImportOut, responses=_ERRORS, openapi_extra={
    "requestBody": _UPLOAD_BODY}, summary="Import a camt.053 bank statement (advisor or admin)",
    description="Each credit line is matched to an invoice by its structured communication. Answers what became "
                "of the lines: matched, partial, overpaid, unmatched (kept for an advisor), duplicate (already "
                "imported: nothing changes), skipped (debits, reversals, unbooked entries). 201 when a statement "
                "is new, 200 when every statement of the file was seen before.")
async def import_statement(request: Request, principal: StaffPrincipal, ctx: ContextDep, statements: Statements,
                           idempotency_key: IdempotencyKey = None) -> JSONResponse:
    content = await _statement_bytes(request, ctx.settings.bank_statement_max_bytes)

    async def run() -> tuple[int, BaseModel]:
        result = await statements.import_file(principal, content)
        return (201 if result["created"] else 200), s.ImportOut(
            statements=[s.ImportedStatementOut(**r) for r in result["statements"]],
            counts=s.LineCounts(**result["counts"]))

    body = {"sha256": hashlib.sha256(content).hexdigest()}
    return await once(ctx, idempotency_key, f"bank-statements.import:{principal.id}", body, run)


@router.get("", response_model=s.BankStatementPage, responses=_ERRORS,
            summary="Imported statements, newest first (advisor or admin)")
async def list_statements(_: StaffPrincipal, statements: Statements,
                          page: Annotated[PageParams, Depends(page_params)]) -> s.BankStatementPage:
    docs, cursor = await statements.list_statements(page.limit, page.cursor)
    return s.BankStatementPage(items=[s.statement_out(d) for d in docs], next_cursor=cursor)


def _staff_or_missing(principal: Principal) -> None:
    # A statement holds every client's payments: to anyone else it does not exist.
    if not principal.is_staff:
        raise statement_not_found()


@router.get("/{statement_id}", response_model=s.BankStatementOut, responses=_ERRORS,
            summary="A statement and the outcome of its lines")
async def get_statement(statement_id: str, principal: CurrentPrincipal, statements: Statements) -> s.BankStatementOut:
    _staff_or_missing(principal)
    return s.statement_out(await statements.get(statement_id))


@router.get("/{statement_id}/lines", response_model=s.BankLinePage, responses=_ERRORS,
            summary="The credit lines of a statement, in the file's order")
async def statement_lines(statement_id: str, principal: CurrentPrincipal, statements: Statements,
                          page: Annotated[PageParams, Depends(page_params)]) -> s.BankLinePage:
    _staff_or_missing(principal)
    docs, cursor = await statements.lines(statement_id, page.limit, page.cursor)
    return s.BankLinePage(items=[s.line_out(d) for d in docs], next_cursor=cursor)
