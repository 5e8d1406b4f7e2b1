"""Assemblies in MongoDB: the aggregate document and its frozen electorate.

The assembly document holds the lifecycle, the agenda and, once published,
the results. The electorate lives in its own collection (one document per
elector, tens of thousands for a general assembly) so that a vote checks one
indexed key instead of loading the whole snapshot.

Every change to the document goes through ``save`` with the ``version`` read
(optimistic concurrency). Proxy registrations bump ``proxies_version`` on the
same document: that write makes them conflict with opening the vote, so a
proxy can never slip in after the window opened.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import datetime
from fractions import Fraction

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from coop_shared.persistence.mongo import Document, IndexSpec
from governance.domain.assembly import Assembly
from governance.domain.lifecycle import AssemblyState, VotingWindow
from governance.domain.resolution import BallotKind, MajorityRule, Resolution
from governance.domain.tally import Result, ResultReason

ASSEMBLIES = "assemblies"
ELECTORS = "electors"

INDEXES = [
    IndexSpec(ASSEMBLIES, [("created_at", -1), ("_id", -1)], "assemblies_by_creation"),
    IndexSpec(ASSEMBLIES, [("state", 1), ("created_at", -1), ("_id", -1)], "assemblies_by_state"),
    # Votes arrive by resolution id: find the assembly that holds it.
    IndexSpec(ASSEMBLIES, [("agenda.id", 1)], "assemblies_by_resolution"),
    # The voting-deadlines job: convened assemblies due to open, open ones due to close.
    IndexSpec(ASSEMBLIES, [("state", 1), ("opens_at", 1)], "assemblies_due_to_open"),
    IndexSpec(ASSEMBLIES, [("state", 1), ("closes_at", 1)], "assemblies_due_to_close"),
    # One entry per person in a frozen electorate.
    IndexSpec(ELECTORS, [("assembly_id", 1), ("member_id", 1)], "electors_unique", unique=True),
]


class ConcurrentUpdate(Exception):
    """The document changed since it was read; the caller should retry."""


def quorum_text(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def resolution_to_doc(r: Resolution) -> Document:
    return {"id": r.id, "text": r.text, "majority": r.majority.value, "quorum": quorum_text(r.quorum),
            "ballot": r.ballot.value}


def resolution_from_doc(doc: Document) -> Resolution:
    return Resolution(doc["id"], doc["text"], MajorityRule(doc["majority"]), Fraction(doc["quorum"]),
                      BallotKind(doc["ballot"]))


def result_to_doc(r: Result) -> Document:
    return {"resolution_id": r.resolution_id, "majority": r.majority.value, "ballot": r.ballot.value,
            "votes_for": r.votes_for, "votes_against": r.votes_against, "abstentions": r.abstentions,
            "participants": r.participants, "electorate_size": r.electorate_size,
            "quorum_required": r.quorum_required, "quorum_reached": r.quorum_reached, "adopted": r.adopted,
            "reason": r.reason.value}


def result_from_doc(doc: Document) -> Result:
    return Result(doc["resolution_id"], MajorityRule(doc["majority"]), BallotKind(doc["ballot"]),
                  doc["votes_for"], doc["votes_against"], doc["abstentions"], doc["participants"],
                  doc["electorate_size"], doc["quorum_required"], doc["quorum_reached"], doc["adopted"],
                  ResultReason(doc["reason"]))


def to_domain(doc: Document, electorate: Sequence[str] = ()) -> Assembly:
    """Rebuild the aggregate; the electorate is loaded only by the callers that need it."""
    return Assembly(
        id=doc["_id"], kind=doc["kind"], title=doc["title"],
        window=VotingWindow(doc["opens_at"], doc["closes_at"]),
        allow_vote_change=doc["allow_vote_change"], max_proxies_per_voter=doc["max_proxies_per_voter"],
        state=doc["state"], agenda=[resolution_from_doc(r) for r in doc["agenda"]],
        electorate=tuple(electorate), convened_at=doc.get("convened_at"),
        results={r["resolution_id"]: result_from_doc(r) for r in doc.get("results") or []},
    )


def changes_of(assembly: Assembly) -> Document:
    """The fields an operation on the aggregate may change."""
    return {
        "title": assembly.title, "opens_at": assembly.opens_at, "closes_at": assembly.closes_at,
        "state": assembly.state.value, "agenda": [resolution_to_doc(r) for r in assembly.agenda],
        "convened_at": assembly.convened_at,
        "results": [result_to_doc(assembly.results[r.id]) for r in assembly.agenda if r.id in assembly.results],
    }


class AssemblyRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._assemblies = db[ASSEMBLIES]
        self._electors = db[ELECTORS]

    async def add(self, doc: Document, session: AsyncClientSession | None = None) -> None:
        await self._assemblies.insert_one(doc, session=session)

    async def get(self, assembly_id: str, session: AsyncClientSession | None = None) -> Document | None:
        return await self._assemblies.find_one({"_id": assembly_id}, session=session)

    async def by_resolution(self, resolution_id: str,
                            session: AsyncClientSession | None = None) -> Document | None:
        return await self._assemblies.find_one({"agenda.id": resolution_id}, session=session)

    async def save(self, assembly: Assembly, version: int, session: AsyncClientSession,
                   extra: Document | None = None, expected_state: AssemblyState | None = None) -> None:
        query: Document = {"_id": assembly.id, "version": version}
        if expected_state is not None:
            query["state"] = expected_state.value
        result = await self._assemblies.update_one(
            query, {"$set": {**changes_of(assembly), **(extra or {})}, "$inc": {"version": 1}}, session=session)
        if result.matched_count != 1:
            raise ConcurrentUpdate(assembly.id)

    async def due(self, state: AssemblyState, deadline: str, now: datetime, limit: int = 100) -> list[str]:
        """Ids of assemblies in ``state`` whose ``deadline`` (opens_at or closes_at) has come."""
        cursor = self._assemblies.find({"state": state.value, deadline: {"$lte": now}}, {"_id": 1})
        return [doc["_id"] async for doc in cursor.sort(deadline, 1).limit(limit)]

    async def touch_for_proxies(self, assembly_id: str, session: AsyncClientSession) -> bool:
        """Serialise proxy changes of one assembly with each other and with opening the vote."""
        result = await self._assemblies.update_one(
            {"_id": assembly_id, "state": AssemblyState.CONVENED.value},
            {"$inc": {"proxies_version": 1}}, session=session)
        return result.matched_count == 1

    async def page(self, *, include_drafts: bool, state: str | None, kind: str | None, limit: int,
                   after: tuple[datetime, str] | None) -> list[Document]:
        draft = AssemblyState.DRAFT.value
        if not include_drafts and state == draft:
            return []
        query: Document = {}
        if state is not None:
            query["state"] = state
        elif not include_drafts:
            query["state"] = {"$ne": draft}
        if kind is not None:
            query["kind"] = kind
        if after is not None:
            created_at, last_id = after
            query["$or"] = [{"created_at": {"$lt": created_at}},
                            {"created_at": created_at, "_id": {"$lt": last_id}}]
        cursor = self._assemblies.find(query, {"results": 0}).sort([("created_at", -1), ("_id", -1)]).limit(limit)
        return [doc async for doc in cursor]

    # -- electorate ------------------------------------------------------------

    async def freeze_electorate(self, assembly_id: str, members: Iterable[str],
                                session: AsyncClientSession) -> None:
        docs = [{"_id": f"{assembly_id}:{m}", "assembly_id": assembly_id, "member_id": m} for m in members]
        for start in range(0, len(docs), 5000):
            await self._electors.insert_many(docs[start:start + 5000], ordered=False, session=session)

    async def electors_among(self, assembly_id: str, members: Iterable[str],
                             session: AsyncClientSession | None = None) -> set[str]:
        wanted = sorted(set(members))
        cursor = self._electors.find({"assembly_id": assembly_id, "member_id": {"$in": wanted}},
                                     {"member_id": 1}, session=session)
        return {doc["member_id"] async for doc in cursor}

    async def electorate(self, assembly_id: str, session: AsyncClientSession | None = None) -> list[str]:
        return [m async for m in self.iter_electorate(assembly_id, session=session)]

    async def iter_electorate(self, assembly_id: str, *, after: str | None = None, limit: int = 0,
                              session: AsyncClientSession | None = None) -> AsyncIterator[str]:
        query: Document = {"assembly_id": assembly_id}
        if after is not None:
            query["member_id"] = {"$gt": after}
        cursor = self._electors.find(query, {"member_id": 1}, session=session).sort("member_id", 1)
        if limit:
            cursor = cursor.limit(limit)
        async for doc in cursor:
            yield doc["member_id"]
