"""Command line: ``coop-portal serve`` runs the web portal."""

from __future__ import annotations

import sys

from coop_shared.cli import service_cli

main = service_cli("portal", 8006)

if __name__ == "__main__":
    main(sys.argv[1:])
