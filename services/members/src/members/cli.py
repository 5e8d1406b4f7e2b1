"""Command line.

``coop-members serve`` runs the service (the command every service shares).
``coop-members create-admin --email E [--password P]`` creates an admin
account unless the e-mail already has one: the same idempotent bootstrap the
service runs at start-up. Prefer giving the password through
``BOOTSTRAP_ADMIN_PASSWORD`` (or the prompt): command-line arguments show in
the process list.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys

from coop_shared.cli import Command, service_cli
from coop_shared.persistence.mongo import database, ensure_indexes, make_client
from coop_shared.persistence.outbox import OUTBOX_INDEXES, Outbox
from coop_shared.service import Runtime
from members.adapters.indexes import INDEXES
from members.bootstrap import build_context
from members.config import MembersSettings
from members.domain.errors import DomainError
from members.service_layer import accounts


async def create_admin(settings: MembersSettings, email: str, password: str, full_name: str) -> tuple[str, bool, str]:
    """Returns (member id, created?, role). Events go to the outbox; the
    running service's relay publishes them."""
    mongo = make_client(settings.mongo_url, app_name=f"{settings.service_name}-cli",
                        socket_timeout_ms=settings.mongo_socket_timeout_ms)
    try:
        db = database(mongo, settings.database_name)
        await ensure_indexes(db, [*OUTBOX_INDEXES, *INDEXES])
        ctx = await build_context(Runtime(settings=settings, mongo=mongo, db=db, outbox=Outbox(db)), settings)
        member, created = await accounts.ensure_admin(ctx, email, password, full_name)
        return member.id, created, member.role.value
    finally:
        await mongo.close()


def _create_admin(args: argparse.Namespace) -> None:
    if not args.email:
        raise SystemExit("create-admin: --email (or BOOTSTRAP_ADMIN_EMAIL) is required")
    password = args.password or os.environ.get("BOOTSTRAP_ADMIN_PASSWORD")
    if not password:
        if not sys.stdin.isatty():
            raise SystemExit("create-admin: no password: use --password, BOOTSTRAP_ADMIN_PASSWORD, or a terminal")
        password = getpass.getpass("Password for the admin account: ")
    try:
        # Named explicitly so a BOOTSTRAP_ADMIN_PASSWORD from the environment pairs with --email.
        settings = MembersSettings(bootstrap_admin_email=args.email, bootstrap_admin_password=password)
        member_id, created, role = asyncio.run(create_admin(settings, args.email, password, args.name))
    except DomainError as exc:
        print(f"create-admin: {exc.field or 'input'}: {exc.message}", file=sys.stderr)
        raise SystemExit(2) from exc
    if created:
        print(f"Created admin account {member_id} for {args.email}.")
    else:
        print(f"An account already exists for {args.email} ({member_id}, role {role}); nothing changed.")


def _commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> dict[str, Command]:
    admin = sub.add_parser("create-admin", help="Create an admin account (idempotent).")
    admin.add_argument("--email", default=os.environ.get("BOOTSTRAP_ADMIN_EMAIL"))
    admin.add_argument("--password", default=None,
                       help="Default: $BOOTSTRAP_ADMIN_PASSWORD, else asked for on the terminal.")
    admin.add_argument("--name", default="Administrator")
    return {"create-admin": _create_admin}


main = service_cli("members", 8001, _commands)

if __name__ == "__main__":
    main(sys.argv[1:])
