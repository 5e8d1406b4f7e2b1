"""``coop-invoicing jobs list`` and ``coop-invoicing jobs run NAME`` against the real servers."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

import pytest

from invoicing.cli import main
from invoicing.config import InvoicingSettings


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict[str, Any]]]:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    parsed = [json.loads(line) for line in lines]
    return int(exited.value.code or 0), [p for p in parsed if "event" not in p]  # log lines carry "event"


def test_jobs_list_and_run(settings_for: Callable[..., Any], monkeypatch: pytest.MonkeyPatch,
                           capsys: pytest.CaptureFixture[str]) -> None:
    settings: InvoicingSettings = settings_for(InvoicingSettings)
    for name in ("mongo_url", "mongo_database", "amqp_url", "amqp_prefix"):
        monkeypatch.setenv(name.upper(), str(getattr(settings, name)))

    code, listed = _cli(["jobs", "list"], capsys)
    assert code == 0
    assert [j["name"] for j in listed] == ["reminders", "quote-expiry", "late-refunds", "outbox-cleanup",
                                        "idempotency-cleanup"]
    assert all(j["last_outcome"] is None and j["next_run_at"] for j in listed)

    code, [ran] = _cli(["jobs", "run", "quote-expiry"], capsys)
    assert code == 0 and ran["ok"] is True and ran["result"]["expired"] == 0

    # The command turns its own scheduler off, not the caller's: a platform started later keeps its jobs.
    assert "JOBS_ENABLED" not in os.environ
    code, listed = _cli(["jobs", "list"], capsys)
    [expiry] = [j for j in listed if j["name"] == "quote-expiry"]
    assert expiry["last_outcome"] == "ok" and expiry["runs"] == 1

    code, [unknown] = _cli(["jobs", "run", "no-such-job"], capsys)
    assert code == 2 and unknown["error"] == "unknown_job" and "reminders" in unknown["jobs"]
