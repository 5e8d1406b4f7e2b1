"""Refund payment files: pain.001.001.03, schema-validated by sepaxml, the same bytes for the same batch."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from lxml import etree

from coop_shared.sepa import CreditTransfer, Debtor
from invoicing.adapters.refund_transfers import refund_credit_transfer
from invoicing.domain.errors import DomainValidationError

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
WHEN = datetime(2026, 4, 3, 10, 0, tzinfo=UTC)
COOP = Debtor("Coopérative Partagée SC", "BE71096123456769", "GKCCBEBB")


def _file(transfers: list[CreditTransfer] | None = None) -> bytes:
    return refund_credit_transfer(
        COOP,
        transfers or [CreditTransfer("RF1", "Théâtre de la Lune SRL", "BE68539007547034", Decimal("121.00"),
                                     "Refund credit note CN-2026-000001 invoice 2026-000001"),
                      CreditTransfer("RF2", "Studio Noord B.V.", "NL91ABNA0417164300", Decimal("60.50"), "Refund")],
        date(2026, 4, 3), message_id="REFUNDS-1", created_at=WHEN)


def test_a_refund_file_pays_each_client_back_and_is_reproducible() -> None:
    content = _file()
    root = etree.fromstring(content)
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:MsgId", namespaces=NS) == "REFUNDS-1"
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=NS) == "181.50"
    ibans = [n.text for n in root.iterfind(".//p:CdtTrfTxInf/p:CdtrAcct/p:Id/p:IBAN", NS)]
    assert ibans == ["BE68539007547034", "NL91ABNA0417164300"]
    assert [n.text for n in root.iterfind(".//p:EndToEndId", NS)] == ["RF1", "RF2"]
    assert _file() == content


def test_a_long_client_name_is_cut_to_what_a_bank_shows() -> None:
    name = "Association des Théâtres Indépendants de la Région de Bruxelles-Capitale ASBL"
    root = etree.fromstring(_file([CreditTransfer("RF1", name, "BE68539007547034", Decimal("5.00"), "Refund")]))
    shown = root.findtext(".//p:CdtTrfTxInf/p:Cdtr/p:Nm", namespaces=NS)
    assert shown is not None and len(shown) == 70 and shown.startswith("Association des Theatres")


def test_an_unpayable_refund_is_a_422_error_naming_it() -> None:
    with pytest.raises(DomainValidationError) as raised:
        _file([CreditTransfer("RF1", "Client", "BE68539007547034", Decimal("0.001"), "Refund")])
    assert (raised.value.code, raised.value.field) == ("refund.invalid_amount", "refunds[0].amount")
