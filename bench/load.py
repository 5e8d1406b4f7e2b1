"""``make load``: the month-end peak against the platform as ``make run`` starts it.

Members each issue a few invoices within the peak window (draft, issue, then a look at their list), while
the electorate votes in an open assembly and an administrator starts the payroll run. Everything goes
through the gateway's public API, as the portal and partners do. Prints p50/p95/p99 per route, the answers
by status, every service's peak resident memory, and checks that nothing was lost: every invoice asked for
is issued, every accepted vote is counted in the published results.

Setup (members joining, paying their share, opening an activity and a client) happens before the peak and
is not measured. It is the cooperative's history, not its month-end: the scenario's platform hashes the
passwords of those joinings at a low Argon2 cost, trusts the driver as a proxy so that each person comes from
an address of their own, and lifts the administrator's per-credential rate limit for the thousands of share
confirmations of the setup.

Usage: ``python -m bench.load [--members 500] [--invoices 4] [--voters 2000] [--peak-seconds 300]``
(``--gateway URL`` drives a platform that is already running, with its administrator's credentials in
``--admin-email``/``--admin-password``).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import random
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.platform_process import ADMIN_EMAIL, ADMIN_PASSWORD, PeakMemory, start_platform
from bench.support import percentile

PASSWORD = "a long enough passphrase for the peak"
GOAL_P99_MS = 500.0
GOAL_RSS_MIB = 200.0
SCENARIO_ENV = {
    "ARGON2_TIME_COST": "1", "ARGON2_MEMORY_KIB": "8192", "ARGON2_PARALLELISM": "1",
    "TRUSTED_PROXIES": "127.0.0.1/32",
    "RATE_LIMIT_PER_TOKEN_PER_MINUTE": "100000", "RATE_LIMIT_PER_PRINCIPAL_PER_MINUTE": "100000",
}


@dataclass
class Recorder:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))

    def record(self, route: str, status: int, seconds: float) -> None:
        self.latencies[route].append(seconds)
        self.statuses[route][status] += 1

    def by_status(self) -> Counter[int]:
        total: Counter[int] = Counter()
        for counts in self.statuses.values():
            total.update(counts)
        return total

    @property
    def server_errors(self) -> int:
        """5xx, and requests that got no answer at all (status 0)."""
        return sum(n for status, n in self.by_status().items() if status >= 500 or status == 0)

    def p99_ms(self, route: str) -> float:
        return percentile(self.latencies[route], 0.99) * 1000

    def table(self) -> list[str]:
        lines = [f"  {'route':<44} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  statuses"]
        for route in sorted(self.latencies):
            values = self.latencies[route]
            statuses = " ".join(f"{s}×{n}" for s, n in sorted(self.statuses[route].items()))
            lines.append(f"  {route:<44} {len(values):>6} {percentile(values, 0.5) * 1000:>8.1f} "
                         f"{percentile(values, 0.95) * 1000:>8.1f} {percentile(values, 0.99) * 1000:>8.1f}  {statuses}")
        return lines


@dataclass
class Person:
    index: int
    email: str
    password: str
    headers: dict[str, str] = field(default_factory=dict)
    activity_id: str | None = None
    client_id: str | None = None
    signing_in: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)


class Driver:
    """One HTTP client for every simulated person; each person has an address (X-Forwarded-For) of their own."""

    def __init__(self, client: httpx.AsyncClient, gateway: str) -> None:
        self.client = client
        self.gateway = gateway
        self.recorder = Recorder()

    async def call(self, route: str, method: str, path: str, headers: dict[str, str] | None = None,
                   **kwargs: Any) -> httpx.Response:
        started = time.perf_counter()
        try:
            response = await self.client.request(method, self.gateway + path, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            self.recorder.record(route, 0, time.perf_counter() - started)
            raise RuntimeError(f"{route}: no answer ({type(exc).__name__})") from exc
        self.recorder.record(route, response.status_code, time.perf_counter() - started)
        return response

    async def as_(self, person: Person, route: str, method: str, path: str, headers: dict[str, str] | None = None,
                  **kwargs: Any) -> httpx.Response:
        """A call on the person's behalf; an access token lives 15 minutes, so one that expired is renewed
        (once, however many of the person's calls found it expired)."""
        used = await self._signed_in(person, None)
        response = await self.call(route, method, path, {**used, **(headers or {})}, **kwargs)
        if response.status_code == 401:
            used = await self._signed_in(person, used)
            response = await self.call(route, method, path, {**used, **(headers or {})}, **kwargs)
        return response

    async def _signed_in(self, person: Person, expired: dict[str, str] | None) -> dict[str, str]:
        async with person.signing_in:
            if not person.headers or person.headers is expired:
                await login(self, person)
            return person.headers


def address(index: int) -> str:
    return f"10.{index // 65536 % 256}.{index // 256 % 256}.{index % 256}"


async def until(call: Callable[[], Awaitable[httpx.Response]], ok: Callable[[httpx.Response], bool],
                within: float = 60.0, every: float = 0.5) -> httpx.Response:
    deadline = time.monotonic() + within
    response = await call()
    while not ok(response):
        if time.monotonic() > deadline or response.status_code == 422:  # waiting does not mend bad input
            raise RuntimeError(f"{response.request.method} {response.request.url.path}: "
                               f"{response.status_code} {response.text[:300]}")
        await asyncio.sleep(every)
        response = await call()
    return response


def created(response: httpx.Response) -> dict[str, Any]:
    if response.status_code not in (200, 201):
        raise RuntimeError(f"{response.request.method} {response.request.url.path}: "
                           f"{response.status_code} {response.text[:300]}")
    body: dict[str, Any] = response.json()
    return body


async def login(driver: Driver, person: Person) -> None:
    body = created(await driver.call("POST /auth/login", "POST", "/api/v1/auth/login",
                                     {"X-Forwarded-For": address(person.index)},
                                     json={"email": person.email, "password": person.password}))
    person.headers = {"Authorization": f"Bearer {body['access_token']}", "X-Forwarded-For": address(person.index)}


async def join(driver: Driver, admin: Person, index: int, invoices: bool) -> Person:
    """A person registers, pays a share (confirmed by the back office) and, to invoice, opens an activity."""
    email = f"person-{index}-{uuid.uuid4().hex[:6]}@load.example"
    created(await driver.call("POST /auth/register", "POST", "/api/v1/auth/register", {
        "X-Forwarded-For": address(index), "Idempotency-Key": str(uuid.uuid4())}, json={
        "email": email, "password": PASSWORD, "full_name": f"Person {index}", "language": "fr",
        "address": {"street": "Rue Haute 1", "postal_code": "1000", "city": "Bruxelles"},
        "iban": "BE71096123456769"}))
    person = Person(index, email, PASSWORD)
    share = created(await driver.as_(person, "POST /shares", "POST", "/api/v1/shares", json={"quantity": 1}))
    created(await driver.as_(admin, "POST /admin/shares/{id}/confirm-payment", "POST",
                             f"/api/v1/admin/shares/{share['id']}/confirm-payment"))
    if invoices:
        person.activity_id = created(await driver.as_(
            person, "POST /activities", "POST", "/api/v1/activities",
            json={"name": f"Atelier {index}", "sector": "digital"}))["id"]
        person.client_id = created(await until(lambda: driver.as_(
            person, "POST /clients", "POST", "/api/v1/clients", json={
                "activity_id": person.activity_id, "kind": "person", "name": f"Client {index}",
                "address": {"street": "Avenue des Arts 7", "postal_code": "4000", "city": "Liège",
                            "country": "BE"}}),
            lambda r: r.status_code == 201))["id"]  # invoicing learns of the activity from an event
    return person


async def issue_with_retries(driver: Driver, person: Person, invoice_id: str, attempts: int = 4) -> str:
    """Issue as a careful client does: after a timeout or a 5xx, ask again with the same Idempotency-Key
    (every answer, the failed ones too, is counted)."""
    key = {"Idempotency-Key": str(uuid.uuid4())}
    for attempt in range(attempts):
        try:
            done = await driver.as_(person, "POST /invoices/{id}/issue", "POST", f"/api/v1/invoices/{invoice_id}/issue",
                                    key)
        except RuntimeError:
            done = None
        if done is not None and done.status_code == 200:
            return "issued"
        outcome = "no answer" if done is None else f"{done.status_code} {error_code(done)}"
        if done is not None and done.status_code < 500 and done.status_code != 409:
            return outcome  # refused: asking again will not change it
        await asyncio.sleep(float(done.headers.get("Retry-After", 1)) if done is not None else 1.0 + attempt)
    return outcome


def error_code(response: httpx.Response) -> str:
    try:
        return str(response.json().get("error", {}).get("code"))
    except ValueError:
        return response.text[:80]


@dataclass
class LoadReport:
    recorder: Recorder
    invoices_asked: int
    invoice_outcomes: Counter[str]
    votes_accepted: int
    votes_refused: Counter[str]
    votes_unanswered: int
    electorate_size: int
    participants: int | None
    payroll_run_status: int
    peak_rss_mib: dict[str, float]
    setup_seconds: float
    peak_seconds: float
    failed_actions: list[str]

    @property
    def invoices_issued(self) -> int:
        return self.invoice_outcomes["issued"]

    def problems(self) -> list[str]:
        """What was lost or broken; empty when the platform came through the peak whole."""
        found = []
        if self.recorder.server_errors:
            found.append(f"{self.recorder.server_errors} answers were 5xx or none at all")
        if self.invoices_issued + self.invoice_outcomes["issued after the client gave up"] != self.invoices_asked:
            found.append(f"{self.invoices_asked - self.invoices_issued} of {self.invoices_asked} invoices not issued: "
                         f"{dict(self.invoice_outcomes)}")
        if self.failed_actions:
            found.append(f"{len(self.failed_actions)} simulated actions failed, the first: {self.failed_actions[0]}")
        # A vote whose answer was lost (a gateway timeout) may or may not have been cast: no more, no less.
        if not self.votes_accepted <= (self.participants or 0) <= self.votes_accepted + self.votes_unanswered:
            found.append(f"{self.votes_accepted} votes accepted ({self.votes_unanswered} unanswered) but "
                         f"{self.participants} participants published")
        if self.payroll_run_status != 201:
            found.append(f"the payroll run answered {self.payroll_run_status}")
        return found

    def lines(self) -> list[str]:
        worst = max(self.recorder.latencies, key=self.recorder.p99_ms)
        rss = "  ".join(f"{name} {mib:.0f}" for name, mib in sorted(self.peak_rss_mib.items()))
        statuses = " ".join(f"{s}×{n}" for s, n in sorted(self.recorder.by_status().items()))
        heaviest = max((v for k, v in self.peak_rss_mib.items() if k != "database"), default=0.0)
        return [
            f"setup {self.setup_seconds:.0f} s (not measured); peak {self.peak_seconds:.0f} s",
            *self.recorder.table(),
            f"answers by status: {statuses}",
            f"invoices {dict(self.invoice_outcomes)} of {self.invoices_asked}; votes accepted {self.votes_accepted} "
            f"(electorate {self.electorate_size}, refused {dict(self.votes_refused)}, "
            f"unanswered {self.votes_unanswered}), "
            f"participants published {self.participants}; payroll run {self.payroll_run_status}",
            f"peak RSS MiB: {rss}",
            f"goal 0 5xx: {'met' if not self.recorder.server_errors else 'NOT met'}",
            f"goal p99 <= {GOAL_P99_MS:.0f} ms on every route: "
            f"{'met' if self.recorder.p99_ms(worst) <= GOAL_P99_MS else 'NOT met'} "
            f"(worst {worst}: {self.recorder.p99_ms(worst):.0f} ms)",
            f"goal every service <= {GOAL_RSS_MIB:.0f} MiB: {'met' if heaviest <= GOAL_RSS_MIB else 'NOT met'} "
            f"(largest {heaviest:.0f} MiB)",
        ]


async def gather_bounded(calls: list[Callable[[], Awaitable[Any]]], concurrency: int) -> list[Any]:
    gate = asyncio.Semaphore(concurrency)

    async def bounded(call: Callable[[], Awaitable[Any]]) -> Any:
        async with gate:
            return await call()

    return await asyncio.gather(*(bounded(c) for c in calls))


async def scenario(gateway: str, *, members: int, invoices: int, voters: int, peak_seconds: float,
                   admin_email: str, admin_password: str, devserver_pid: int | None = None,
                   setup_concurrency: int = 8, seed: int = 2026) -> LoadReport:
    rng = random.Random(seed)
    limits = httpx.Limits(max_connections=128, max_keepalive_connections=128)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        setup = Driver(client, gateway)
        admin = Person(0, admin_email, admin_password)
        began = time.monotonic()
        people: list[Person] = await gather_bounded(
            [functools.partial(join, setup, admin, i, invoices=i <= members) for i in range(1, members + voters + 1)],
            setup_concurrency)
        invoicers, electors = people[:members], people[members:]
        # The electorate is frozen when the assembly is convened: wait until the last joinings have reached
        # the other services (their "share paid" notice is in the inbox), as a convenor would wait for them.
        for person in people[-5:]:
            await until(functools.partial(setup.as_, person, "GET /inbox", "GET", "/api/v1/inbox"),
                        lambda r: any("share" in i["event_type"] for i in r.json().get("items", [])), within=120)
        await asyncio.sleep(2.0)
        setup_seconds = time.monotonic() - began

        peak = Driver(client, gateway)
        await login(peak, admin)  # a fresh token for the peak
        start = datetime.now(UTC)
        opens, closes = start + timedelta(seconds=3), start + timedelta(seconds=peak_seconds)
        assembly = created(await peak.as_(admin, "POST /assemblies", "POST", "/api/v1/assemblies", json={
            "kind": "general", "title": "Month-end assembly", "opens_at": opens.isoformat(),
            "closes_at": closes.isoformat()}))
        resolution = created(await peak.as_(admin, "POST /assemblies/{id}/resolutions", "POST",
                                            f"/api/v1/assemblies/{assembly['id']}/resolutions", json={
                                                 "text": "Approve the accounts.", "majority": "simple",
                                                 "quorum": "0", "ballot": "secret"}))
        convened = created(await peak.as_(admin, "POST /assemblies/{id}/convene", "POST",
                                          f"/api/v1/assemblies/{assembly['id']}/convene"))
        t0 = time.monotonic()
        outcomes: Counter[str] = Counter()
        unconfirmed: list[tuple[Person, str, str]] = []
        unanswered = 0
        accepted = 0
        refused: Counter[str] = Counter()

        async def at(offset: float) -> None:
            await asyncio.sleep(max(0.0, t0 + offset - time.monotonic()))

        async def invoice(person: Person, offset: float) -> None:
            await at(offset)
            draft = created(await peak.as_(person, "POST /invoices", "POST", "/api/v1/invoices", json={
                "activity_id": person.activity_id, "client_id": person.client_id,
                "lines": [{"description": "Month-end work", "quantity": "1", "unit": "C62",
                           "unit_price": f"{rng.randint(100, 2000)}.00", "vat_rate": "21"}]}))
            outcome = await issue_with_retries(peak, person, draft["id"])
            outcomes[outcome] += 1
            if outcome != "issued":
                unconfirmed.append((person, draft["id"], outcome))
            await peak.as_(person, "GET /invoices", "GET", "/api/v1/invoices", params={"limit": 20})

        open_now = asyncio.Event()

        async def watch_opening() -> None:
            await until(lambda: peak.as_(admin, "GET /assemblies/{id}", "GET",
                                         f"/api/v1/assemblies/{assembly['id']}"),
                        lambda r: r.json().get("state") == "voting_open", within=peak_seconds)
            open_now.set()

        async def vote(person: Person, offset: float) -> None:
            nonlocal accepted, unanswered
            await open_now.wait()
            await at(offset)
            try:
                cast = await peak.as_(person, "POST /resolutions/{id}/votes", "POST",
                                      f"/api/v1/resolutions/{resolution['id']}/votes",
                                      json={"choice": rng.choice(["for", "for", "against", "abstain"])})
            except RuntimeError:
                unanswered += 1
                return
            if cast.status_code >= 500:
                unanswered += 1
            elif cast.status_code == 201:
                accepted += 1
            else:
                refused[f"{cast.status_code} {error_code(cast)}"] += 1

        async def payroll_run() -> int:
            await at(min(10.0, peak_seconds / 4))
            run = await until(lambda: peak.as_(admin, "POST /payroll/runs", "POST", "/api/v1/payroll/runs",
                                               json={}), lambda r: r.status_code != 409, within=120, every=2)
            return run.status_code

        # Invoices over the whole window; votes between the opening and a margin before the closing.
        spread = max(1.0, peak_seconds - 10)
        vote_window = max(1.0, peak_seconds - 3 - 8)
        tasks = [invoice(p, rng.uniform(0, spread)) for p in invoicers for _ in range(invoices)]
        tasks += [vote(p, 3 + rng.uniform(0, vote_window)) for p in electors]
        memory = PeakMemory(devserver_pid) if devserver_pid else None
        if memory:
            memory.__enter__()
        try:
            results = await asyncio.gather(watch_opening(), payroll_run(), *tasks, return_exceptions=True)
        finally:
            if memory:
                memory.__exit__()
        failures = [repr(r) for r in results if isinstance(r, BaseException)]
        peak_elapsed = time.monotonic() - t0
        run_status = results[1] if isinstance(results[1], int) else 0
        # The client gave up on these; did the platform finish them anyway (the issue is idempotent)?
        for person, invoice_id, outcome in unconfirmed:
            try:
                await until(functools.partial(setup.as_, person, "GET /invoices/{id}", "GET",
                                              f"/api/v1/invoices/{invoice_id}"),
                            lambda r: r.status_code == 200 and r.json().get("number") is not None, within=60)
            except RuntimeError:
                continue
            outcomes[outcome] -= 1
            outcomes["issued after the client gave up"] += 1
        published = await until(lambda: setup.as_(admin, "GET /assemblies/{id}", "GET",
                                                  f"/api/v1/assemblies/{assembly['id']}"),
                                lambda r: r.json().get("state") == "results_published", within=120)
        return LoadReport(peak.recorder, invoices * len(invoicers), +outcomes, accepted, refused, unanswered,
                          convened.get("electorate_size", 0), published.json().get("participants"), run_status,
                          memory.peaks if memory else {}, setup_seconds, peak_elapsed, failures)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--invoices", type=int, default=4)
    parser.add_argument("--voters", type=int, default=2000)
    parser.add_argument("--peak-seconds", type=float, default=300)
    parser.add_argument("--gateway")
    parser.add_argument("--admin-email", default=ADMIN_EMAIL)
    parser.add_argument("--admin-password", default=ADMIN_PASSWORD)
    parser.add_argument("--data-dir", default=".data/load")
    args = parser.parse_args(argv)
    platform = None if args.gateway else start_platform(Path(args.data_dir), SCENARIO_ENV)
    gateway = args.gateway or (platform.gateway if platform else "")
    try:
        report = asyncio.run(scenario(
            gateway, members=args.members,
            invoices=args.invoices, voters=args.voters, peak_seconds=args.peak_seconds,
            admin_email=args.admin_email, admin_password=args.admin_password,
            devserver_pid=platform.process.pid if platform else None))
    finally:
        if platform:
            platform.stop()
    print(f"month-end peak: {args.members} members × {args.invoices} invoices, {args.voters} voters, "
          f"a payroll run, in {args.peak_seconds:.0f} s")
    for line in report.lines():
        print(line)
    problems = report.problems()
    for problem in problems:
        print(f"LOST OR BROKEN: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
