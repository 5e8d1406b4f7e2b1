"""``Idempotency-Key`` for write endpoints: a replay returns the first answer
and changes nothing; the same key with a different body is refused.

A placeholder is inserted first under a unique ``_id``, so two concurrent
requests with one key cannot both run the use case. The placeholder holds a
lease: while it runs, a retry gets ``409 request_in_progress`` with
``Retry-After``; a request whose client went away (a gateway timeout) still
runs to the end and records its answer, which the retry then receives; only a
placeholder whose process died is taken over, by one retry, once its lease
has passed.

Routes use ``idempotent_route``: the route is written as if it ran once and
returns its response model; the decorator adds the header, scopes the key to
the caller, fingerprints the body and replays the first answer::

    @router.post("", status_code=201, response_model=ShareEntry)
    @idempotent_route("shares:subscribe:{viewer.id}")
    async def subscribe(body: SubscribeRequest, ctx: Ctx, viewer: CurrentViewer) -> ShareEntry:
        return presenters.share_entry(await shares.subscribe(ctx, viewer.id, body.quantity))
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import inspect
import json
import math
import typing
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, ParamSpec, TypeVar

from fastapi import Header, Request, params
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from coop_shared.clock import wall_time
from coop_shared.http.errors import ApiError
from coop_shared.persistence.mongo import IndexSpec

IDEMPOTENCY_COLLECTION = "idempotency_keys"
IDEMPOTENCY_INDEXES = [
    IndexSpec(IDEMPOTENCY_COLLECTION, [("created_at", 1)], "idempotency_ttl",
              options={"expireAfterSeconds": 24 * 3600}),
]
# Longer than any use case takes under load (the slowest seen: 34 s), so a live
# request is never taken over; a dead one holds its key this long at most.
LEASE = timedelta(seconds=60)
# How soon a client should ask again while the first request runs.
RETRY_AFTER_SECONDS = 2


# The header every retryable write takes, declared once (its limits are in the API document).
IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key", min_length=1, max_length=200,
    description="Retry safely: a replay of the same request with the same key returns the first answer "
                "(keys are kept 24 h; reusing one for a different request is refused).")]


def request_fingerprint(body: Any) -> str:
    return hashlib.sha256(json.dumps(jsonable_encoder(body), sort_keys=True).encode()).hexdigest()


async def idempotent(db: AsyncDatabase[dict[str, Any]], *, key: str | None, scope: str, body: Any,
                     run: Callable[[], Awaitable[tuple[int, Any]]]) -> JSONResponse:
    """Run ``run`` (returning status and JSON-able content) at most once per key."""
    if key is None:
        status, content = await run()
        return JSONResponse(jsonable_encoder(content), status_code=status)
    if not 1 <= len(key) <= 200:
        raise ApiError(400, "invalid_idempotency_key", "Idempotency-Key must be 1-200 characters.",
                       field="Idempotency-Key")
    keys = db[IDEMPOTENCY_COLLECTION]
    doc_id = f"{scope}:{key}"
    fingerprint = request_fingerprint(body)
    now = wall_time()
    lease = {"created_at": now, "lease_until": now + LEASE}
    try:
        await keys.insert_one({"_id": doc_id, "fingerprint": fingerprint, "state": "running", **lease})
    except DuplicateKeyError:
        existing = await keys.find_one({"_id": doc_id})
        if existing is None:  # expired between the two calls
            return await idempotent(db, key=key, scope=scope, body=body, run=run)
        if existing["fingerprint"] != fingerprint:
            raise ApiError(422, "idempotency_key_reused",
                           "This Idempotency-Key was used with a different request.",
                           field="Idempotency-Key") from None
        if existing["state"] == "done":
            return JSONResponse(existing["content"], status_code=existing["status"],
                                headers={"Idempotent-Replayed": "true"})
        until = _aware(existing.get("lease_until") or existing["created_at"] + LEASE)
        # The first attempt's process died mid-way: one retry takes the key over, atomically.
        taken = until <= now and (await keys.update_one(
            {"_id": doc_id, "state": "running", "lease_until": existing.get("lease_until"),
             "created_at": existing["created_at"]}, {"$set": lease})).modified_count == 1
        if not taken:
            wait = max(1, min(RETRY_AFTER_SECONDS, math.ceil((until - now).total_seconds())))
            raise ApiError(409, "request_in_progress",
                           "A request with this Idempotency-Key is still being processed: ask again shortly.",
                           field="Idempotency-Key", headers={"Retry-After": str(wait)}) from None
    # Shielded: a client that disconnects (or a gateway that times out) cancels the
    # request, not the work; the answer is recorded for the retry.
    return await asyncio.shield(_run_and_record(keys, doc_id, run))


async def _run_and_record(keys: Any, doc_id: str, run: Callable[[], Awaitable[tuple[int, Any]]]) -> JSONResponse:
    try:
        status, content = await run()
    except BaseException:
        # Nothing was committed: free the key so a corrected retry can run.
        await keys.delete_one({"_id": doc_id})
        raise
    encoded = jsonable_encoder(content)
    await keys.update_one({"_id": doc_id}, {"$set": {"state": "done", "status": status, "content": encoded},
                                            "$unset": {"lease_until": ""}})
    return JSONResponse(encoded, status_code=status)


P = ParamSpec("P")
R = TypeVar("R")
# What identifies "the same request" beside the key: a function of the route's arguments, plain or async.
Fingerprint = Callable[[Mapping[str, Any]], Any]


def idempotent_route(
    scope: str | Callable[[Mapping[str, Any]], str], *, fingerprint: Fingerprint | None = None,
) -> Callable[[Callable[P, Awaitable[R]]], Callable[..., Awaitable[JSONResponse]]]:
    """Run a write route at most once per ``Idempotency-Key`` (see ``idempotent``).

    ``scope`` names the write and whose key it is: a ``str.format`` template
    over the route's arguments (``"refunds.paid:{principal.id}:{refund_id}"``)
    or a function of them. The fingerprint is the body (the pydantic-model
    arguments that are not dependencies), or what ``fingerprint`` returns
    when the body must not be stored as it is (a password, a secret ballot's
    choice). The answer's status is the route's own ``status_code``; the
    route's return value is its content.
    """

    def decorate(endpoint: Callable[P, Awaitable[R]]) -> Callable[..., Awaitable[JSONResponse]]:
        signature = inspect.signature(endpoint)
        # Resolved here: FastAPI would read string annotations in this module's globals, not the route's.
        hints = typing.get_type_hints(endpoint, include_extras=True)
        parameters = [p.replace(annotation=hints.get(p.name, p.annotation)) for p in signature.parameters.values()]
        models = [p.name for p in parameters if _is_body(p)]
        parameters += [
            inspect.Parameter("idempotency_key", inspect.Parameter.KEYWORD_ONLY, default=None,
                              annotation=IdempotencyKey),
            inspect.Parameter("idempotency_request", inspect.Parameter.KEYWORD_ONLY, annotation=Request),
        ]

        @functools.wraps(endpoint)
        async def route(*, idempotency_key: str | None, idempotency_request: Request,
                        **arguments: Any) -> JSONResponse:
            named = scope(arguments) if callable(scope) else scope.format(**arguments)
            body = _body(arguments, models) if fingerprint is None else fingerprint(arguments)
            if inspect.isawaitable(body):
                body = await body
            status = getattr(idempotency_request.scope.get("route"), "status_code", None) or 200

            async def run() -> tuple[int, Any]:
                return status, await endpoint(**arguments)  # type: ignore[call-arg]

            return await idempotent(idempotency_request.app.state.runtime.db, key=idempotency_key, scope=named,
                                    body=body, run=run)

        route.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=parameters, return_annotation=hints.get("return", signature.return_annotation))
        return route

    return decorate


def _is_body(parameter: inspect.Parameter) -> bool:
    """A pydantic model (or an optional one) that is not a dependency: the request's body."""
    annotation, metadata = parameter.annotation, [parameter.default]
    if typing.get_origin(annotation) is Annotated:
        annotation, *extra = typing.get_args(annotation)
        metadata += extra
    if any(isinstance(m, params.Depends) for m in metadata):
        return False
    candidates = typing.get_args(annotation) or (annotation,)
    return any(isinstance(c, type) and issubclass(c, BaseModel) for c in candidates)


def _body(arguments: Mapping[str, Any], models: list[str]) -> Any:
    dumped = {name: m.model_dump(mode="json") if isinstance(m := arguments[name], BaseModel) else m
              for name in models}
    return next(iter(dumped.values())) if len(dumped) == 1 else dumped


def no_fingerprint(_: Mapping[str, Any]) -> dict[str, Any]:
    """For a body that must not be kept even hashed (a password): the key alone identifies the request."""
    return {}


def _aware(moment: datetime) -> datetime:
    """Stored datetimes come back naive unless the client is tz-aware; both are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
