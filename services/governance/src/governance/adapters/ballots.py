"""Votes, ballot counters and proxies in MongoDB.

Storage layout, chosen so that one person is counted once and a secret
ballot cannot be traced back to a person:

- ``participations``: who took part in which resolution (``elector_id``, and
  ``cast_by`` when a proxy holder pressed the button). The unique index on
  ``(resolution_id, elector_id)`` is what makes a vote count once, however
  many identical requests race. For an *open* ballot the document also holds
  the choice and the time. For a *secret* ballot it holds neither: no choice,
  no time, and a random ``_id`` (an ObjectId would embed a timestamp).
- ``sealed_ballots``: while voting is open, a secret choice exists only as a
  sealed box (``ballot_seal``: encrypted, every box the same size, a random
  ``_id``, no voter, no time), inserted in the participation's transaction.
  A reader of the collections, the backups, the replication log or a change
  stream sees that somebody voted, never how. The closing transaction opens
  the boxes, adds them to the counters and deletes them.
- ``ballot_counters``: per resolution, a few shard documents with counters.
  Every vote (open or secret) increments ``participants`` on a random shard;
  the choice counters change only when closing folds the boxes in, all at
  once, so no increment can be paired with a voter. Closing also sets
  ``sealed`` on every shard: that write conflicts with any vote still in
  flight, which then retries, sees the seal and is refused. So no vote can
  be added to a resolution after its result was computed.
- ``proxies``: one document per giver and assembly (unique).
"""

from __future__ import annotations

import secrets
import uuid
from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from coop_shared.persistence.mongo import Document, IndexSpec
from governance.adapters.ballot_seal import BallotSeal
from governance.domain.resolution import BallotKind, Choice
from governance.domain.tally import OpenVote, Participation
from governance.domain.voting import Proxy

PARTICIPATIONS = "participations"
COUNTERS = "ballot_counters"
SEALED = "sealed_ballots"
PROXIES = "proxies"

INDEXES = [
    # One person, one vote: the rule that holds under any concurrency.
    IndexSpec(PARTICIPATIONS, [("resolution_id", 1), ("elector_id", 1)], "participation_once", unique=True),
    IndexSpec(PARTICIPATIONS, [("assembly_id", 1), ("elector_id", 1)], "participations_by_elector"),
    IndexSpec(PARTICIPATIONS, [("assembly_id", 1), ("cast_by", 1)], "participations_by_caster"),
    IndexSpec(COUNTERS, [("assembly_id", 1)], "counters_by_assembly"),
    IndexSpec(COUNTERS, [("resolution_id", 1), ("shard", 1)], "counters_unique", unique=True),
    IndexSpec(SEALED, [("assembly_id", 1), ("resolution_id", 1)], "sealed_ballots_by_resolution"),
    IndexSpec(PROXIES, [("assembly_id", 1), ("giver_id", 1)], "proxy_per_giver_unique", unique=True),
    IndexSpec(PROXIES, [("assembly_id", 1), ("holder_id", 1)], "proxies_by_holder"),
]

CHOICE_FIELDS = {Choice.FOR: "for", Choice.AGAINST: "against", Choice.ABSTAIN: "abstain"}


class BallotSealed(Exception):
    """The resolution's counters are sealed: voting was closed."""


