"""Idempotency keys on a real MongoDB-wire server, in the cases that break
clients: a request abandoned by its client, a retry while the first still
runs, a process that died holding a key, a use case that failed."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, FastAPI, Header
from pydantic import BaseModel
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from coop_shared.http.errors import ApiError, install_error_handlers
from coop_shared.http.idempotency import (
    IDEMPOTENCY_COLLECTION,
    LEASE,
    idempotent,
    idempotent_route,
    no_fingerprint,
    request_fingerprint,
)
from coop_shared.persistence.mongo import database, make_client
from coop_shared.testing.servers import Infrastructure


@pytest.fixture
async def db(infrastructure: Infrastructure, namespace: str) -> AsyncIterator[AsyncDatabase[dict[str, Any]]]:
    client: AsyncMongoClient[dict[str, Any]] = make_client(infrastructure.mongo_url, app_name="tests")
    yield database(client, f"{namespace}_idem")
    await client.close()


class UseCase:
    """Counts its runs; holds each run until released."""

    def __init__(self) -> None:
        self.runs = 0
        self.release = asyncio.Event()
        self.started = asyncio.Event()

    async def __call__(self) -> tuple[int, Any]:
        self.runs += 1
        self.started.set()
        await self.release.wait()
        return 201, {"id": "inv-1", "run": self.runs}


def body_of(response: Any) -> Any:
    return json.loads(response.body)


async def test_a_request_abandoned_by_its_client_finishes_and_the_retry_gets_its_answer(
        db: AsyncDatabase[dict[str, Any]]) -> None:
    use_case = UseCase()
    first = asyncio.create_task(idempotent(db, key="k1", scope="invoices.issue", body={"a": 1}, run=use_case))
    await use_case.started.wait()
    first.cancel()  # the gateway gave up after its timeout
    with pytest.raises(asyncio.CancelledError):
        await first

    with pytest.raises(ApiError) as busy:  # the retry while the work still runs
        await idempotent(db, key="k1", scope="invoices.issue", body={"a": 1}, run=use_case)
    assert (busy.value.status, busy.value.code) == (409, "request_in_progress")
    assert busy.value.headers is not None and 1 <= int(busy.value.headers["Retry-After"]) <= 2

    use_case.release.set()
    for _ in range(100):
        record = await db[IDEMPOTENCY_COLLECTION].find_one({"_id": "invoices.issue:k1"})
        if record and record["state"] == "done":
            break
        await asyncio.sleep(0.02)
    replay = await idempotent(db, key="k1", scope="invoices.issue", body={"a": 1}, run=use_case)
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert body_of(replay) == {"id": "inv-1", "run": 1}
    assert use_case.runs == 1


async def test_a_key_held_by_a_dead_process_is_taken_over_once_its_lease_has_passed(
        db: AsyncDatabase[dict[str, Any]]) -> None:
    past = datetime.now(UTC) - LEASE - timedelta(seconds=5)
    await db[IDEMPOTENCY_COLLECTION].insert_one({
        "_id": "invoices.issue:k2", "state": "running", "created_at": past, "lease_until": past + LEASE,
        "fingerprint": request_fingerprint({"a": 1})})
    use_case = UseCase()
    use_case.release.set()

    async def retry() -> Any:
        try:
            return await idempotent(db, key="k2", scope="invoices.issue", body={"a": 1}, run=use_case)
        except ApiError as error:
            return error

    answers = await asyncio.gather(*(retry() for _ in range(8)))
    done = [a for a in answers if not isinstance(a, ApiError)]
    refused = [a for a in answers if isinstance(a, ApiError)]
    assert use_case.runs == 1  # eight concurrent retries, one takeover
    assert all(a.status_code == 201 for a in done)
    assert all(e.code == "request_in_progress" and e.headers and "Retry-After" in e.headers for e in refused)


async def test_a_live_request_is_never_taken_over(db: AsyncDatabase[dict[str, Any]]) -> None:
    use_case = UseCase()
    first = asyncio.create_task(idempotent(db, key="k3", scope="s", body={}, run=use_case))
    await use_case.started.wait()
    record = await db[IDEMPOTENCY_COLLECTION].find_one({"_id": "s:k3"})
    assert record is not None
    assert record["lease_until"] - record["created_at"] == LEASE
    with pytest.raises(ApiError, match="still being processed"):
        await idempotent(db, key="k3", scope="s", body={}, run=use_case)
    use_case.release.set()
    assert (await first).status_code == 201 and use_case.runs == 1


async def test_a_failed_use_case_frees_its_key_and_another_body_is_refused(
        db: AsyncDatabase[dict[str, Any]]) -> None:
    async def refuse() -> tuple[int, Any]:
        raise ApiError(409, "invalid_state", "Not a draft.")

    with pytest.raises(ApiError, match="Not a draft"):
        await idempotent(db, key="k4", scope="s", body={"x": 1}, run=refuse)
    assert await db[IDEMPOTENCY_COLLECTION].find_one({"_id": "s:k4"}) is None
    use_case = UseCase()
    use_case.release.set()
    assert (await idempotent(db, key="k4", scope="s", body={"x": 1}, run=use_case)).status_code == 201
    with pytest.raises(ApiError) as reused:
        await idempotent(db, key="k4", scope="s", body={"x": 2}, run=use_case)
    assert (reused.value.status, reused.value.code) == (422, "idempotency_key_reused")
    assert use_case.runs == 1



# -- the route decorator ---------------------------------------------------------


class Caller(BaseModel):
    id: str
    signed_in_at: str  # differs on every token: a dependency must not count as "the request"


class Thing(BaseModel):
    name: str


class Secret(BaseModel):
    password: str


def caller(x_caller: Annotated[str, Header()]) -> Caller:
    return Caller(id=x_caller, signed_in_at=str(uuid.uuid4()))


CallerDep = Annotated[Caller, Depends(caller)]


def decorated_app(db: AsyncDatabase[dict[str, Any]]) -> tuple[FastAPI, list[str]]:
    app = FastAPI()
    app.state.runtime = SimpleNamespace(db=db)
    install_error_handlers(app)
    runs: list[str] = []

    @app.post("/folders/{folder}/things", status_code=201, response_model=Thing)
    @idempotent_route("things:{caller.id}:{folder}")
    async def create(folder: str, body: Thing, caller: CallerDep) -> Thing:
        runs.append(f"{caller.id}:{folder}:{body.name}")
        return Thing(name=f"{body.name} in {folder}")

    @app.post("/secrets")
    @idempotent_route("secrets", fingerprint=no_fingerprint)
    async def keep(body: Secret) -> dict[str, int]:
        runs.append("secret")
        return {"length": len(body.password)}

    return app, runs


async def test_a_decorated_route_runs_once_per_key_and_caller(db: AsyncDatabase[dict[str, Any]]) -> None:
    app, runs = decorated_app(db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        async def post(name: str, key: str | None, who: str = "ada") -> httpx.Response:
            headers = {"X-Caller": who, **({"Idempotency-Key": key} if key else {})}
            return await client.post("/folders/f1/things", json={"name": name}, headers=headers)

        first, replay = await post("lamp", "k"), await post("lamp", "k")
        assert (first.status_code, replay.status_code) == (201, 201)  # the route's own status, replayed too
        assert replay.json() == first.json() == {"name": "lamp in f1"}
        assert replay.headers["Idempotent-Replayed"] == "true" and runs == ["ada:f1:lamp"]
        reused = await post("chair", "k")
        assert reused.status_code == 422 and reused.json()["error"]["code"] == "idempotency_key_reused"
        assert (await post("lamp", "k", who="bob")).status_code == 201  # keys are scoped to the caller
        await post("lamp", None)
        await post("lamp", None)
        assert runs == ["ada:f1:lamp", "bob:f1:lamp", "ada:f1:lamp", "ada:f1:lamp"]

        kept = await client.post("/secrets", json={"password": "hunter2"}, headers={"Idempotency-Key": "s"})
        again = await client.post("/secrets", json={"password": "other"}, headers={"Idempotency-Key": "s"})
        assert kept.status_code == again.status_code == 200 and again.json() == {"length": 7}
        stored = await db[IDEMPOTENCY_COLLECTION].find_one({"_id": "secrets:s"})
        assert stored is not None and stored["fingerprint"] == request_fingerprint({})

    spec = app.openapi()["paths"]["/folders/{folder}/things"]["post"]
    assert sorted((p["name"], p["in"]) for p in spec["parameters"]) == [
        ("Idempotency-Key", "header"), ("folder", "path"), ("x-caller", "header")]
    assert spec["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/Thing")
