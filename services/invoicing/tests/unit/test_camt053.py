"""The camt.053 parser: versions 02 and 08, batches, what is skipped, and a
hardened parser that refuses what a bank never sends."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from invoicing.adapters.camt053 import parse_camt053
from invoicing.domain.errors import DomainValidationError, TooLarge
from invoicing.domain.payments import UnmatchedReason, find_reference

from .camt_files import ACCOUNT, Line, Statement, statement_xml

LIMIT = 1_000_000


def parse(content: bytes) -> list:  # type: ignore[type-arg]
    return parse_camt053(content, max_bytes=LIMIT)


def error(content: bytes) -> DomainValidationError:
    with pytest.raises(DomainValidationError) as info:
        parse(content)
    return info.value


@pytest.mark.parametrize("version", ["02", "04", "08", "13"])
def test_reads_credits_of_every_version(version: str) -> None:
    xml = statement_xml(Statement([
        Line("121.00", ogm="+++202/6000/00192+++", ref="R1"),
        Line("50.00", text="Facture 2026-000002 merci", ref="R2", debtor="Camille Martin"),
    ], version=version))
    [statement] = parse(xml)
    assert (statement.schema, statement.statement_id, statement.account_iban) == (
        f"camt.053.001.{version}", "STMT-2026-04-02-001", ACCOUNT)
    assert (statement.message_id, statement.electronic_sequence, statement.from_date) == (
        "MSG-2026-04-02-0001", 64, date(2026, 4, 2))
    first, second = statement.credits
    assert (first.amount, first.currency, first.booking_date) == (Decimal("121.00"), "EUR", date(2026, 4, 2))
    assert first.structured_references == ("+++202/6000/00192+++",)
    assert first.key == f"{ACCOUNT}|svc:R1" and first.position == 1
    assert first.debtor_name == "Théâtre de la Lune SRL" and first.debtor_iban == "BE68539007547034"
    assert second.remittance_texts == ("Facture 2026-000002 merci",) and second.debtor_name == "Camille Martin"
    assert second.position == 2


def test_debits_and_pending_entries_are_skipped_reversals_are_kept() -> None:
    [statement] = parse(statement_xml(Statement([
        Line("10.00", ref="A"), Line("20.00", ref="B", credit=False), Line("30.00", ref="C", reversal=True),
        Line("40.00", ref="D", status="PDNG"), Line("50.00", ref="E", credit=False, reversal=True),
    ])))
    assert [(c.amount, c.reversal, c.review_reason) for c in statement.credits] == [
        (Decimal("10.00"), False, None),
        (Decimal("30.00"), False, UnmatchedReason.REVERSED_DEBIT),  # a debit given back: money in, for an advisor
        (Decimal("50.00"), True, None),  # a client credit taken back
    ]
    assert statement.skipped == 2


def test_two_structured_references_or_a_batch_that_does_not_add_up_are_for_an_advisor() -> None:
    [statement] = parse(statement_xml(Statement([], batches=[[
        Line("100.00", ogm="202600000192", ref="T1"), Line("21.00", ogm="202600000293", ref="T2")]],
        batch_totals=["120.00"])))
    [whole] = statement.credits
    assert (whole.amount, whole.review_reason) == (Decimal("120.00"), UnmatchedReason.BATCH_MISMATCH)
    found = find_reference(("+++202/6000/00192+++", "202600000293"), ())
    assert (found.digits, found.reason) == (None, UnmatchedReason.AMBIGUOUS_REFERENCE)
    assert find_reference(("202600000192", "+++202/6000/00192+++"), ()).digits == "202600000192"


def test_a_batch_entry_gives_one_credit_per_transaction() -> None:
    [statement] = parse(statement_xml(Statement([], batches=[[
        Line("100.00", ogm="202600000192", ref="T1"), Line("21.00", text="+++202/6000/00293+++", ref="T2")]])))
    assert [(c.amount, c.key.split("|")[1]) for c in statement.credits] == [
        (Decimal("100.00"), "svc:T1"), (Decimal("21.00"), "svc:T2")]


def test_without_the_banks_reference_the_key_is_the_same_in_every_statement() -> None:
    xml = statement_xml(Statement([Line("10.00", ref="X")])).replace(b"<AcctSvcrRef>X</AcctSvcrRef>", b"")
    [statement] = parse(xml)
    assert statement.credits[0].key == f"{ACCOUNT}|ntry:1|e2e:E2E-X|val:2026-04-02|amt:10.00"
    [other] = parse(xml.replace(b"STMT-2026-04-02-001", b"STMT-2026-04-02-EOD"))
    assert other.credits[0].key == statement.credits[0].key


def test_without_any_reference_the_key_comes_from_the_statement() -> None:
    xml = statement_xml(Statement([Line("10.00", ref="X", end_to_end_id="NOTPROVIDED")]))
    xml = xml.replace(b"<AcctSvcrRef>X</AcctSvcrRef>", b"").replace(b"<NtryRef>1</NtryRef>", b"")
    [statement] = parse(xml)
    assert statement.credits[0].key == f"{ACCOUNT}|stmt:STMT-2026-04-02-001/pos:1"


def test_size_limit_is_checked_before_parsing() -> None:
    with pytest.raises(TooLarge) as info:
        parse_camt053(b"<x/>" * 100, max_bytes=50)
    assert info.value.code == "bank_statement.too_large"


def test_entities_and_dtds_are_refused_never_expanded() -> None:
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
              b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>&lol2;'
              b"</BkToCstmrStmt></Document>")
    assert error(laughs).code == "bank_statement.dtd_forbidden"
    external = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">&xxe;</Document>')
    assert error(external).code == "bank_statement.dtd_forbidden"


@pytest.mark.parametrize(("content", "code", "field"), [
    (b"not xml at all", "bank_statement.not_xml", "file"),
    (b"", "bank_statement.empty", "file"),
    (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"/>', "bank_statement.unsupported_format",
     "file"),
    (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.01"/>', "bank_statement.unsupported_format",
     "file"),
    (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"/>', "bank_statement.invalid",
     "Document/BkToCstmrStmt"),
    (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><GrpHdr><MsgId>M</MsgId>'
     b"</GrpHdr></BkToCstmrStmt></Document>", "bank_statement.invalid", "BkToCstmrStmt/Stmt"),
])
def test_malformed_files_are_refused_saying_where(content: bytes, code: str, field: str) -> None:
    refused = error(content)
    assert (refused.code, refused.field) == (code, field)


@pytest.mark.parametrize(("old", "new", "field"), [
    (b'<Amt Ccy="EUR">121.00</Amt><CdtDbtInd>', b'<Amt Ccy="EUR">12,10</Amt><CdtDbtInd>', "Stmt[1]/Ntry[1]/Amt"),
    (b'<Amt Ccy="EUR">121.00</Amt><CdtDbtInd>', b'<Amt Ccy="EUR">1.001</Amt><CdtDbtInd>', "Stmt[1]/Ntry[1]/Amt"),
    (b'<Amt Ccy="EUR">121.00</Amt><CdtDbtInd>', b"<Amt>121.00</Amt><CdtDbtInd>", "Stmt[1]/Ntry[1]/Amt"),
    (b"<CdtDbtInd>CRDT</CdtDbtInd><RvslInd>", b"<CdtDbtInd>MAYBE</CdtDbtInd><RvslInd>",
     "Stmt[1]/Ntry[1]/CdtDbtInd"),
    (b"<BookgDt><Dt>2026-04-02</Dt></BookgDt>", b"<BookgDt><Dt>02/04/2026</Dt></BookgDt>",
     "Stmt[1]/Ntry[1]/BookgDt"),
    (b"<BookgDt><Dt>2026-04-02</Dt></BookgDt>", b"", "Stmt[1]/Ntry[1]/BookgDt"),
    (b"<Stmt><Id>STMT-2026-04-02-001</Id>", b"<Stmt>", "Stmt[1]/Id"),
    (b"<Acct><Id><IBAN>" + ACCOUNT.encode() + b"</IBAN></Id>", b"<Acct><Id></Id>", "Stmt[1]/Acct/Id"),
])
def test_structure_is_validated(old: bytes, new: bytes, field: str) -> None:
    xml = statement_xml(Statement([Line("121.00", ogm="+++202/6000/00192+++", ref="R1")]))
    assert old in xml
    refused = error(xml.replace(old, new, 1))
    assert (refused.code, refused.field) == ("bank_statement.invalid", field)
