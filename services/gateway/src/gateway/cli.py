"""Command line: ``coop-gateway serve`` runs the service."""

from __future__ import annotations

import sys

from coop_shared.cli import service_cli

main = service_cli("gateway", 8080)

if __name__ == "__main__":
    main(sys.argv[1:])
