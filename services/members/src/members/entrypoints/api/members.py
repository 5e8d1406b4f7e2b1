"""Placeholder registration: stores a member and announces it.

Kept small on purpose: it proves the path HTTP → MongoDB + outbox →
RabbitMQ → other services. Accounts, passwords and shares replace it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, EmailStr, Field
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from coop_shared.contracts.members import MemberRegistered
from coop_shared.http.errors import ApiError
from coop_shared.http.idempotency import idempotent
from coop_shared.service import Runtime, get_runtime
from members.adapters.repository import MemberRepository

router = APIRouter(prefix="/api/v1/members", tags=["members"])


class RegisterMember(BaseModel):
    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True,
        json_schema_extra={"examples": [{"email": "ada@example.be", "full_name": "Ada Lovelace",
                                         "language": "en"}]},
    )

    email: EmailStr
    full_name: str = Field(min_length=1, max_length=200)
    language: Literal["fr", "nl", "en"] = "fr"


class MemberOut(BaseModel):
    id: str
    email: str
    full_name: str
    language: str
    registered_at: datetime


def _out(doc: dict[str, object]) -> MemberOut:
    return MemberOut(id=str(doc["_id"]), email=str(doc["email"]), full_name=str(doc["full_name"]),
                     language=str(doc["language"]), registered_at=doc["registered_at"])  # type: ignore[arg-type]


@router.post("", status_code=201, response_model=MemberOut,
             responses={409: {"description": "E-mail already registered"}})
async def register_member(
    body: RegisterMember,
    runtime: Annotated[Runtime, Depends(get_runtime)],
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> JSONResponse:
    async def run() -> tuple[int, MemberOut]:
        member_id = str(uuid.uuid4())
        member = {"_id": member_id, "email": body.email.lower(), "full_name": body.full_name,
                  "language": body.language, "registered_at": datetime.now(UTC)}
        event = runtime.event(MemberRegistered(member_id=member_id, email=body.email.lower(),
                                               full_name=body.full_name, language=body.language),
                              subject=member_id)

        async def work(session: AsyncClientSession) -> None:
            await MemberRepository(runtime.db).add(member, session)
            await runtime.outbox.add([event], session=session)

        try:
            await runtime.commit(work)
        except DuplicateKeyError as exc:
            raise ApiError(409, "email_taken", "A member with this e-mail already exists.",
                           field="email") from exc
        return 201, _out(member)

    return await idempotent(runtime.db, key=idempotency_key, scope="members:register",
                            body=body.model_dump(), run=run)


@router.get("/{member_id}", response_model=MemberOut, responses={404: {"description": "Unknown member"}})
async def get_member(member_id: str, runtime: Annotated[Runtime, Depends(get_runtime)]) -> MemberOut:
    doc = await MemberRepository(runtime.db).get(member_id)
    if doc is None:
        raise ApiError(404, "member_not_found", "No such member.")
    return _out(doc)
