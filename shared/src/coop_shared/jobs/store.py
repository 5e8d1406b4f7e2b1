"""Job state and leases in MongoDB: one document per job (``_id`` = the job's
name, unique), holding who runs it and until when, and how the last run went.

Taking the lease is one conditional update (free or expired, and due), so of
any number of replicas exactly one gets it.
"""

from __future__ import annotations

from datetime import datetime

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from coop_shared.persistence.mongo import Document, IndexSpec

JOBS_COLLECTION = "scheduled_jobs"
JOB_INDEXES = [IndexSpec(JOBS_COLLECTION, [("next_run_at", 1)], "scheduled_jobs_next_run")]



class JobStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._jobs = db[JOBS_COLLECTION]

    async def ensure(self, name: str, schedule: str, first_run: datetime) -> None:
        await self._jobs.update_one(
            {"_id": name},
            {"$set": {"schedule": schedule},
             "$setOnInsert": {"next_run_at": first_run, "lease_owner": None, "lease_until": None, "runs": 0,
                              "failures": 0, "last_run_at": None, "last_outcome": None}},
            upsert=True)

    async def acquire(self, name: str, owner: str, now: datetime, until: datetime, *,
                      due_only: bool) -> Document | None:
        """Take the lease if it is free or expired (and, if ``due_only``, the job is due)."""
        query: Document = {"_id": name, "$or": [{"lease_until": None}, {"lease_until": {"$lte": now}}]}
        if due_only:
            query["next_run_at"] = {"$lte": now}
        doc: Document | None = await self._jobs.find_one_and_update(
            query, {"$set": {"lease_owner": owner, "lease_until": until, "running_since": now}},
            return_document=ReturnDocument.AFTER)
        return doc

    async def renew(self, name: str, owner: str, until: datetime) -> bool:
        result = await self._jobs.update_one({"_id": name, "lease_owner": owner}, {"$set": {"lease_until": until}})
        return result.matched_count == 1

    async def finish(self, name: str, owner: str, values: Document, *, failed: bool) -> bool:
        """Record the run and release the lease (only if still ours)."""
        update: Document = {"$set": {**values, "lease_owner": None, "lease_until": None, "running_since": None},
                            "$inc": {"runs": 1}}
        if failed:
            update["$inc"]["failures"] = 1
        else:
            update["$set"]["failures"] = 0
        result = await self._jobs.update_one({"_id": name, "lease_owner": owner}, update)
        return result.matched_count == 1

    async def get(self, name: str) -> Document | None:
        return await self._jobs.find_one({"_id": name})

    async def all(self) -> list[Document]:
        return [doc async for doc in self._jobs.find({}).sort("_id", 1)]
