"""The issued documents' files, stored once: the legal document never changes.

Each file is kept under a deterministic key (``<document id>/<name>``) with
its SHA-256. The first writer wins (unique ``_id``): a file rendered twice by
concurrent requests is stored once, and both get the stored bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from bson import Binary
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from coop_shared.clock import wall_time
from coop_shared.persistence.mongo import IndexSpec

ISSUED_FILES = "issued_files"
INDEXES = [IndexSpec(ISSUED_FILES, [("document_id", 1)], "issued_files_by_document")]


@dataclass(frozen=True)
class StoredFile:
    document_id: str
    name: str
    filename: str
    content_type: str
    content: bytes
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)

    def summary(self) -> dict[str, Any]:
        return {"name": self.name, "filename": self.filename, "content_type": self.content_type,
                "sha256": self.sha256, "size": self.size}


def _file(doc: dict[str, Any]) -> StoredFile:
    return StoredFile(doc["document_id"], doc["name"], doc["filename"], doc["content_type"], bytes(doc["content"]),
                      doc["sha256"])


class FileStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._files = db[ISSUED_FILES]

    async def get(self, document_id: str, name: str) -> StoredFile | None:
        doc = await self._files.find_one({"_id": f"{document_id}/{name}"})
        return None if doc is None else _file(doc)

    async def summaries(self, document_id: str) -> list[dict[str, Any]]:
        cursor = self._files.find({"document_id": document_id}, {"content": 0}).sort("name", 1)
        return [{"name": d["name"], "filename": d["filename"], "content_type": d["content_type"],
                 "sha256": d["sha256"], "size": d["size"]} async for d in cursor]

    async def keep(self, document_id: str, name: str, filename: str, content_type: str,
                   content: bytes) -> StoredFile:
        """Store the file unless one is already stored; returns the stored one."""
        digest = hashlib.sha256(content).hexdigest()
        try:
            await self._files.insert_one({
                "_id": f"{document_id}/{name}", "document_id": document_id, "name": name, "filename": filename,
                "content_type": content_type, "content": Binary(content), "sha256": digest, "size": len(content),
                "created_at": wall_time()})
        except DuplicateKeyError:
            stored = await self.get(document_id, name)
            assert stored is not None
            return stored
        return StoredFile(document_id, name, filename, content_type, content, digest)
