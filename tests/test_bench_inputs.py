"""The benchmarks build their inputs with the services' own code: they must keep up with it.

(A benchmark is run by hand with ``make bench``, not in CI; this checks that
what it feeds the services is still what the services store.)
"""

from __future__ import annotations

import random
from decimal import Decimal

from bench.payroll_run import contracts


def test_the_payroll_benchmark_stores_contracts_as_a_salary_request_does() -> None:
    documents = contracts(0, 5, random.Random(7))
    for document in documents:
        salary = document["salary"]
        assert sum(p["work_days"] for p in salary["periods"]) == document["work_days"]
        assert salary["employment_budget"] == sum((p["employment_budget"] for p in salary["periods"]), Decimal(0))
