"""Members and their credentials in MongoDB.

Password hashes live in their own collection, keyed by member id: no query
that serves a profile can carry a hash out by accident.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from coop_shared.clock import wall_time
from coop_shared.persistence.keyset import cursor_of, keyset, sort_spec
from coop_shared.persistence.mongo import IndexSpec
from members.domain.errors import Conflict
from members.domain.identity import Address, Language
from members.domain.member import ArtsAttestation, AttestationType, Member, MemberStatus, Role

MEMBERS = "members"
CREDENTIALS = "credentials"

INDEXES = [
    # One account per e-mail address; erased accounts have none, hence partial.
    IndexSpec(MEMBERS, [("email", 1)], "members_email_unique", unique=True,
              options={"partialFilterExpression": {"email": {"$type": "string"}}}),
    IndexSpec(MEMBERS, [("advisor_id", 1), ("registered_at", -1), ("_id", -1)], "members_by_advisor"),
    IndexSpec(MEMBERS, [("registered_at", -1), ("_id", -1)], "members_by_registration"),
]

Session = AsyncClientSession | None


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def to_document(member: Member) -> dict[str, Any]:
    address = member.address
    attestation = member.attestation
    return {
        "_id": member.id, "email": member.email, "full_name": member.full_name, "language": member.language.value,
        "role": member.role.value, "status": member.status.value, "registered_at": member.registered_at,
        "address": None if address is None else {"street": address.street, "postal_code": address.postal_code,
                                                 "city": address.city, "country": address.country},
        "iban": member.iban, "niss": member.niss, "advisor_id": member.advisor_id,
        "attestation": None if attestation is None else {
            "type": attestation.type.value, "valid_from": attestation.valid_from.isoformat(),
            "valid_to": attestation.valid_to.isoformat()},
        "usage_started_on": member.usage_started_on.isoformat() if member.usage_started_on else None,
        "erased_at": member.erased_at, "version": member.version, "token_version": member.token_version,
    }


def from_document(doc: dict[str, Any]) -> Member:
    address = doc.get("address")
    attestation = doc.get("attestation")
    return Member(
        id=doc["_id"], email=doc.get("email"), full_name=doc.get("full_name", ""), language=Language(doc["language"]),
        role=Role(doc["role"]), status=MemberStatus(doc["status"]), registered_at=doc["registered_at"],
        address=Address(**address) if address else None, iban=doc.get("iban"), niss=doc.get("niss"),
        advisor_id=doc.get("advisor_id"),
        attestation=None if not attestation else ArtsAttestation(
            AttestationType(attestation["type"]), date.fromisoformat(attestation["valid_from"]),
            date.fromisoformat(attestation["valid_to"])),
        usage_started_on=_day(doc.get("usage_started_on")), erased_at=doc.get("erased_at"),
        version=int(doc.get("version", 0)), token_version=int(doc.get("token_version", 0)),
    )


class MemberRepository:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._members = db[MEMBERS]
        self._credentials = db[CREDENTIALS]

    async def add(self, member: Member, password_hash: str | None, session: AsyncClientSession) -> None:
        await self._members.insert_one(to_document(member), session=session)
        if password_hash is not None:
            await self._credentials.insert_one({"_id": member.id, "password_hash": password_hash,
                                                "changed_at": member.registered_at}, session=session)

    async def get(self, member_id: str, session: Session = None) -> Member | None:
        doc = await self._members.find_one({"_id": member_id}, session=session)
        return from_document(doc) if doc else None

    async def by_email(self, email: str, session: Session = None) -> Member | None:
        doc = await self._members.find_one({"email": email}, session=session)
        return from_document(doc) if doc else None

    async def save(self, member: Member, session: AsyncClientSession, *, legal_hold: dict[str, Any] | None = None
                   ) -> None:
        """Write the member back if nobody changed it since it was read
        (optimistic concurrency on ``version``)."""
        doc = to_document(member)
        doc.pop("_id")
        doc["version"] = member.version + 1
        doc["updated_at"] = wall_time()
        if legal_hold is not None:
            doc["legal_hold"] = legal_hold
        result = await self._members.update_one({"_id": member.id, "version": member.version}, {"$set": doc},
                                                session=session)
        if result.matched_count != 1:
            raise Conflict("concurrent_update", "The member changed meanwhile; read it again and retry.")
        member.version += 1

    async def active_ids(self, ids: Iterable[str], session: Session = None) -> set[str]:
        wanted = list(set(ids))
        if not wanted:
            return set()
        cursor = self._members.find({"_id": {"$in": wanted}, "status": MemberStatus.ACTIVE.value}, {"_id": 1},
                                    session=session)
        return {doc["_id"] async for doc in cursor}

    async def ids_advised_by(self, advisor_id: str) -> list[str]:
        cursor = self._members.find({"advisor_id": advisor_id, "status": MemberStatus.ACTIVE.value}, {"_id": 1})
        return [doc["_id"] async for doc in cursor]

    async def page(self, *, limit: int, cursor: dict[str, Any] | None, advisor_id: str | None = None,
                   role: Role | None = None) -> tuple[list[Member], dict[str, Any] | None]:
        query: dict[str, Any] = {"status": MemberStatus.ACTIVE.value}
        if advisor_id is not None:
            query["advisor_id"] = advisor_id
        if role is not None:
            query["role"] = role.value
        found = self._members.find(keyset(query, "registered_at", cursor)).sort(sort_spec("registered_at"))
        docs = [doc async for doc in found.limit(limit + 1)]
        more = len(docs) > limit
        docs = docs[:limit]
        return [from_document(d) for d in docs], (cursor_of(docs[-1], "registered_at") if more else None)

    async def any_admin(self) -> bool:
        return await self._members.find_one({"role": Role.ADMIN.value, "status": MemberStatus.ACTIVE.value},
                                            {"_id": 1}) is not None

    # Credentials -------------------------------------------------------------------------------------------

    async def password_hash(self, member_id: str) -> str | None:
        doc = await self._credentials.find_one({"_id": member_id})
        return str(doc["password_hash"]) if doc else None

    async def set_password_hash(self, member_id: str, password_hash: str, now: datetime,
                                session: Session = None, *, expected: str | None = None) -> bool:
        """Replace the hash; with ``expected``, only if it is still that one
        (a rehash at login must not undo a concurrent password change)."""
        query: dict[str, Any] = {"_id": member_id}
        if expected is not None:
            query["password_hash"] = expected
        result = await self._credentials.update_one(query, {"$set": {"password_hash": password_hash,
                                                                      "changed_at": now}}, session=session)
        return result.matched_count == 1

    async def delete_credentials(self, member_id: str, session: AsyncClientSession) -> None:
        await self._credentials.delete_one({"_id": member_id}, session=session)
