"""The signing key of a token-issuing service.

Production passes the key in the environment (a Kubernetes Secret). Elsewhere,
when none is given, one is generated once and kept in the service's own
database, so every replica and every restart signs with the same key.
"""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from coop_shared.auth.tokens import SigningKey
from coop_shared.clock import wall_time

KEYS_COLLECTION = "signing_keys"


class MissingSigningKey(RuntimeError):
    pass


async def load_signing_key(db: AsyncDatabase[dict[str, Any]], *, pem: str | None, environment: str,
                           setting_name: str) -> SigningKey:
    if pem:
        return SigningKey.from_pem(pem)
    if environment == "production":
        raise MissingSigningKey(f"{setting_name} must be set in production")
    keys = db[KEYS_COLLECTION]
    stored = await keys.find_one({"_id": "current"})
    if stored is None:
        fresh = SigningKey.generate()
        try:
            await keys.insert_one({"_id": "current", "kid": fresh.kid, "pem": fresh.to_pem(),
                                   "created_at": wall_time()})
        except DuplicateKeyError:
            pass  # another replica won the race: use its key
        stored = await keys.find_one({"_id": "current"})
    assert stored is not None
    return SigningKey.from_pem(stored["pem"], kid=stored["kid"])
