"""Where the token signing key comes from.

Production: ``JWT_PRIVATE_KEY`` (a Kubernetes Secret). Elsewhere, when it is
absent, the first replica to start generates a key and stores it in MongoDB;
the others (and later restarts) load that same key, so every replica signs
with it and every token verifies against one JWKS.
"""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from coop_shared.auth.tokens import SigningKey
from coop_shared.clock import wall_time

SIGNING_KEYS = "signing_keys"
_ACTIVE = "active"


async def load_or_create_signing_key(db: AsyncDatabase[dict[str, Any]]) -> SigningKey:
    keys = db[SIGNING_KEYS]
    doc = await keys.find_one({"_id": _ACTIVE})
    if doc is None:
        generated = SigningKey.generate()
        try:
            await keys.insert_one({"_id": _ACTIVE, "kid": generated.kid, "pem": generated.to_pem(),
                                   "created_at": wall_time()})
            return generated
        except DuplicateKeyError:
            doc = await keys.find_one({"_id": _ACTIVE})  # another replica won the race: use its key
    if doc is None:
        raise RuntimeError("signing key vanished while starting")
    return SigningKey.from_pem(doc["pem"], kid=doc["kid"])
