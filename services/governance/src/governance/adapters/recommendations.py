"""Members' recommendations in MongoDB (one document each, with its history)."""

from __future__ import annotations

from datetime import datetime

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from coop_shared.persistence.mongo import Document, IndexSpec
from governance.domain.recommendations import Recommendation, RecommendationStatus, StatusChange

RECOMMENDATIONS = "recommendations"

INDEXES = [
    IndexSpec(RECOMMENDATIONS, [("submitted_at", -1), ("_id", -1)], "recommendations_by_date"),
    IndexSpec(RECOMMENDATIONS, [("status", 1), ("submitted_at", -1), ("_id", -1)], "recommendations_by_status"),
]


def to_doc(r: Recommendation) -> Document:
    return {
        "_id": r.id, "author_id": r.author_id, "title": r.title, "text": r.text, "assembly_id": r.assembly_id,
        "submitted_at": r.submitted_at, "status": r.status.value,
        "history": [{"from_status": h.from_status.value, "to_status": h.to_status.value, "at": h.at,
                     "note": h.note} for h in r.history],
    }


def to_domain(doc: Document) -> Recommendation:
    return Recommendation(
        id=doc["_id"], author_id=doc["author_id"], text=doc["text"], submitted_at=doc["submitted_at"],
        assembly_id=doc.get("assembly_id"), title=doc["title"], status=RecommendationStatus(doc["status"]),
        history=[StatusChange(RecommendationStatus(h["from_status"]), RecommendationStatus(h["to_status"]),
                              h["at"], h["note"]) for h in doc["history"]],
    )


class RecommendationRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._recommendations = db[RECOMMENDATIONS]

    async def add(self, r: Recommendation, session: AsyncClientSession) -> None:
        await self._recommendations.insert_one({**to_doc(r), "version": 1}, session=session)

    async def get(self, recommendation_id: str) -> Document | None:
        return await self._recommendations.find_one({"_id": recommendation_id})

    async def save(self, r: Recommendation, version: int, session: AsyncClientSession) -> bool:
        doc = to_doc(r)
        del doc["_id"]
        result = await self._recommendations.update_one(
            {"_id": r.id, "version": version}, {"$set": doc, "$inc": {"version": 1}}, session=session)
        return result.matched_count == 1

    async def page(self, *, status: str | None, author_id: str | None, limit: int,
                   after: tuple[datetime, str] | None) -> list[Document]:
        query: Document = {}
        if status is not None:
            query["status"] = status
        if author_id is not None:
            query["author_id"] = author_id
        if after is not None:
            at, last_id = after
            query["$or"] = [{"submitted_at": {"$lt": at}}, {"submitted_at": at, "_id": {"$lt": last_id}}]
        cursor = self._recommendations.find(query).sort([("submitted_at", -1), ("_id", -1)]).limit(limit)
        return [doc async for doc in cursor]
