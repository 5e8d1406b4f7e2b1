"""The share register in MongoDB: append-only.

This module offers no update and no delete on purpose. Two unique indexes
turn the register's "only one" rules into write conflicts: one position per
member (``seq``: two concurrent movements computed from the same state cannot
both land) and one settlement per entry (a subscription is paid once, a
resignation refunded once).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from coop_shared.persistence.keyset import cursor_of, keyset, sort_spec
from coop_shared.persistence.mongo import IndexSpec
from members.domain.shares import Category, EntryKind, RegisterEntry

SHARE_REGISTER = "share_register"

INDEXES = [
    IndexSpec(SHARE_REGISTER, [("member_id", 1), ("seq", 1)], "register_member_seq_unique", unique=True),
    IndexSpec(SHARE_REGISTER, [("settles", 1)], "register_settles_unique", unique=True,
              options={"partialFilterExpression": {"settles": {"$type": "string"}}}),
    IndexSpec(SHARE_REGISTER, [("recorded_at", -1), ("_id", -1)], "register_by_time"),
    IndexSpec(SHARE_REGISTER, [("member_id", 1), ("recorded_at", -1), ("_id", -1)], "register_by_member_time"),
]

Session = AsyncClientSession | None


def to_document(entry: RegisterEntry) -> dict[str, Any]:
    return {
        "_id": entry.id, "member_id": entry.member_id, "seq": entry.seq, "kind": entry.kind.value,
        "category": entry.category.value, "quantity": entry.quantity, "unit_price": entry.unit_price,
        "amount": entry.amount, "recorded_at": entry.recorded_at, "recorded_by": entry.recorded_by,
        "settles": entry.settles, "counterparty_id": entry.counterparty_id, "transfer_id": entry.transfer_id,
        "refund_due_on": entry.refund_due_on.isoformat() if entry.refund_due_on else None,
    }


def from_document(doc: dict[str, Any]) -> RegisterEntry:
    return RegisterEntry(
        id=doc["_id"], member_id=doc["member_id"], seq=int(doc["seq"]), kind=EntryKind(doc["kind"]),
        category=Category(doc["category"]), quantity=int(doc["quantity"]), unit_price=doc["unit_price"],
        amount=doc["amount"], recorded_at=doc["recorded_at"], recorded_by=doc["recorded_by"],
        settles=doc.get("settles"), counterparty_id=doc.get("counterparty_id"), transfer_id=doc.get("transfer_id"),
        refund_due_on=date.fromisoformat(doc["refund_due_on"]) if doc.get("refund_due_on") else None,
    )


class ShareRegisterRepository:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._register = db[SHARE_REGISTER]

    async def append(self, entries: list[RegisterEntry], session: AsyncClientSession) -> None:
        if entries:
            await self._register.insert_many([to_document(e) for e in entries], session=session)

    async def of_member(self, member_id: str, session: Session = None) -> list[RegisterEntry]:
        cursor = self._register.find({"member_id": member_id}, session=session).sort("seq", 1)
        return [from_document(doc) async for doc in cursor]

    async def get(self, entry_id: str, session: Session = None) -> RegisterEntry | None:
        doc = await self._register.find_one({"_id": entry_id}, session=session)
        return from_document(doc) if doc else None

    async def page(self, *, limit: int, cursor: dict[str, Any] | None, member_id: str | None = None,
                   kind: EntryKind | None = None) -> tuple[list[RegisterEntry], dict[str, Any] | None]:
        query: dict[str, Any] = {}
        if member_id is not None:
            query["member_id"] = member_id
        if kind is not None:
            query["kind"] = kind.value
        found = self._register.find(keyset(query, "recorded_at", cursor)).sort(sort_spec("recorded_at"))
        docs = [doc async for doc in found.limit(limit + 1)]
        more = len(docs) > limit
        docs = docs[:limit]
        return [from_document(d) for d in docs], (cursor_of(docs[-1], "recorded_at") if more else None)

    async def settled_ids(self, entry_ids: list[str]) -> set[str]:
        cursor = self._register.find({"settles": {"$in": entry_ids}}, {"settles": 1})
        return {doc["settles"] async for doc in cursor}
