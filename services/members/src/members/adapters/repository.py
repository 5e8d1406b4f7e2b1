"""MongoDB access for members (the only module that knows the collections)."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from coop_shared.persistence.mongo import IndexSpec

MEMBERS = "members"

INDEXES = [
    IndexSpec(MEMBERS, [("email", 1)], "members_email_unique", unique=True),
]


class MemberRepository:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._members = db[MEMBERS]

    async def add(self, member: dict[str, Any], session: AsyncClientSession) -> None:
        await self._members.insert_one(member, session=session)

    async def get(self, member_id: str) -> dict[str, Any] | None:
        return await self._members.find_one({"_id": member_id})
