from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from gateway.entrypoints.api.deps import get_context

router = APIRouter(tags=["auth"])


@router.get("/api/v1/gateway/jwks", summary="Public keys of the tokens the gateway issues for partners")
async def gateway_jwks(request: Request) -> dict[str, Any]:
    return {"keys": [get_context(request).partner_tokens.key.public_jwk()]}
