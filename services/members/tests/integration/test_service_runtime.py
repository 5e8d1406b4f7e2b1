"""The members service on real servers: indexes, readiness, outbox to broker,
signing key shared by replicas, the first admin bootstrapped once."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from members.cli import create_admin
from members.config import MembersSettings

from .conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Api, EventTap, registration


async def test_start_up_declares_unique_indexes_and_reports_ready(api: Api) -> None:
    unique = {
        "members": "members_email_unique",
        "refresh_tokens": "refresh_token_hash_unique",
        "share_register": "register_member_seq_unique",
        "processed_events": "processed_once",
    }
    for collection, name in unique.items():
        info = await api.db[collection].index_information()
        assert info[name]["unique"] is True, (collection, name)
    settles = (await api.db.share_register.index_information())["register_settles_unique"]
    assert settles["unique"] is True
    assert "outbox_pending_order" in await api.db.outbox.index_information()
    ready = await api.client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"]["mongodb"]["status"] == "ok"
    assert ready.json()["checks"]["rabbitmq"]["status"] == "ok"


async def test_registration_event_leaves_through_the_outbox(api: Api, tap: EventTap) -> None:
    response = await api.call("POST", "/api/v1/auth/register", json=registration("Bob@Example.be"))
    assert response.status_code == 201
    member_id = response.json()["id"]
    [event] = [e for e in await tap.wait_for("members.member.registered.v1", 2) if e["subject"] == member_id]
    assert event["data"]["email"] == "bob@example.be"
    assert event["data"]["role"] == "member" and event["data"]["iban"] == "BE71096123456769"
    for _ in range(50):
        outbox = await api.db.outbox.find_one({"_id": event["id"]})
        if outbox["status"] == "sent":
            break
        await asyncio.sleep(0.05)
    assert outbox["status"] == "sent"
    metrics = (await api.client.get("/metrics")).text
    assert 'coop_events_published_total{service="members",type="members.member.registered.v1"}' in metrics


async def test_replicas_share_one_generated_signing_key(start: Callable[..., Any]) -> None:
    async with start() as first:
        keys_first = (await first.client.get("/api/v1/auth/jwks")).json()["keys"]
        token = (await first.account(ADMIN_EMAIL, ADMIN_PASSWORD)).access_token
    async with start() as second:  # same database: a second replica, or a restart
        keys_second = (await second.client.get("/api/v1/auth/jwks")).json()["keys"]
        me = await second.client.get("/api/v1/members/me", headers={"Authorization": f"Bearer {token}"})
    assert keys_first == keys_second and len(keys_first) == 1
    assert keys_first[0]["kty"] == "RSA" and keys_first[0]["alg"] == "RS256" and "d" not in keys_first[0]
    assert me.status_code == 200


async def test_bootstrap_admin_is_created_once_and_the_cli_does_the_same(
        start: Callable[..., Any], members_settings: Callable[..., MembersSettings], tap: EventTap) -> None:
    async with start() as api:
        pass
    async with start() as api:  # restart: still one admin
        admins = await api.db.members.count_documents({"role": "admin"})
        assert admins == 1
        admin = await api.admin()
        me = (await api.call("GET", "/api/v1/members/me", headers=admin.headers)).json()
        assert me["role"] == "admin" and me["email"] == ADMIN_EMAIL
    settings = members_settings()
    member_id, created, role = await create_admin(settings, ADMIN_EMAIL, ADMIN_PASSWORD, "Administrator")
    assert (member_id, created, role) == (me["id"], False, "admin")
    new_id, created, role = await create_admin(settings, "ops@coop.example", "another admin password", "Ops")
    assert created is True and role == "admin"
    again = await create_admin(settings, "OPS@coop.example", "another admin password", "Ops")
    assert again == (new_id, False, "admin")
    async with start() as api:
        assert await api.db.members.count_documents({"role": "admin"}) == 2
        ops = await api.account("ops@coop.example", "another admin password")
        assert (await api.call("GET", "/api/v1/admin/members", headers=ops.headers)).status_code == 200
        registered = [e for e in await tap.wait_for("members.member.registered.v1", 2)
                      if e["data"]["role"] == "admin"]
        assert len(registered) == 2  # one event per admin created, none for the no-op runs


def test_the_create_admin_command_is_idempotent(members_settings: Callable[..., MembersSettings]) -> None:
    settings = members_settings()
    env = {**os.environ, "MONGO_URL": settings.mongo_url, "MONGO_DATABASE": settings.database_name,
           "ENVIRONMENT": "test", "BOOTSTRAP_ADMIN_PASSWORD": "password from the environment",
           "ARGON2_TIME_COST": "1", "ARGON2_MEMORY_KIB": "8192", "ARGON2_PARALLELISM": "1"}
    env.pop("BOOTSTRAP_ADMIN_EMAIL", None)
    command = [sys.executable, "-m", "members.cli", "create-admin", "--email", "cli@coop.example"]
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    assert "Created admin account" in first.stdout
    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert second.returncode == 0 and "nothing changed" in second.stdout
    weak = subprocess.run([*command[:-1], "other@coop.example", "--password", "short"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert weak.returncode == 2 and "BOOTSTRAP_ADMIN_PASSWORD" in weak.stderr
