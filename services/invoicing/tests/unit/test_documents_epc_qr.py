"""The EPC QR code holds exactly the EPC069-12 payload we expect.

No QR decoder is available to the tests, so the payload is written out here by
hand from the standard, and the code segno produces is compared module by
module with a QR code of that exact text (same level M, no ECI): equal
matrices mean the scanned payload is that text.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
import segno
from hypothesis import given, settings
from hypothesis import strategies as st
from segno import helpers

from invoicing.adapters.documents import samples
from invoicing.adapters.documents.epc_qr import EpcTransfer, epc_transfer, make_epc_qr


def _expected_qr(lines: list[str]) -> segno.QRCode:
    return segno.make_qr("\n".join(lines).encode("utf-8"), error="m", boost_error=False)


def test_payload_lines_of_the_domestic_invoice() -> None:
    transfer = epc_transfer(samples.domestic_invoice())
    expected = [
        "BCD",  # service tag
        "002",  # version
        "1",  # character set: UTF-8
        "SCT",  # SEPA credit transfer
        "GKCCBEBB",  # BIC
        "Coopérative Partagée SC",  # beneficiary
        "BE71096123456769",  # IBAN
        "EUR1929.77",  # amount
        "",  # purpose (none)
        "202600012320",  # structured reference: the OGM digits
    ]
    qr = make_epc_qr(transfer)
    assert qr.error == "M"
    assert isinstance(qr.version, int)
    assert qr.version <= 13  # the EPC standard's limit
    assert qr.matrix == _expected_qr(expected).matrix
    # segno's own payload builder (private, kept apart by segno for tests) agrees byte for byte.
    segno_data = helpers._make_epc_qr_data(  # type: ignore[attr-defined]
        transfer.name,
        transfer.iban,
        transfer.amount,
        reference=transfer.reference,
        bic=transfer.bic,
        encoding="utf-8",
    )
    assert segno_data.decode("utf-8").split("\n") == expected


def test_purpose_and_reminder_amount_are_encoded() -> None:
    transfer = epc_transfer(samples.reverse_charge_invoice(), amount=Decimal("1200.50"), purpose="GDSV")
    expected = [
        "BCD",
        "002",
        "1",
        "SCT",
        "GKCCBEBB",
        "Coopérative Partagée SC",
        "BE71096123456769",
        # segno writes the shortest form; the standard allows up to 2 decimals.
        "EUR1200.5",
        "GDSV",
        "202600012421",
    ]
    assert make_epc_qr(transfer).matrix == _expected_qr(expected).matrix


def test_amount_due_after_deposit_is_the_payable_amount() -> None:
    transfer = epc_transfer(samples.zero_rated_prepaid_invoice())
    assert transfer.amount == Decimal("716.00")


def test_beneficiary_name_is_cut_to_70_characters() -> None:
    long_name = "Coopérative " + "x" * 80
    doc = samples.domestic_invoice()
    transfer = epc_transfer(replace(doc, seller=replace(doc.seller, name=long_name)))
    assert transfer.name == long_name[:70]
    assert len(transfer.name) == 70


def test_no_qr_code_for_credit_notes_or_nothing_to_pay() -> None:
    with pytest.raises(ValueError, match="only an invoice"):
        epc_transfer(samples.credit_note())
    with pytest.raises(ValueError, match=r"between 0\.01"):
        epc_transfer(samples.domestic_invoice(), amount=Decimal("0.00"))


_NAMES = st.text(alphabet=st.characters(codec="latin-1", categories=("L", "N", "Zs")), min_size=1, max_size=70).filter(
    lambda name: name.strip() == name and name
)


@settings(max_examples=60, deadline=None)
@given(
    name=_NAMES,
    amount=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999999.99"), places=2),
)
def test_payload_follows_the_standard_for_any_name_and_amount(name: str, amount: Decimal) -> None:
    transfer = EpcTransfer(name=name, iban="BE71096123456769", amount=amount, reference="202600012320")
    amount_text = f"{amount:.2f}".rstrip("0").rstrip(".")
    expected = ["BCD", "002", "1", "SCT", "", name, "BE71096123456769", f"EUR{amount_text}", "", "202600012320"]
    assert make_epc_qr(transfer).matrix == _expected_qr(expected).matrix
