"""``make bench``: every benchmark, one after the other, then one line per
benchmark, ``RATIO <name> <value>`` (higher is better)."""

from __future__ import annotations

import importlib
import os
import sys
import time

from bench.support import ratio_line

BENCHMARKS = ["bench.gateway", "bench.events", "bench.issue", "bench.payroll_run"]

if __name__ == "__main__":
    selected = sys.argv[1:] or BENCHMARKS
    modules = [importlib.import_module(name) for name in selected]  # all code loaded before the first run
    ratios: dict[str, float] = {}
    started = time.monotonic()
    for name, module in zip(selected, modules, strict=True):
        print(f"== {name}   (load average {' '.join(f'{v:.2f}' for v in os.getloadavg())})", flush=True)
        ratios.update(module.main([]))
    print(f"== all benchmarks in {time.monotonic() - started:.0f} s, "
          f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    for name, value in ratios.items():
        print(ratio_line(name, value))
