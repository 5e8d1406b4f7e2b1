"""Domain and use-case errors as HTTP answers (the shared JSON error format).

Status by family (``governance.domain.errors``) with a few codes singled out:
a voter outside the electorate is 403, a vote or proxy that collides with
one already recorded is 409, a rule about timing (window not open, closed)
is 409. Invariant violations are bugs or corrupt data: 500, details logged
only (they may name members).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from coop_shared.http.errors import error_response
from coop_shared.observability.logging import get_logger
from governance.domain.errors import (
    DomainError,
    ErrorCode,
    InvalidTransition,
    InvalidValue,
    VotingRuleViolation,
)
from governance.service_layer.errors import Conflict, NotFound

log = get_logger("governance.errors")

_BY_CODE: dict[str, int] = {
    ErrorCode.ALREADY_VOTED: 409,
    ErrorCode.PROXY_LIMIT_REACHED: 409,
    ErrorCode.PROXY_ALREADY_GIVEN: 409,
    ErrorCode.PROXY_CHAIN: 409,
    ErrorCode.PROXY_REGISTRATION_CLOSED: 409,
    ErrorCode.PROXY_NOT_FOUND: 404,
    ErrorCode.PROXY_TO_SELF: 422,
    ErrorCode.EMPTY_AGENDA: 409,
    ErrorCode.EMPTY_ELECTORATE: 409,
    ErrorCode.INCONSISTENT_SHARE_REGISTER: 409,
    ErrorCode.UNKNOWN_RESOLUTION: 404,
}

_BY_TYPE: tuple[tuple[type[DomainError], int], ...] = (
    (NotFound, 404),
    (Conflict, 409),
    (InvalidValue, 422),
    (InvalidTransition, 409),
    (VotingRuleViolation, 403),
)


def status_of(exc: DomainError) -> int:
    if exc.code in _BY_CODE:
        return _BY_CODE[exc.code]
    for family, status in _BY_TYPE:
        if isinstance(exc, family):
            return status
    return 500


async def _domain_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    status = status_of(exc)
    if status >= 500:
        log.error("governance_invariant_violated", code=exc.code, detail=exc.message)
        return error_response(500, exc.code, "Stored governance data is inconsistent; the incident was logged.")
    return error_response(status, exc.code, exc.message, field=exc.field)


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
