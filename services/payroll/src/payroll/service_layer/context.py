"""What the use cases share besides the runtime: the rules in force, the clock and the repositories.

The clock is injectable because the law cares about days: a Dimona must
exist before the first work day, a payslip only after the last one. Tests
move the clock instead of waiting for a week to pass. The repositories are
the MongoDB ones on the runtime's database unless given (unit tests give
in-memory ones).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from coop_shared.clock import Clock, SystemClock
from coop_shared.service import Runtime
from payroll.adapters.contracts_repository import ContractRepository
from payroll.adapters.directory_repository import DirectoryRepository
from payroll.adapters.ledger_repository import LedgerRepository
from payroll.config import PayrollSettings
from payroll.domain.chart_of_accounts import ChartOfAccounts
from payroll.domain.rules import RuleBook


@dataclass
class PayrollContext:
    settings: PayrollSettings
    rules: RuleBook
    clock: Clock = field(default_factory=SystemClock)
    chart: ChartOfAccounts = field(default_factory=ChartOfAccounts)
    # Given repositories (unit tests); None: the MongoDB ones on the runtime's database.
    contracts: ContractRepository | None = None
    directory: DirectoryRepository | None = None
    ledger: LedgerRepository | None = None

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        """Today in the cooperative's zone (Brussels): work days are Belgian calendar days."""
        return self.clock.today()

    def contract_repository(self, runtime: Runtime) -> ContractRepository:
        return self.contracts if self.contracts is not None else ContractRepository(runtime.db)

    def directory_repository(self, runtime: Runtime) -> DirectoryRepository:
        return self.directory if self.directory is not None else DirectoryRepository(runtime.db)

    def ledger_repository(self, runtime: Runtime) -> LedgerRepository:
        return self.ledger if self.ledger is not None else LedgerRepository(runtime.db, runtime.clock)
