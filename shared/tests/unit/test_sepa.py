"""SEPA pain.001.001.03 credit-transfer orders (salaries, refunds)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sepaxml  # type: ignore[import-untyped,unused-ignore]
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from coop_shared.sepa import CreditTransfer, Debtor, PaymentFileError, credit_transfer_order

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
SCHEMA = etree.XMLSchema(etree.parse(str(Path(sepaxml.__file__).parent / "schemas" / "pain.001.001.03.xsd")))
COOP = Debtor("Coopérative partagée SCE", "BE71 0961 2345 6769", "GKCCBEBB")
WHEN = datetime(2026, 3, 9, 12, 0)
PAYMENTS = [
    CreditTransfer(
        "SAL-2026-0001", "Zoë Müller", "BE62510007547061", Decimal("1070.54"), "Salaire mars 2026 contrat c-1"
    ),
    CreditTransfer("SAL-2026-0002", "Jan Peeters", "NL91ABNA0417164300", Decimal("0.05"), "Loon", "abnanl2a"),
    CreditTransfer("SAL-2026-0003", "Anna Schmidt", "DE89370400440532013000", Decimal("2159.61"), "Lohn"),
]


def build(payments: list[CreditTransfer], message_id: str = "PAYRUN-2026-03-10") -> bytes:
    return credit_transfer_order(COOP, payments, date(2026, 3, 10), message_id=message_id, created_at=WHEN)


def text(doc: etree._Element, path: str) -> str:
    value = doc.findtext(path, namespaces=NS)
    assert value is not None, path
    return str(value)


def test_file_totals_equal_the_batch_and_validate_against_the_schema() -> None:
    doc = etree.fromstring(build(PAYMENTS))
    SCHEMA.assertValid(doc)
    total = sum(p.amount for p in PAYMENTS)
    assert text(doc, "p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs") == "3"
    assert Decimal(text(doc, "p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum")) == total == Decimal("3230.20")
    assert text(doc, "p:CstmrCdtTrfInitn/p:PmtInf/p:NbOfTxs") == "3"
    assert Decimal(text(doc, "p:CstmrCdtTrfInitn/p:PmtInf/p:CtrlSum")) == total
    amounts = [Decimal(a) for a in doc.xpath("//p:CdtTrfTxInf/p:Amt/p:InstdAmt/text()", namespaces=NS)]
    assert amounts == [p.amount for p in PAYMENTS]
    assert doc.xpath("//p:InstdAmt/@Ccy", namespaces=NS) == ["EUR"] * 3


def test_debtor_creditors_ids_and_remittance_are_in_the_file() -> None:
    doc = etree.fromstring(build(PAYMENTS))
    info = "p:CstmrCdtTrfInitn/p:PmtInf/"
    assert text(doc, "p:CstmrCdtTrfInitn/p:GrpHdr/p:MsgId") == "PAYRUN-2026-03-10"
    assert text(doc, "p:CstmrCdtTrfInitn/p:GrpHdr/p:CreDtTm") == "2026-03-09T12:00:00"
    assert text(doc, info + "p:ReqdExctnDt") == "2026-03-10"
    assert text(doc, info + "p:DbtrAcct/p:Id/p:IBAN") == "BE71096123456769"  # compacted
    assert text(doc, info + "p:DbtrAgt/p:FinInstnId/p:BIC") == "GKCCBEBB"
    assert text(doc, info + "p:Dbtr/p:Nm") == "Cooperative partagee SCE"  # transliterated to the SEPA set
    txs = doc.findall(".//p:CdtTrfTxInf", NS)
    assert [t.findtext("p:PmtId/p:EndToEndId", namespaces=NS) for t in txs] == [p.end_to_end_id for p in PAYMENTS]
    assert [t.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=NS) for t in txs] == [p.iban for p in PAYMENTS]
    assert [t.findtext("p:RmtInf/p:Ustrd", namespaces=NS) for t in txs] == [p.remittance for p in PAYMENTS]
    assert txs[0].findtext("p:Cdtr/p:Nm", namespaces=NS) == "Zoe Muller"
    # The BIC is optional: only the payment that gave one has a creditor agent.
    assert [t.findtext("p:CdtrAgt/p:FinInstnId/p:BIC", namespaces=NS) for t in txs] == [None, "ABNANL2A", None]


def test_the_same_batch_gives_the_same_file() -> None:
    # Same message id -> the bank rejects a re-sent file instead of paying twice.
    assert build(PAYMENTS) == build(PAYMENTS)


@pytest.mark.parametrize(
    ("payment", "code", "field"),
    [
        (CreditTransfer("E1", "X", "BE62510007547062", Decimal("1.00"), "r"), "invalid_iban", "payments[0].iban"),
        (CreditTransfer("E1", "X", "XX00", Decimal("1.00"), "r"), "invalid_iban", "payments[0].iban"),
        (
            CreditTransfer("E1", "X", "BE62510007547061", Decimal("1.00"), "r", "NOTABIC"),
            "invalid_bic",
            "payments[0].bic",
        ),
        (CreditTransfer("E1", "X", "BE62510007547061", Decimal("0"), "r"), "invalid_amount", "payments[0].amount"),
        (CreditTransfer("E1", "X", "BE62510007547061", Decimal("1.001"), "r"), "invalid_amount", "payments[0].amount"),
        (
            CreditTransfer("E1", " ", "BE62510007547061", Decimal("1.00"), "r"),
            "invalid_value",
            "payments[0].creditor_name",
        ),
        (
            CreditTransfer("E1", "X", "BE62510007547061", Decimal("1.00"), "r" * 141),
            "invalid_value",
            "payments[0].remittance",
        ),
        (
            CreditTransfer("E" * 36, "X", "BE62510007547061", Decimal("1.00"), "r"),
            "invalid_value",
            "payments[0].end_to_end_id",
        ),
        (
            CreditTransfer("/E1", "X", "BE62510007547061", Decimal("1.00"), "r"),
            "invalid_value",
            "payments[0].end_to_end_id",
        ),
    ],
)
def test_bad_payments_are_reported_by_field(payment: CreditTransfer, code: str, field: str) -> None:
    with pytest.raises(PaymentFileError) as raised:
        build([payment])
    assert (raised.value.code, raised.value.field) == (code, field)


def test_batch_level_errors() -> None:
    with pytest.raises(PaymentFileError):
        build([])
    with pytest.raises(PaymentFileError) as raised:
        build([PAYMENTS[0], PAYMENTS[0]])
    assert raised.value.field == "payments[1].end_to_end_id"
    with pytest.raises(PaymentFileError) as raised:
        credit_transfer_order(
            Debtor("Coop", "BE00000000000000", "GKCCBEBB"), PAYMENTS, date(2026, 3, 10), message_id="M", created_at=WHEN
        )
    assert raised.value.field == "debtor.iban"
    with pytest.raises(PaymentFileError) as raised:
        build(PAYMENTS, message_id="x" * 36)
    assert raised.value.field == "message_id"


@settings(max_examples=8, deadline=None)  # each export runs sepaxml's schema validation (~0.2 s)
@given(st.lists(st.integers(min_value=1, max_value=99_999_999), min_size=1, max_size=12))
def test_control_sum_matches_any_batch(cents: list[int]) -> None:
    payments = [
        CreditTransfer(f"E2E-{i}", f"Worker {i}", "BE62510007547061", Decimal(c) / 100, f"Salary {i}")
        for i, c in enumerate(cents)
    ]
    doc = etree.fromstring(build(payments))
    SCHEMA.assertValid(doc)
    assert text(doc, "p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs") == str(len(cents))
    assert Decimal(text(doc, "p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum")) == Decimal(sum(cents)) / 100
