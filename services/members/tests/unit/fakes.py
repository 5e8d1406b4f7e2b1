"""In-memory repositories for use-case unit tests: a dict per collection, the MongoDB repositories'
method names, signatures and outcomes (only the methods the tested use cases call).

Each fake subclasses its MongoDB repository without calling its ``__init__``: it holds no collection,
so a method it does not implement fails at once instead of reaching a database. Documents are kept
as the real repositories write them (their ``to_document``/``from_document``), so an aggregate read
back is a fresh copy, never the object the use case still holds."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from members.adapters import activities as activity_documents
from members.adapters import members as member_documents
from members.adapters import register as register_documents
from members.adapters.activities import ActivityRepository
from members.adapters.members import MemberRepository
from members.adapters.register import ShareRegisterRepository
from members.domain.activities import Activity
from members.domain.errors import Conflict
from members.domain.member import Member, MemberStatus
from members.domain.shares import RegisterEntry

Session = AsyncClientSession | None


class FakeMemberRepository(MemberRepository):
    """The ``members`` collection keyed by ``_id`` (no credentials: the tested use cases read none)."""

    def __init__(self) -> None:  # no super().__init__: no database behind it
        self.documents: dict[str, dict[str, Any]] = {}

    def put(self, member: Member) -> None:
        """A member as registration leaves it (test set-up)."""
        self.documents[member.id] = member_documents.to_document(member)

    def stored(self, member_id: str) -> Member:
        return member_documents.from_document(self.documents[member_id])

    async def get(self, member_id: str, session: Session = None) -> Member | None:
        doc = self.documents.get(member_id)
        return member_documents.from_document(doc) if doc else None

    async def save(self, member: Member, session: AsyncClientSession, *, legal_hold: dict[str, Any] | None = None
                   ) -> None:
        stored = self.documents.get(member.id)
        if stored is None or stored["version"] != member.version:
            raise Conflict("concurrent_update", "The member changed meanwhile; read it again and retry.")
        doc = member_documents.to_document(member)
        doc["version"] = member.version + 1
        if legal_hold is not None:
            doc["legal_hold"] = legal_hold
        self.documents[member.id] = doc
        member.version += 1

    async def active_ids(self, ids: Iterable[str], session: Session = None) -> set[str]:
        return {i for i in set(ids)
                if i in self.documents and self.documents[i]["status"] == MemberStatus.ACTIVE.value}


class FakeActivityRepository(ActivityRepository):
    """The ``activities`` collection keyed by ``_id``."""

    def __init__(self) -> None:  # no super().__init__: no database behind it
        self.documents: dict[str, dict[str, Any]] = {}

    def stored(self, activity_id: str) -> Activity:
        return activity_documents.from_document(self.documents[activity_id])

    async def add(self, activity: Activity, session: AsyncClientSession) -> None:
        if activity.id in self.documents:
            raise DuplicateKeyError(f"E11000 duplicate key error collection: activities index: _id_ "
                                    f"dup key: {{ _id: {activity.id!r} }}")
        self.documents[activity.id] = activity_documents.to_document(activity)

    async def get(self, activity_id: str, session: Session = None) -> Activity | None:
        doc = self.documents.get(activity_id)
        return activity_documents.from_document(doc) if doc else None


class FakeShareRegisterRepository(ShareRegisterRepository):
    """The ``share_register`` collection keyed by ``_id``, append-only, with the two unique indexes that
    make its "only one" rules write conflicts: one ``seq`` per member, one settlement per entry."""

    def __init__(self) -> None:  # no super().__init__: no database behind it
        self.documents: dict[str, dict[str, Any]] = {}

    def put(self, entries: Iterable[RegisterEntry]) -> None:
        """Entries already in the register (test set-up)."""
        for entry in entries:
            self.documents[entry.id] = register_documents.to_document(entry)

    async def append(self, entries: list[RegisterEntry], session: AsyncClientSession) -> None:
        docs = [register_documents.to_document(e) for e in entries]
        taken_seq = {(d["member_id"], d["seq"]) for d in self.documents.values()}
        taken_settles = {d["settles"] for d in self.documents.values() if isinstance(d["settles"], str)}
        for doc in docs:  # insert_many is all-or-nothing inside the use case's transaction
            if (doc["member_id"], doc["seq"]) in taken_seq:
                raise DuplicateKeyError("E11000 duplicate key error index: register_member_seq_unique")
            if isinstance(doc["settles"], str) and doc["settles"] in taken_settles:
                raise DuplicateKeyError("E11000 duplicate key error index: register_settles_unique")
            taken_seq.add((doc["member_id"], doc["seq"]))
            if isinstance(doc["settles"], str):
                taken_settles.add(doc["settles"])
        for doc in docs:
            self.documents[doc["_id"]] = doc

    async def of_member(self, member_id: str, session: Session = None) -> list[RegisterEntry]:
        docs = sorted((d for d in self.documents.values() if d["member_id"] == member_id), key=lambda d: d["seq"])
        return [register_documents.from_document(d) for d in docs]

    async def get(self, entry_id: str, session: Session = None) -> RegisterEntry | None:
        doc = self.documents.get(entry_id)
        return register_documents.from_document(doc) if doc else None
