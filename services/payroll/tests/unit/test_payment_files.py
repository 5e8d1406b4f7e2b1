"""A salary batch's payment file: the shared SEPA order, refused with payroll's own errors."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from lxml import etree

from coop_shared.sepa import CreditTransfer, Debtor
from payroll.adapters.payment_files import salary_credit_transfer
from payroll.domain.errors import DomainError

COOP = Debtor("Coopérative partagée SCE", "BE71096123456769", "GKCCBEBB")
WHEN = datetime(2026, 3, 9, 12, 0)
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}


def test_a_salary_batch_is_one_order_paying_each_worker() -> None:
    payments = [CreditTransfer("SAL-1", "Zoë Müller", "BE62510007547061", Decimal("1070.54"), "Salaire mars")]
    doc = etree.fromstring(salary_credit_transfer(COOP, payments, date(2026, 3, 10), message_id="PAYRUN-1",
                                                  created_at=WHEN))
    assert doc.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=NS) == "1070.54"


def test_a_bad_account_is_a_payroll_error_naming_the_payment() -> None:
    payments = [CreditTransfer("SAL-1", "Zoë Müller", "BE62510007547062", Decimal("10.00"), "Salaire")]
    with pytest.raises(DomainError) as raised:
        salary_credit_transfer(COOP, payments, date(2026, 3, 10), message_id="PAYRUN-1", created_at=WHEN)
    assert (raised.value.code, raised.value.field) == ("invalid_iban", "payments[0].iban")
