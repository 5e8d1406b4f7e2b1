"""What the use cases share besides the runtime: the rules in force and the clock.

The clock is injectable because the law cares about days: a Dimona must
exist before the first work day, a payslip only after the last one. Tests
move the clock instead of waiting for a week to pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from coop_shared.clock import Clock, SystemClock
from payroll.config import PayrollSettings
from payroll.domain.chart_of_accounts import ChartOfAccounts
from payroll.domain.rules import RuleBook


@dataclass
class PayrollContext:
    settings: PayrollSettings
    rules: RuleBook
    clock: Clock = field(default_factory=SystemClock)
    chart: ChartOfAccounts = field(default_factory=ChartOfAccounts)

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        """Today in the cooperative's zone (Brussels): work days are Belgian calendar days."""
        return self.clock.today()
