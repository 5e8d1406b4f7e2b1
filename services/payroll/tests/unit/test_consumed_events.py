"""The consumer is bound to exactly the events whose contracts name payroll as a consumer."""

from __future__ import annotations

from coop_shared.testing.consumption import consumption_gaps
from payroll.config import PayrollSettings
from payroll.main import create_app


def test_payroll_handles_exactly_the_events_its_contracts_send_it() -> None:
    settings = PayrollSettings()
    assert settings.service_name == "payroll"
    assert consumption_gaps(create_app(settings), settings) == {
        "handled_but_not_contracted": [], "contracted_but_not_handled": []}
