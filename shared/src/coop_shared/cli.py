"""The command line every service shares: ``coop-<service> serve``.

A service with commands of its own passes extra sub-command builders.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable

import uvicorn

Command = Callable[[argparse.Namespace], None]


def service_cli(service: str, default_port: int,
                extra: Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], dict[str, Command]]
                | None = None) -> Callable[[list[str] | None], None]:
    def main(argv: list[str] | None = None) -> None:
        parser = argparse.ArgumentParser(prog=f"coop-{service}")
        sub = parser.add_subparsers(dest="command", required=True)
        serve = sub.add_parser("serve", help="Run the HTTP service.")
        serve.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", str(default_port))))
        commands: dict[str, Command] = {"serve": lambda args: _serve(service, args)}
        if extra is not None:
            commands.update(extra(sub))
        args = parser.parse_args(argv)
        commands[args.command](args)

    return main


def _serve(service: str, args: argparse.Namespace) -> None:
    # log_config=None: the service's own structlog JSON lines are the only log format.
    uvicorn.run(f"{service}.main:create_app", factory=True, host=args.host, port=args.port,
                log_config=None, timeout_graceful_shutdown=20)
