"""Sessions held server-side in MongoDB; the browser only ever holds a random id.

The id is stored hashed (a stolen database dump opens no session) and the API
tokens are encrypted with Fernet under a key from the environment.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from pymongo.asynchronous.database import AsyncDatabase

from coop_shared.clock import wall_time
from coop_shared.persistence.mongo import IndexSpec

COLLECTION = "sessions"
INDEXES = [IndexSpec(COLLECTION, [("expires_at", 1)], "sessions_expire", options={"expireAfterSeconds": 0})]


@dataclass
class Session:
    sid: str
    csrf: str
    language: str | None = None
    tokens: dict[str, str] = field(default_factory=dict)
    member_id: str | None = None
    role: str | None = None
    name: str | None = None
    flash: str | None = None
    is_new: bool = False

    @property
    def logged_in(self) -> bool:
        return bool(self.tokens.get("access_token"))


def _key(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


class SessionStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]], fernet: Fernet, idle: timedelta) -> None:
        self._sessions = db[COLLECTION]
        self._fernet = fernet
        self._idle = idle

    def new(self) -> Session:
        return Session(sid=secrets.token_urlsafe(32), csrf=secrets.token_urlsafe(32), is_new=True)

    async def load(self, sid: str | None) -> Session | None:
        if not sid or len(sid) > 128:
            return None
        doc = await self._sessions.find_one({"_id": _key(sid)})
        if doc is None or doc["expires_at"].replace(tzinfo=UTC) < wall_time():
            return None
        tokens: dict[str, str] = {}
        if doc.get("tokens"):
            try:
                tokens = json.loads(self._fernet.decrypt(doc["tokens"].encode()))
            except InvalidToken:
                return None
        return Session(sid=sid, csrf=doc["csrf"], language=doc.get("language"), tokens=tokens,
                       member_id=doc.get("member_id"), role=doc.get("role"), name=doc.get("name"),
                       flash=doc.get("flash"))

    async def save(self, session: Session) -> None:
        encrypted = self._fernet.encrypt(json.dumps(session.tokens).encode()).decode() if session.tokens else None
        await self._sessions.update_one({"_id": _key(session.sid)}, {"$set": {
            "csrf": session.csrf, "language": session.language, "tokens": encrypted,
            "member_id": session.member_id, "role": session.role, "name": session.name, "flash": session.flash,
            "expires_at": wall_time() + self._idle}}, upsert=True)

    async def delete(self, session: Session) -> None:
        await self._sessions.delete_one({"_id": _key(session.sid)})
