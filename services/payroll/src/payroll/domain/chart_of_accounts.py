"""The ledger's accounts named in the Belgian minimum chart of accounts (PCMN / MAR), for the accountants' journal.

The ledger keeps the money the platform moves: what clients paid in, what each activity may still spend, what
is owed to workers, the social security office, the tax office and suppliers. Each of its accounts maps to one
account of the chart, and an activity's own accounts keep the activity as the analytic code, so the
accountant's software can post them to one general account and still tell activities apart. The cooperative
may use other codes: a JSON file of ``{"<ledger account or prefix:>": {"code": ..., "name": ...}}`` replaces
the entries it names (``PAYROLL_CHART_OF_ACCOUNTS_FILE``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from payroll.domain import ledger
from payroll.domain.errors import DomainError, ErrorCode

_CODE = re.compile(r"^[0-9]{2,10}$")


@dataclass(frozen=True, slots=True)
class ChartAccount:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class JournalAccount:
    """Where one posting goes in the accountant's books."""

    code: str
    name: str
    analytic: str | None  # the activity an activity's own account belongs to


# The prefixes end with ":" and hold every account that starts with them (one per activity).
DEFAULT_CHART: Mapping[str, ChartAccount] = {
    ledger.BANK: ChartAccount("550", "Credit institutions: current accounts"),
    "activity:": ChartAccount("4890", "Sundry creditors: activity budgets"),
    ledger.COOPERATIVE_CONTRIBUTION: ChartAccount("7000", "Turnover: mutualised contribution"),
    ledger.GUARANTEE_FUND: ChartAccount("1330", "Available reserves: salary guarantee fund"),
    "guarantee_fund:advances:": ChartAccount("4160", "Other receivables: guarantee fund advances"),
    ledger.SALARIES_PAYABLE: ChartAccount("455", "Remuneration payable"),
    ledger.SOCIAL_SECURITY_PAYABLE: ChartAccount("454", "Social security (ONSS) payable"),
    ledger.WITHHOLDING_TAX_PAYABLE: ChartAccount("453", "Withholding tax payable"),
    ledger.EMPLOYER_COSTS_PAYABLE: ChartAccount("456", "Holiday pay and other employer costs payable"),
    ledger.VAT_PAYABLE: ChartAccount("451", "VAT payable"),
    ledger.CLIENTS_VAT_RECEIVABLE: ChartAccount("400", "Trade receivables: VAT invoiced to clients"),
    ledger.VAT_RECEIVABLE: ChartAccount("411", "VAT recoverable"),
    ledger.REFUNDS_PAYABLE: ChartAccount("4891", "Sundry creditors: refunds owed to clients"),
    ledger.EXPENSES_PAYABLE: ChartAccount("440", "Suppliers: approved expenses"),
}
# An account no entry names (a new ledger account the chart was not told of) stays visible, never dropped.
SUSPENSE = ChartAccount("499", "Suspense account")


class ChartOfAccounts:
    def __init__(self, entries: Mapping[str, ChartAccount] = DEFAULT_CHART) -> None:
        self._exact = {k: v for k, v in entries.items() if not k.endswith(":")}
        # Longest prefix first: "guarantee_fund:advances:" before any shorter one.
        self._prefixes = sorted(((k, v) for k, v in entries.items() if k.endswith(":")),
                                key=lambda item: len(item[0]), reverse=True)

    def account(self, ledger_account: str) -> JournalAccount:
        if ledger_account in self._exact:
            found = self._exact[ledger_account]
            return JournalAccount(found.code, found.name, None)
        for prefix, found in self._prefixes:
            if ledger_account.startswith(prefix):
                return JournalAccount(found.code, found.name, ledger_account.removeprefix(prefix))
        return JournalAccount(SUSPENSE.code, SUSPENSE.name, ledger_account)

    @classmethod
    def from_json(cls, text: str) -> ChartOfAccounts:
        """The default chart with the entries of ``text`` replaced or added."""
        try:
            raw = json.loads(text)
            overrides = {str(key): ChartAccount(str(value["code"]), str(value["name"])) for key, value in raw.items()}
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise DomainError(ErrorCode.INVALID_VALUE, f"chart of accounts: {exc}", "chart_of_accounts") from exc
        for key, entry in overrides.items():
            if not _CODE.match(entry.code) or not entry.name.strip():
                raise DomainError(ErrorCode.INVALID_VALUE,
                                  f"chart of accounts: {key} needs a numeric code and a name", "chart_of_accounts")
        return cls({**DEFAULT_CHART, **overrides})