class BallotRepository:
    def __init__(self, db: AsyncDatabase[Document], shards: int, seal: BallotSeal) -> None:
        self._participations = db[PARTICIPATIONS]
        self._counters = db[COUNTERS]
        self._sealed = db[SEALED]
        self._shards = shards
        self._seal = seal

    async def create_counters(self, assembly_id: str, resolution_ids: Iterable[str],
                              session: AsyncClientSession) -> None:
        # Created up front (at convening) so that votes only ever update them:
        # concurrent upserts of one key would collide on its unique index.
        docs = [{"_id": f"{rid}:{shard}", "assembly_id": assembly_id, "resolution_id": rid, "shard": shard,
                 "sealed": False, "participants": 0, "for": 0, "against": 0, "abstain": 0}
                for rid in resolution_ids for shard in range(self._shards)]
        if docs:
            await self._counters.insert_many(docs, session=session)

    async def participation(self, resolution_id: str, elector_id: str,
                            session: AsyncClientSession) -> Document | None:
        return await self._participations.find_one({"resolution_id": resolution_id, "elector_id": elector_id},
                                                   session=session)

    async def record(self, *, assembly_id: str, resolution_id: str, ballot: BallotKind, elector_id: str,
                     cast_by: str, choice: Choice, change_of: Document | None, now: datetime,
                     session: AsyncClientSession) -> None:
        """Store one vote (or change an open one) and count it, in the caller's transaction."""
        counter_inc: Document = {}
        if change_of is not None:
            # Only open ballots can change (the domain refuses secret changes).
            await self._participations.update_one(
                {"_id": change_of["_id"]}, {"$set": {"choice": choice.value, "cast_by": cast_by, "changed_at": now}},
                session=session)
            counter_inc["changes"] = 1
        else:
            doc: Document = {"_id": uuid.uuid4().hex, "assembly_id": assembly_id, "resolution_id": resolution_id,
                             "elector_id": elector_id, "cast_by": cast_by}
            if ballot is BallotKind.OPEN:
                doc |= {"choice": choice.value, "cast_at": now}
            else:
                await self._sealed.insert_one(
                    {"_id": secrets.token_hex(16), "assembly_id": assembly_id, "resolution_id": resolution_id,
                     "box": self._seal.seal(resolution_id, choice)}, session=session)
            await self._participations.insert_one(doc, session=session)
            counter_inc["participants"] = 1
        shard = secrets.randbelow(self._shards)
        result = await self._counters.update_one(
            {"_id": f"{resolution_id}:{shard}", "sealed": False}, {"$inc": counter_inc}, session=session)
        if result.matched_count != 1:
            raise BallotSealed(resolution_id)

    async def seal(self, assembly_id: str, session: AsyncClientSession) -> None:
        await self._counters.update_many({"assembly_id": assembly_id}, {"$set": {"sealed": True}},
                                         session=session)

    async def fold_sealed(self, assembly_id: str, session: AsyncClientSession) -> None:
        """In the closing transaction, after the count: the boxes' choices join the counters, the boxes go."""
        totals: dict[str, Counter[Choice]] = {}
        async for doc in self._sealed.find({"assembly_id": assembly_id}, session=session):
            totals.setdefault(doc["resolution_id"], Counter())[self._seal.open(doc["resolution_id"], doc["box"])] += 1
        for resolution_id, counted in totals.items():
            await self._counters.update_one(
                {"_id": f"{resolution_id}:0"},
                {"$inc": {CHOICE_FIELDS[choice]: n for choice, n in counted.items()}}, session=session)
        await self._sealed.delete_many({"assembly_id": assembly_id}, session=session)

    # -- reading what was stored (tallies, minutes, recounts) -------------------

    async def participations_of(self, resolution_id: str,
                                session: AsyncClientSession | None = None) -> list[Participation]:
        cursor = self._participations.find({"resolution_id": resolution_id}, {"elector_id": 1, "cast_by": 1},
                                           session=session)
        return [Participation(d["elector_id"], d["cast_by"]) async for d in cursor]

    async def open_votes(self, resolution_id: str, session: AsyncClientSession | None = None) -> list[OpenVote]:
        cursor = self._participations.find({"resolution_id": resolution_id},
                                           {"elector_id": 1, "cast_by": 1, "choice": 1}, session=session)
        return [OpenVote(d["elector_id"], d["cast_by"], Choice(d["choice"])) async for d in cursor]

    async def secret_choices(self, resolution_id: str,
                             session: AsyncClientSession | None = None) -> list[Choice]:
        totals: Counter[Choice] = Counter()
        async for shard in self._counters.find({"resolution_id": resolution_id}, session=session):
            for choice, field in CHOICE_FIELDS.items():
                totals[choice] += int(shard.get(field, 0))
        async for doc in self._sealed.find({"resolution_id": resolution_id}, {"box": 1}, session=session):
            totals[self._seal.open(resolution_id, doc["box"])] += 1  # not folded yet: voting still open
        return [choice for choice, n in sorted(totals.items()) for _ in range(n)]

    async def counted_participants(self, resolution_id: str,
                                   session: AsyncClientSession | None = None) -> int:
        total = 0
        async for shard in self._counters.find({"resolution_id": resolution_id}, {"participants": 1},
                                               session=session):
            total += int(shard.get("participants", 0))
        return total

    async def distinct_participants(self, assembly_id: str, session: AsyncClientSession | None = None) -> int:
        return len(await self._participations.distinct("elector_id", {"assembly_id": assembly_id},
                                                       session=session))

    async def voted_resolutions(self, assembly_id: str, member_id: str) -> dict[str, list[str]]:
        """Resolutions this member's vote was recorded on, and those they voted on as a proxy
        holder, keyed by elector (never the choices: this also serves secret ballots)."""
        cursor = self._participations.find(
            {"assembly_id": assembly_id, "$or": [{"elector_id": member_id}, {"cast_by": member_id}]},
            {"resolution_id": 1, "elector_id": 1})
        voted: dict[str, list[str]] = {}
        async for d in cursor:
            voted.setdefault(d["elector_id"], []).append(d["resolution_id"])
        return {elector: sorted(ids) for elector, ids in voted.items()}


class ProxyRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._proxies = db[PROXIES]

    @staticmethod
    def _proxy(doc: Document) -> Proxy:
        return Proxy(doc["giver_id"], doc["holder_id"], doc["registered_at"])

    async def involving(self, assembly_id: str, members: Iterable[str],
                        session: AsyncClientSession | None = None) -> list[Proxy]:
        """Proxies given or held by any of ``members``: all the voting rules need about them."""
        wanted = sorted(set(members))
        cursor = self._proxies.find(
            {"assembly_id": assembly_id,
             "$or": [{"giver_id": {"$in": wanted}}, {"holder_id": {"$in": wanted}}]}, session=session)
        return [self._proxy(doc) async for doc in cursor]

    async def add(self, assembly_id: str, proxy: Proxy, session: AsyncClientSession) -> None:
        await self._proxies.insert_one(
            {"_id": f"{assembly_id}:{proxy.giver_id}", "assembly_id": assembly_id, "giver_id": proxy.giver_id,
             "holder_id": proxy.holder_id, "registered_at": proxy.registered_at}, session=session)

    async def remove(self, assembly_id: str, giver_id: str, session: AsyncClientSession) -> None:
        await self._proxies.delete_one({"assembly_id": assembly_id, "giver_id": giver_id}, session=session)

    async def count(self, assembly_id: str) -> int:
        return await self._proxies.count_documents({"assembly_id": assembly_id})
