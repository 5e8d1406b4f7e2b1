"""``make load`` in miniature, on the platform as ``make run`` starts it: the month-end peak driver issues
every invoice it asks for, every accepted vote is in the published results, the payroll run starts, and
nothing answers 5xx; its report has a line per route and every service's peak memory."""

from __future__ import annotations

import asyncio

from bench.load import scenario
from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Platform


def test_the_month_end_peak_loses_nothing(platform: Platform) -> None:
    report = asyncio.run(scenario(platform.gateway, members=3, invoices=2, voters=5, peak_seconds=20,
                                  admin_email=ADMIN_EMAIL, admin_password=ADMIN_PASSWORD,
                                  devserver_pid=platform.process.pid))
    assert report.problems() == [], "\n".join(report.lines())
    assert (report.invoices_issued, report.votes_accepted, report.participants) == (6, 5, 5)
    assert report.electorate_size >= 8  # the scenario's members, and those of earlier tests
    routes = set(report.recorder.latencies)
    assert {"POST /invoices", "POST /invoices/{id}/issue", "GET /invoices", "POST /resolutions/{id}/votes",
            "POST /payroll/runs"} <= routes
    assert set(report.peak_rss_mib) >= set(platform.ports) | {"database"}
    assert all(mib > 20 for mib in report.peak_rss_mib.values())
    text = "\n".join(report.lines())
    assert "POST /invoices/{id}/issue" in text and "peak RSS MiB" in text and "goal 0 5xx: met" in text
