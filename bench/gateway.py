"""Gateway overhead, measured with wrk: the same authenticated request sent
straight to the service and through the gateway, in alternating rounds of
one run, so both sides see the same machine load.

- ``gateway``: ``GET /api/v1/members/me`` (members);
- ``gateway_post``: ``POST /api/v1/clients`` (invoicing creates a client);
- then the GET one connection at a time: the latency the gateway adds to a request, not queueing.

Usage: ``python -m bench.gateway [--seconds 3] [--rounds 3] [--connections 16]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import aio_pika
import httpx

from bench.support import WrkResult, ratio_line, start_service, stop_all, wait_ok, wrk
from coop_shared.messaging.envelope import Envelope
from coop_shared.messaging.topology import declare_exchange
from coop_shared.testing.servers import delete_queues, free_port, test_infrastructure

CLIENT = {"kind": "person", "name": "Camille Martin", "email": "camille@example.org", "language": "fr",
          "address": {"street": "Rue Haute 5", "postal_code": "1000", "city": "Bruxelles", "country": "BE"}}


async def seed_read_model(amqp_url: str, exchange: str, member_id: str, activity_id: str) -> None:
    """What members would publish once the share is paid and the activity opened."""
    now = datetime.now(UTC).isoformat()
    events = [
        ("members.member.registered.v1", {"member_id": member_id, "email": f"{member_id}@example.be",
                                          "full_name": "Bench Mark", "language": "en", "role": "member"}),
        ("members.share.paid.v1", {"member_id": member_id, "shares_paid": 1, "shares_required": 1,
                                   "in_good_standing": True, "usage_started_on": None,
                                   "entry_id": str(uuid.uuid4()), "subscription_id": str(uuid.uuid4()),
                                   "category": "A", "quantity": 1, "amount": "30.00", "paid_at": now}),
        ("members.activity.opened.v1", {"activity_id": activity_id, "name": "Atelier", "sector": "arts_and_culture",
                                        "owner_id": member_id, "co_manager_ids": [], "kind": "individual",
                                        "budget_manager_id": member_id, "status": "open", "opened_at": now}),
    ]
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel(publisher_confirms=True)
        target = await declare_exchange(channel, exchange)
        for event_type, data in events:
            envelope = Envelope(type=event_type, source="members", data=data, subject=member_id)
            await target.publish(aio_pika.Message(envelope.to_json(), content_type="application/json",
                                                  message_id=envelope.id), routing_key=event_type)
    finally:
        await connection.close()


def alternate(rounds: int, sides: dict[str, Any]) -> dict[str, list[WrkResult]]:
    results: dict[str, list[WrkResult]] = {name: [] for name in sides}
    for _ in range(rounds):
        for name, run in sides.items():
            results[name].append(run())
    return results


def report(title: str, results: dict[str, list[WrkResult]]) -> float:
    print(title)
    summary = {}
    for name, runs in results.items():
        rps = statistics.mean(r.requests_per_second for r in runs)
        p50 = statistics.median(r.p50_ms for r in runs)
        p99 = statistics.median(r.p99_ms for r in runs)
        errors = sum(r.errors for r in runs)
        summary[name] = (rps, p50, p99)
        print(f"  {name:8s} {rps:8.1f} req/s   p50 {p50:6.2f} ms   p99 {p99:6.2f} ms   errors {errors}")
        if errors:
            raise RuntimeError(f"{title}: {name} had {errors} failed requests")
    ratio = summary["gateway"][0] / summary["direct"][0]
    print(f"  added p50 {summary['gateway'][1] - summary['direct'][1]:.2f} ms, "
          f"added p99 {summary['gateway'][2] - summary['direct'][2]:.2f} ms, ratio {ratio:.2f}")
    return ratio


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(prog="python -m bench.gateway")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args(argv or [])
    prefix = f"bench{uuid.uuid4().hex[:6]}."
    with test_infrastructure() as infra:
        ports = {name: free_port() for name in ("members", "invoicing", "gateway")}
        urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        common = {"MONGO_URL": infra.mongo_url, "AMQP_URL": infra.amqp_url, "AMQP_PREFIX": prefix,
                  "JWKS_URL": f"{urls['members']}/api/v1/auth/jwks",
                  "GATEWAY_JWKS_URL": f"{urls['gateway']}/api/v1/gateway/jwks"}
        processes = [
            start_service("members", ports["members"], {**common, "MONGO_DATABASE": "bench_members"}),
            start_service("invoicing", ports["invoicing"], {**common, "MONGO_DATABASE": "bench_invoicing",
                                                            "REMINDER_JOB_ENABLED": "false"}),
            start_service("gateway", ports["gateway"], {
                **common, "MONGO_DATABASE": "bench_gateway", "MEMBERS_URL": urls["members"],
                "INVOICING_URL": urls["invoicing"],
                "RATE_LIMIT_PER_IP_PER_MINUTE": "100000000", "RATE_LIMIT_PER_PRINCIPAL_PER_MINUTE": "100000000",
                "RATE_LIMIT_PER_TOKEN_PER_MINUTE": "100000000"}),
        ]
        try:
            for name in ("members", "invoicing"):
                wait_ok(f"{urls[name]}/health/ready")
            wait_ok(f"{urls['gateway']}/health/live")
            via = urls["gateway"]
            email = f"bench-{uuid.uuid4().hex[:8]}@example.be"
            password = "correct horse battery staple 42"
            registered = httpx.post(f"{via}/api/v1/auth/register", timeout=10, json={
                "email": email, "password": password, "full_name": "Bench Mark", "language": "en",
                "address": {"street": "Rue Haute 1", "postal_code": "1000", "city": "Bruxelles"},
                "iban": "BE71096123456769"})
            if registered.status_code != 201:
                raise RuntimeError(f"register failed: {registered.status_code} {registered.text}")
            member_id = registered.json()["id"]
            login = httpx.post(f"{via}/api/v1/auth/login", json={"email": email, "password": password}, timeout=10)
            headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
            activity_id = f"a-{uuid.uuid4().hex[:8]}"
            asyncio.run(seed_read_model(infra.amqp_url, f"{prefix}coop.events", member_id, activity_id))
            body = json.dumps({**CLIENT, "activity_id": activity_id})
            post_headers = {**headers, "Content-Type": "application/json"}
            deadline = time.monotonic() + 30
            while True:  # the read model arrives through the broker
                created = httpx.post(f"{urls['invoicing']}/api/v1/clients", headers=post_headers, content=body)
                if created.status_code == 201:
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"client creation failed: {created.status_code} {created.text}")
                time.sleep(0.3)

            def get(base: str, connections: int = args.connections) -> Any:
                return lambda: wrk(f"{base}/api/v1/members/me", seconds=args.seconds,
                                   connections=connections, headers=headers)

            def post(base: str) -> Any:
                return lambda: wrk(f"{base}/api/v1/clients", seconds=args.seconds, connections=args.connections,
                                   headers=post_headers, method="POST", body=body)

            for warm in (get(urls["members"]), get(via), post(urls["invoicing"]), post(via)):
                warm()
            gets = alternate(args.rounds, {"direct": get(urls["members"]), "gateway": get(via)})
            posts = alternate(args.rounds, {"direct": post(urls["invoicing"]), "gateway": post(via)})
            # Saturated, the added p50 measures lost throughput (queueing); one connection at a time shows
            # the time the gateway itself adds to a request.
            alone = alternate(args.rounds, {"direct": get(urls["members"], 1), "gateway": get(via, 1)})
            ratios = {
                "gateway": report(f"GET /api/v1/members/me, {args.connections} connections, "
                                  f"{args.rounds} alternating rounds of {args.seconds:g} s (wrk)", gets),
                "gateway_post": report(f"POST /api/v1/clients, {args.connections} connections, "
                                       f"{args.rounds} alternating rounds of {args.seconds:g} s (wrk)", posts),
            }
            report(f"GET /api/v1/members/me, 1 connection (the latency the gateway adds), {args.rounds} "
                   f"alternating rounds of {args.seconds:g} s (wrk)", alone)
        finally:
            stop_all(processes)
            names = [f"{prefix}{s}.{k}" for s in ("members", "invoicing") for k in ("events", "dead-letter")]
            delete_queues(infra.amqp_url, [*names, f"{prefix}coop.events.unrouted"])
    return ratios


if __name__ == "__main__":
    for name, value in main(sys.argv[1:]).items():
        print(ratio_line(name, value))
