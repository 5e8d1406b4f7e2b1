"""/internal/v1/files: stored document files for the notifications service.

Never on the gateway's allow-list; opened only by a service token
(``coop_shared.auth.service_tokens``) from a caller named here.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Response

from coop_shared.auth.service_tokens import InvalidServiceToken, verify_service_token
from coop_shared.http.errors import ApiError
from invoicing.adapters.document_store import FileStore
from invoicing.entrypoints.api.deps import ContextDep

router = APIRouter(prefix="/internal/v1/files", tags=["internal"], include_in_schema=False)
CALLERS = frozenset({"notifications"})


@router.get("/{document_id}/{name}")
async def stored_file(document_id: Annotated[str, Path(max_length=100)], name: Annotated[str, Path(max_length=40)],
                      ctx: ContextDep, authorization: Annotated[str, Header()] = "") -> Response:
    scheme, _, token = authorization.partition(" ")
    try:
        if scheme.lower() != "bearer":
            raise InvalidServiceToken("no bearer token")
        verify_service_token(token.strip(), ctx.settings.service_token_secret.get_secret_value(),
                             audience=ctx.settings.service_name, callers=CALLERS)
    except InvalidServiceToken as exc:
        raise ApiError(401, "invalid_service_token", "A service token is required.") from exc
    stored = await FileStore(ctx.runtime.db).get(document_id, name)
    if stored is None:
        raise ApiError(404, "file_not_found", "No such stored file.", field="name")
    return Response(stored.content, media_type=stored.content_type, headers={"X-Content-SHA256": stored.sha256})
