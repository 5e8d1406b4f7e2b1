"""Command line: ``coop-governance serve`` runs the service with uvicorn."""

from __future__ import annotations

import argparse
import os

import uvicorn


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="coop-governance")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="Run the HTTP service.")
    serve.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8004")))
    args = parser.parse_args(argv)
    if args.command == "serve":
        uvicorn.run("governance.main:create_app", factory=True, host=args.host, port=args.port,
                    log_config=None, timeout_graceful_shutdown=20)


if __name__ == "__main__":
    main()
