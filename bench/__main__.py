"""``make bench``: every benchmark, one after the other."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = ["bench.gateway", "bench.payroll_run"]

if __name__ == "__main__":
    selected = sys.argv[1:] or BENCHMARKS
    for name in selected:
        print(f"== {name}", flush=True)
        importlib.import_module(name).main()
