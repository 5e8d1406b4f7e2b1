"""N gateway replicas enforce one limit when the limits are counted in
MongoDB: the second instance refuses what the first already counted. In
memory (``make run``), each instance counts alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from coop_shared.auth.tokens import SigningKey
from coop_shared.testing.fixtures import running, trust_test_key
from coop_shared.testing.servers import free_port
from gateway.adapters.rate_limits import RATE_LIMITS
from gateway.config import GatewaySettings
from gateway.main import create_app as create_gateway


def _settings(settings_for: Callable[..., Any], storage: str) -> GatewaySettings:
    settings: GatewaySettings = settings_for(
        GatewaySettings, members_url=f"http://127.0.0.1:{free_port()}", rate_limit_storage=storage,
        rate_limit_sensitive_per_ip_per_minute=3, rate_limit_sensitive_per_account_per_minute=100)
    return settings


async def _login(client: Any, n: int) -> int:
    response = await client.post("/api/v1/auth/login", json={"email": f"person{n}@example.be"})
    return int(response.status_code)


async def test_two_gateways_on_one_database_enforce_one_limit(
        settings_for: Callable[..., Any], signing_key: SigningKey) -> None:
    settings = _settings(settings_for, "mongodb")
    first = trust_test_key(create_gateway(settings), signing_key)
    second = trust_test_key(create_gateway(settings), signing_key)
    async with running(first) as a, running(second) as b:
        codes = [await _login(a, 1), await _login(b, 2), await _login(a, 3), await _login(b, 4), await _login(a, 5)]
        counted = await first.state.runtime.db[RATE_LIMITS].count_documents({})
        refused = await b.post("/api/v1/auth/login", json={"email": "person6@example.be"})
    # 503: through the limiter, nothing listens upstream; then both refuse.
    assert codes == [503, 503, 503, 429, 429]
    assert counted >= 1
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["error"]["code"] == "rate_limited"


async def test_in_memory_each_gateway_counts_alone(settings_for: Callable[..., Any], signing_key: SigningKey) -> None:
    settings = _settings(settings_for, "memory")
    first = trust_test_key(create_gateway(settings), signing_key)
    second = trust_test_key(create_gateway(settings), signing_key)
    async with running(first) as a, running(second) as b:
        codes = [await _login(a, n) for n in range(3)] + [await _login(b, 9), await _login(a, 10)]
    assert codes == [503, 503, 503, 503, 429]


def test_production_counts_in_mongodb_unless_told_otherwise() -> None:
    assert GatewaySettings(environment="development").rate_limit_storage_kind == "memory"
    production = GatewaySettings.model_construct(environment="production", rate_limit_storage=None)
    assert production.rate_limit_storage_kind == "mongodb"
