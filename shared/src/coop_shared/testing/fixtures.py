"""pytest fixtures shared by every suite (loaded from the root conftest)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import httpx
import pytest
from fastapi import FastAPI

from coop_shared.auth.principal import Role
from coop_shared.auth.tokens import SigningKey, TokenVerifier, issue_access_token
from coop_shared.settings import ServiceSettings
from coop_shared.testing.servers import Infrastructure, delete_queues, test_infrastructure

S = TypeVar("S", bound=ServiceSettings)


@pytest.fixture(scope="session")
def infrastructure() -> Iterator[Infrastructure]:
    with test_infrastructure() as infra:
        yield infra


SERVICE_NAMES = ("gateway", "members", "invoicing", "payroll", "governance", "notifications")


@pytest.fixture
def namespace(infrastructure: Infrastructure) -> Iterator[str]:
    """Unique per test: database names and AMQP names never collide between tests.

    Afterwards the services' queues of this namespace are deleted, so the
    broker does not accumulate thousands of quorum queues over a run.
    """
    value = f"t{uuid.uuid4().hex[:10]}"
    yield value
    names = [f"{value}.{service}.{kind}" for service in SERVICE_NAMES for kind in ("events", "dead-letter")]
    names += [f"{value}.coop.events.unrouted", f"{value}.events.unrouted"]  # alternate exchanges' queues
    with ThreadPoolExecutor(max_workers=1) as pool:  # outside any running event loop
        pool.submit(delete_queues, infrastructure.amqp_url, names).result(timeout=150)


@pytest.fixture
def settings_for(infrastructure: Infrastructure, namespace: str) -> Callable[..., Any]:
    def make(cls: type[S], **overrides: Any) -> S:
        base = cls()
        values: dict[str, Any] = {
            "mongo_url": infrastructure.mongo_url,
            "amqp_url": infrastructure.amqp_url,
            "amqp_prefix": f"{namespace}.",
            "mongo_database": f"{namespace}_{base.service_name}",
            "outbox_poll_seconds": 0.1,
            # A reply the test database lost costs 15 s and a retry, not the run.
            "mongo_socket_timeout_ms": 15_000,
            "environment": "test",
            "log_json": True,
        }
        values.update(overrides)
        return cls(**values)

    return make


@asynccontextmanager
async def running(app: FastAPI, base_url: str = "http://testserver") -> AsyncIterator[httpx.AsyncClient]:
    """Run an app's lifespan (real connections) and talk to it in-process."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client


@pytest.fixture(scope="session")
def signing_key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture
def token_for(signing_key: SigningKey) -> Callable[..., dict[str, str]]:
    """Authorization headers for a principal, signed by the test key."""

    def make(subject: str, role: Role | str = Role.MEMBER, **kwargs: Any) -> dict[str, str]:
        token = issue_access_token(signing_key, subject=subject, role=Role(role), **kwargs)
        return {"Authorization": f"Bearer {token}"}

    return make


def trust_test_key(app: FastAPI, key: SigningKey) -> FastAPI:
    """Make a service verify tokens signed by ``key`` (instead of fetching a JWKS)."""
    app.state.token_verifier = TokenVerifier(jwks={"keys": [key.public_jwk()]})
    return app


@asynccontextmanager
async def serving(app: FastAPI, port: int) -> AsyncIterator[str]:
    """Serve ``app`` over real HTTP on 127.0.0.1:``port`` (uvicorn in this loop)."""
    import asyncio

    import uvicorn

    from coop_shared.cli import UVICORN_OPTIONS

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None,
                                           lifespan="on", timeout_graceful_shutdown=5, **UVICORN_OPTIONS))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # surfaces the start-up error
            raise RuntimeError("server stopped before starting")
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
