"""Admins issue, list and revoke partner API keys (the key is shown once) and read what each key did."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from coop_shared.auth.dependencies import AdminPrincipal
from coop_shared.clock import wall_time
from coop_shared.http.errors import ApiError
from coop_shared.http.pagination import Page, PageParams, decode_cursor, encode_cursor, page_params
from gateway.adapters.api_keys import ApiKeyStore
from gateway.domain.access import SCOPES
from gateway.entrypoints.api.deps import get_context

router = APIRouter(prefix="/api/v1/admin/api-keys", tags=["api keys"])

# Scopes that change an activity's documents: a key holding one must be bound to named activities.
BOUND_SCOPES = frozenset({"invoices:write"})
MAX_BOUND_ACTIVITIES = 100


class CreateApiKey(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"name": "Accounting sync", "scopes": ["invoices:read", "payments:read"]},
                     {"name": "Shop checkout", "scopes": ["invoices:read", "invoices:write"],
                      "activity_ids": ["6f1c2c4e-0d7a-4a8e-9a51-2b1d7c9e0a11"]}]})

    name: str = Field(min_length=1, max_length=100)
    scopes: list[str] = Field(min_length=1, max_length=len(SCOPES))
    activity_ids: list[Annotated[str, Field(min_length=1, max_length=64)]] | None = Field(
        default=None, min_length=1, max_length=MAX_BOUND_ACTIVITIES, validate_default=True,
        description="Bind the key to these activities: it reads and writes their documents only. Required with "
                    "`invoices:write`; unset on a read key: every activity its scopes reach.")
    expires_at: AwareDatetime | None = Field(
        default=None, description="After this instant the key is refused (401 `api_key_expired`). Unset: no expiry.")

    @field_validator("expires_at")
    @classmethod
    def in_the_future(cls, expires_at: datetime | None) -> datetime | None:
        if expires_at is not None and expires_at <= wall_time():
            raise ValueError("must be in the future")
        return expires_at

    @field_validator("scopes")
    @classmethod
    def known_scopes(cls, scopes: list[str]) -> list[str]:
        unknown = sorted(set(scopes) - set(SCOPES))
        if unknown:
            raise ValueError(f"unknown scopes {unknown}; known: {sorted(SCOPES)}")
        return sorted(set(scopes))

    @field_validator("activity_ids")
    @classmethod
    def bound_when_writing(cls, activity_ids: list[str] | None, info: ValidationInfo) -> list[str] | None:
        writes = sorted(BOUND_SCOPES & set(info.data.get("scopes") or ()))
        if activity_ids is None and writes:
            raise ValueError(f"required with {writes}: a key that changes documents is bound to named activities")
        return None if activity_ids is None else sorted(set(activity_ids))


class ApiKeyOut(BaseModel):
    id: str
    name: str
    scopes: list[str]
    hint: str = Field(description="The first characters after `coop_`, to recognise a key.")
    created_at: datetime
    revoked_at: datetime | None = None
    expires_at: datetime | None = None
    last_used_at: datetime | None = Field(default=None, description="To the minute.")
    activity_ids: list[str] | None = Field(default=None, description="The activities the key is bound to; "
                                                                     "null: not bound.")


class CreatedApiKey(ApiKeyOut):
    key: str = Field(description="The secret. Shown only in this response.")


def _store(request: Request) -> ApiKeyStore:
    store: ApiKeyStore = get_context(request).api_keys
    return store


def _out(doc: dict[str, object]) -> ApiKeyOut:
    return ApiKeyOut(id=str(doc["_id"]), name=str(doc["name"]), scopes=list(doc["scopes"]),  # type: ignore[call-overload]
                     hint=str(doc["hint"]), created_at=doc["created_at"],  # type: ignore[arg-type]
                     revoked_at=doc.get("revoked_at"), expires_at=doc.get("expires_at"),  # type: ignore[arg-type]
                     last_used_at=doc.get("last_used_at"), activity_ids=doc.get("activity_ids"))  # type: ignore[arg-type]


class ScopeOut(BaseModel):
    name: str = Field(examples=["invoices:read"])
    paths: list[str] = Field(description="Path prefixes the scope opens.")
    methods: list[str] = Field(description="HTTP methods it allows on them.")


class ScopesOut(BaseModel):
    items: list[ScopeOut]


@router.get("/scopes", response_model=ScopesOut, summary="The scopes a partner key can be given (admin)")
async def list_scopes(_: AdminPrincipal) -> ScopesOut:
    return ScopesOut(items=[
        ScopeOut(name=name, paths=sorted({r.prefix for r in rules}),
                 methods=sorted({m for r in rules for m in r.methods}))
        for name, rules in sorted(SCOPES.items())])


@router.post("", status_code=201, response_model=CreatedApiKey)
async def create_key(body: CreateApiKey, admin: AdminPrincipal,
                     store: Annotated[ApiKeyStore, Depends(_store)]) -> CreatedApiKey:
    key, doc = await store.create(name=body.name, scopes=frozenset(body.scopes), created_by=admin.id,
                                  expires_at=body.expires_at,
                                  activity_ids=None if body.activity_ids is None else frozenset(body.activity_ids))
    return CreatedApiKey(key=key, **_out(doc).model_dump())


@router.get("", response_model=Page[ApiKeyOut])
async def list_keys(_: AdminPrincipal, store: Annotated[ApiKeyStore, Depends(_store)],
                    page: Annotated[PageParams, Depends(page_params)]) -> Page[ApiKeyOut]:
    cursor = decode_cursor(page.cursor)
    before = (datetime.fromisoformat(cursor["t"]), str(cursor["id"])) if cursor else None
    docs = await store.list(limit=page.limit + 1, before=before)
    items = [_out(d) for d in docs[: page.limit]]
    next_cursor = None
    if len(docs) > page.limit:
        next_cursor = encode_cursor({"t": items[-1].created_at.isoformat(), "id": items[-1].id})
    return Page(items=items, next_cursor=next_cursor)


@router.delete("/{key_id}", response_model=ApiKeyOut)
async def revoke_key(key_id: str, _: AdminPrincipal, request: Request,
                     store: Annotated[ApiKeyStore, Depends(_store)]) -> ApiKeyOut:
    doc = await store.revoke(key_id)
    if doc is None:
        raise ApiError(404, "api_key_not_found", "No such API key.")
    get_context(request).partner_tokens.forget()
    return _out(doc)


class AuditEntryOut(BaseModel):
    at: datetime
    method: str
    path: str
    status: int = Field(description="The answer the service gave.")
    client_ip: str
    request_id: str | None = None


@router.get("/{key_id}/audit", response_model=Page[AuditEntryOut],
            summary="What a partner key did: every request it made, newest first (kept 400 days)")
async def key_audit(key_id: str, _: AdminPrincipal, store: Annotated[ApiKeyStore, Depends(_store)],
                    page: Annotated[PageParams, Depends(page_params)]) -> Page[AuditEntryOut]:
    if await store.get(key_id) is None:
        raise ApiError(404, "api_key_not_found", "No such API key.")
    docs, cursor = await store.audit(key_id, limit=page.limit, cursor=page.cursor)
    return Page(items=[AuditEntryOut(**{k: d[k] for k in AuditEntryOut.model_fields if k in d}) for d in docs],
                next_cursor=cursor)
