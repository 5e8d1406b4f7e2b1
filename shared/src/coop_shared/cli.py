"""The command line every service shares: ``coop-<service> serve``, and
``coop-<service> jobs list`` / ``coop-<service> jobs run NAME`` for its
scheduled jobs (run at once, under the same lease as the in-process scheduler).

A service with commands of its own passes extra sub-command builders.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import sys
from collections.abc import Callable
from typing import Any

import uvicorn

Command = Callable[[argparse.Namespace], None]

# How every service runs under uvicorn (the tests' servers too). proxy_headers
# off: the client address is decided by coop_shared.http.client_address against
# TRUSTED_PROXIES, never by believing X-Forwarded-For from any local peer.
# server_header off: no software banner (uvicorn still sends one Date header).
# timeout_keep_alive: how long an idle connection stays open. Every client
# pool in front of a service must let its idle connections go sooner
# (httpx keepalive_expiry below this), or it may send a request on a
# connection the server is closing at that moment: a reset, and a lost POST.
SERVER_KEEP_ALIVE_SECONDS = 5
UVICORN_OPTIONS: dict[str, Any] = {"proxy_headers": False, "server_header": False,
                                   "timeout_keep_alive": SERVER_KEEP_ALIVE_SECONDS}


def service_cli(service: str, default_port: int,
                extra: Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], dict[str, Command]]
                | None = None) -> Callable[[list[str] | None], None]:
    def main(argv: list[str] | None = None) -> None:
        parser = argparse.ArgumentParser(prog=f"coop-{service}")
        sub = parser.add_subparsers(dest="command", required=True)
        serve = sub.add_parser("serve", help="Run the HTTP service.")
        serve.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", str(default_port))))
        jobs = sub.add_parser("jobs", help="List the scheduled jobs or run one now.")
        jobs_sub = jobs.add_subparsers(dest="jobs_command", required=True)
        jobs_sub.add_parser("list", help="Each job: schedule, last run, last outcome, next run (JSON lines).")
        run = jobs_sub.add_parser("run", help="Run a job now, under its lease (refused while it runs elsewhere).")
        run.add_argument("name")
        commands: dict[str, Command] = {"serve": lambda args: _serve(service, args),
                                        "jobs": lambda args: _jobs(service, args)}
        if extra is not None:
            commands.update(extra(sub))
        args = parser.parse_args(argv)
        commands[args.command](args)

    return main


def _serve(service: str, args: argparse.Namespace) -> None:
    # log_config=None: the service's own structlog JSON lines are the only log format.
    # uvloop and httptools: the event loop and HTTP parser in C (pinned in
    # coop-shared); measured by `make bench`.
    uvicorn.run(f"{service}.main:create_app", factory=True, host=args.host, port=args.port,
                log_config=None, timeout_graceful_shutdown=20, loop="uvloop",
                http="httptools", **UVICORN_OPTIONS)


def _jobs(service: str, args: argparse.Namespace) -> None:
    # This process runs one job or reads their state; the service's replicas do the scheduling.
    # Only while the settings are read: the caller's environment (a test run that starts the whole
    # platform afterwards, say) must not inherit a platform without a scheduler.
    before = os.environ.get("JOBS_ENABLED")
    os.environ["JOBS_ENABLED"] = "false"
    try:
        app = importlib.import_module(f"{service}.main").create_app()
    finally:
        if before is None:
            del os.environ["JOBS_ENABLED"]
        else:
            os.environ["JOBS_ENABLED"] = before
    sys.exit(asyncio.run(_jobs_command(app, args)))


async def _jobs_command(app: Any, args: argparse.Namespace) -> int:
    from coop_shared.jobs import JobBusy, UnknownJob

    async with app.router.lifespan_context(app):
        scheduler = app.state.runtime.scheduler
        if args.jobs_command == "list":
            for state in await scheduler.states():
                print(json.dumps(state, default=str))
            return 0
        try:
            outcome = await scheduler.run_now(args.name)
        except UnknownJob:
            print(json.dumps({"error": "unknown_job", "job": args.name, "jobs": sorted(scheduler.jobs)}))
            return 2
        except JobBusy:
            print(json.dumps({"error": "job_running", "job": args.name,
                              "message": "Another replica is running this job; try again when it ends."}))
            return 3
        print(json.dumps({"job": outcome.job, "ok": outcome.ok, "result": outcome.result, "error": outcome.error},
                         default=str))
        return 0 if outcome.ok else 1

