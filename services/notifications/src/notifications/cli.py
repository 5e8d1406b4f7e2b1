"""Command line: ``coop-notifications serve`` runs the service."""

from __future__ import annotations

import sys

from coop_shared.cli import service_cli

main = service_cli("notifications", 8005)

if __name__ == "__main__":
    main(sys.argv[1:])
