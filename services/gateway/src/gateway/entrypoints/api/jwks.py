from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

router = APIRouter(tags=["auth"])


@router.get("/api/v1/gateway/jwks", summary="Public keys of the tokens the gateway issues for partners")
async def gateway_jwks(request: Request) -> dict[str, Any]:
    return {"keys": [request.app.state.partner_tokens.key.public_jwk()]}
