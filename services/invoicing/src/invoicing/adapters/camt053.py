"""ISO 20022 camt.053 (bank-to-customer statement) files, as Belgian banks
export them: camt.053.001.02 and every later version.

The file comes from outside, so the parser is hardened: no network, no DTD
(a document declaring one is refused, so no entity is ever expanded), no
"huge tree" (libxml2's depth and text limits stay on), and a size limit
checked before parsing. The structure is then checked element by element;
anything a client payment needs and the file lacks is a 422 naming where.

Versions differ in a few places, all handled: the entry status is
``<Sts>BOOK</Sts>`` (02-07) or ``<Sts><Cd>BOOK</Cd></Sts>`` (08+); a
transaction's amount is ``AmtDtls/TxAmt/Amt`` or ``TxDtls/Amt`` (08+); the
debtor's name is ``Dbtr/Nm`` or ``Dbtr/Pty/Nm`` (08+).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree

from invoicing.domain.errors import DomainValidationError, TooLarge
from invoicing.domain.money import ZERO, is_whole_cents, round_cents
from invoicing.domain.payments import BankCredit, BankStatement, UnmatchedReason

_NAMESPACE_RE = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:(camt\.053\.001\.(\d{2}))$")
_AMOUNT_RE = re.compile(r"^\d{1,18}(\.\d{1,5})?$")
_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
_TEXT_MAX = 500


def _parser() -> etree.XMLParser:
    # A new parser per call: lxml parsers are not meant to be shared between threads.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=True, remove_pis=True, recover=False)


def _invalid(message: str, where: str) -> DomainValidationError:
    return DomainValidationError("bank_statement.invalid", message, where)


class _Reader:
    """Namespace-qualified lookups and the path of what is read, for error messages."""

    def __init__(self, namespace: str) -> None:
        self.ns = namespace

    def q(self, path: str) -> str:
        return "/".join(f"{{{self.ns}}}{part}" for part in path.split("/"))

    def find(self, element: etree._Element, path: str) -> etree._Element | None:
        return element.find(self.q(path))

    def all(self, element: etree._Element, path: str) -> list[etree._Element]:
        return list(element.iterfind(self.q(path)))

    def text(self, element: etree._Element, path: str) -> str | None:
        found = self.find(element, path)
        if found is None or found.text is None:
            return None
        text = " ".join(found.text.split())
        return text[:_TEXT_MAX] or None

    def required(self, element: etree._Element, path: str, where: str) -> str:
        value = self.text(element, path)
        if value is None:
            raise _invalid(f"{path} is missing.", f"{where}/{path}")
        return value

    def day(self, element: etree._Element, path: str, where: str, required: bool = False) -> date | None:
        holder = self.find(element, path)
        text = None if holder is None else (self.text(holder, "Dt") or self.text(holder, "DtTm"))
        if text is None:
            if required:
                raise _invalid(f"{path}/Dt is missing.", f"{where}/{path}")
            return None
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            raise _invalid(f"{path} is not a date: {text!r}.", f"{where}/{path}") from None

    def amount(self, element: etree._Element, path: str, where: str) -> tuple[Decimal, str] | None:
        found = self.find(element, path)
        if found is None:
            return None
        text = (found.text or "").strip()
        currency = (found.get("Ccy") or "").strip()
        if not _AMOUNT_RE.match(text):
            raise _invalid(f"{path} is not an amount: {text!r}.", f"{where}/{path}")
        if not _CURRENCY_RE.match(currency):
            raise _invalid(f"{path} needs a Ccy attribute (ISO 4217).", f"{where}/{path}")
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise _invalid(f"{path} is not an amount: {text!r}.", f"{where}/{path}") from None
        if value <= 0 or not is_whole_cents(value):
            raise _invalid(f"{path} must be positive, in cents.", f"{where}/{path}")
        return round_cents(value), currency


def parse_camt053(content: bytes, *, max_bytes: int) -> list[BankStatement]:
    """The statements of a camt.053 file (a file may hold several)."""
    if len(content) > max_bytes:
        raise TooLarge("bank_statement.too_large", f"A statement file is at most {max_bytes} bytes.", "file")
    if not content.strip():
        raise DomainValidationError("bank_statement.empty", "The file is empty.", "file")
    try:
        root = etree.fromstring(content, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise DomainValidationError("bank_statement.not_xml", f"Not well-formed XML: {exc.msg}", "file") from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise DomainValidationError("bank_statement.dtd_forbidden",
                                    "A bank statement declares no DTD or entities.", "file")
    namespace = etree.QName(root).namespace or ""
    match = _NAMESPACE_RE.match(namespace)
    if etree.QName(root).localname != "Document" or match is None or int(match.group(2)) < 2:
        raise DomainValidationError(
            "bank_statement.unsupported_format",
            "Expected an ISO 20022 camt.053.001.02 (or later) Document.", "file")
    read = _Reader(namespace)
    report = read.find(root, "BkToCstmrStmt")
    if report is None:
        raise _invalid("BkToCstmrStmt is missing.", "Document/BkToCstmrStmt")
    message_id = read.required(report, "GrpHdr/MsgId", "BkToCstmrStmt")
    statements = read.all(report, "Stmt")
    if not statements:
        raise _invalid("A statement file holds at least one Stmt.", "BkToCstmrStmt/Stmt")
    return [_statement(read, match.group(1), message_id, element, index)
            for index, element in enumerate(statements, start=1)]


def _statement(read: _Reader, schema: str, message_id: str, element: etree._Element, index: int) -> BankStatement:
    where = f"Stmt[{index}]"
    statement_id = read.required(element, "Id", where)
    iban = read.text(element, "Acct/Id/IBAN") or read.text(element, "Acct/Id/Othr/Id")
    if iban is None:
        raise _invalid("Acct/Id/IBAN is missing.", f"{where}/Acct/Id")
    sequence_text = read.text(element, "ElctrncSeqNb")
    if sequence_text is not None and not sequence_text.isdigit():
        raise _invalid("ElctrncSeqNb is a number.", f"{where}/ElctrncSeqNb")
    from_text, to_text = read.text(element, "FrToDt/FrDtTm"), read.text(element, "FrToDt/ToDtTm")
    credits: list[BankCredit] = []
    skipped = 0
    for entry_index, entry in enumerate(read.all(element, "Ntry"), start=1):
        parsed = _entry(read, entry, f"{where}/Ntry[{entry_index}]", statement_id, iban.replace(" ", ""),
                        entry_index)
        if parsed is None:
            skipped += 1
        else:
            credits.extend(parsed)
    numbered = tuple(_renumber(credit, position) for position, credit in enumerate(credits, start=1))
    return BankStatement(
        schema=schema, message_id=message_id, statement_id=statement_id, account_iban=iban.replace(" ", ""),
        created_at=read.text(element, "CreDtTm"), electronic_sequence=int(sequence_text) if sequence_text else None,
        from_date=_day_of(from_text), to_date=_day_of(to_text), credits=numbered, skipped=skipped)


def _day_of(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def _renumber(credit: BankCredit, position: int) -> BankCredit:
    return replace(credit, position=position)


def _status(read: _Reader, entry: etree._Element) -> str | None:
    return read.text(entry, "Sts/Cd") or read.text(entry, "Sts/Prtry") or read.text(entry, "Sts")


def _end_to_end(read: _Reader, tx: etree._Element) -> str | None:
    value = read.text(tx, "Refs/EndToEndId")
    return None if value is None or value.upper() == "NOTPROVIDED" else value  # the payer gave none


def _identity(iban: str, *, servicer_ref: str | None, entry_ref: str | None, end_to_end_id: str | None,
              value_date: date | None, booking_date: date, amount: Decimal) -> str | None:
    """How the bank names one booking, the same in every statement that reports it.

    The bank's own reference (AcctSvcrRef) is unique for the account (alone,
    as lines were always keyed, so a corrected amount is never booked twice);
    without it the entry reference and the end-to-end id together, with the
    value date and amount. None when the entry carries no reference at all.
    """
    day = (value_date or booking_date).isoformat()
    if servicer_ref:
        return f"{iban}|svc:{servicer_ref}"
    if entry_ref or end_to_end_id:
        return f"{iban}|ntry:{entry_ref or ''}|e2e:{end_to_end_id or ''}|val:{day}|amt:{amount}"
    return None


def _entry(read: _Reader, entry: etree._Element, where: str, statement_id: str, iban: str,
           entry_index: int) -> list[BankCredit] | None:
    """The credits of one entry (client credits, reversals of them, reversed debits); None for the rest."""
    amount = read.amount(entry, "Amt", where)
    if amount is None:
        raise _invalid("Amt is missing.", f"{where}/Amt")
    indicator = read.required(entry, "CdtDbtInd", where)
    if indicator not in ("CRDT", "DBIT"):
        raise _invalid("CdtDbtInd is CRDT or DBIT.", f"{where}/CdtDbtInd")
    booking_date = read.day(entry, "BookgDt", where, required=True)
    assert booking_date is not None
    status = _status(read, entry)
    reversal = (read.text(entry, "RvslInd") or "false").lower() == "true"
    if (indicator == "DBIT" and not reversal) or (status is not None and status != "BOOK"):
        return None
    # A debit marked as a reversal takes back an earlier client credit; a credit
    # marked as one gives back a debit: money in, but no client's payment.
    takes_back = indicator == "DBIT"
    review = UnmatchedReason.REVERSED_DEBIT if indicator == "CRDT" and reversal else None
    value_date = read.day(entry, "ValDt", where)
    entry_ref = read.text(entry, "NtryRef")
    servicer_ref = read.text(entry, "AcctSvcrRef")
    details = read.all(entry, "NtryDtls/TxDtls")
    servicer_ref = servicer_ref or (read.text(details[0], "Refs/AcctSvcrRef") if len(details) == 1 else None)
    fallback = f"{iban}|stmt:{statement_id}/pos:{entry_index}"

    def credit(key: str, value: Decimal, currency: str, parts: list[etree._Element],
               bank_reference: str | None, reason: UnmatchedReason | None) -> BankCredit:
        first = parts[0] if parts else None
        return BankCredit(
            key=f"{key}|rvsl" if takes_back else key, position=0, amount=value, currency=currency,
            booking_date=booking_date, value_date=value_date,
            structured_references=tuple(r for p in parts for r in _texts(read, p, "RmtInf/Strd/CdtrRefInf/Ref")),
            remittance_texts=tuple(t for p in parts for t in _texts(read, p, "RmtInf/Ustrd")),
            debtor_name=None if first is None else (read.text(first, "RltdPties/Dbtr/Nm")
                                                    or read.text(first, "RltdPties/Dbtr/Pty/Nm")),
            debtor_iban=None if first is None else read.text(first, "RltdPties/DbtrAcct/Id/IBAN"),
            end_to_end_id=None if first is None else read.text(first, "Refs/EndToEndId"),
            bank_reference=bank_reference or servicer_ref or entry_ref, reversal=takes_back, review_reason=reason)

    total, currency = amount
    amounts = [_tx_amount(read, tx, f"{where}/NtryDtls/TxDtls[{i}]") for i, tx in enumerate(details, start=1)]
    split = len(details) > 1 and all(a is not None for a in amounts) and \
        sum((a[0] for a in amounts if a is not None), ZERO) == total
    if not split:  # one payment, or a batch whose parts cannot be told apart: the entry as a whole
        single_e2e = _end_to_end(read, details[0]) if len(details) == 1 else None
        key = _identity(iban, servicer_ref=servicer_ref, entry_ref=entry_ref, end_to_end_id=single_e2e,
                        value_date=value_date, booking_date=booking_date, amount=total) or fallback
        mismatch = len(details) > 1 or (len(details) == 1 and amounts[0] is not None and amounts[0][0] != total)
        # Details that do not add up to the entry: applying it to the first reference would be a guess.
        reason = review or (UnmatchedReason.BATCH_MISMATCH if mismatch else None)
        return [credit(key, total, currency, details, None, reason)]
    credits = []
    for i, (tx, tx_amount) in enumerate(zip(details, amounts, strict=True), start=1):
        assert tx_amount is not None
        tx_ref = read.text(tx, "Refs/AcctSvcrRef")
        tx_e2e = _end_to_end(read, tx)
        own = _identity(iban, servicer_ref=tx_ref, entry_ref=entry_ref, end_to_end_id=tx_e2e, value_date=value_date,
                        booking_date=booking_date, amount=tx_amount[0]) if (tx_ref or tx_e2e) else None
        of_entry = _identity(iban, servicer_ref=servicer_ref, entry_ref=entry_ref, end_to_end_id=None,
                             value_date=value_date, booking_date=booking_date, amount=total)
        key = own or f"{of_entry or fallback}#{i}"
        credits.append(credit(key, tx_amount[0], tx_amount[1], [tx], tx_ref, review))
    return credits


def _tx_amount(read: _Reader, tx: etree._Element, where: str) -> tuple[Decimal, str] | None:
    return read.amount(tx, "AmtDtls/TxAmt/Amt", where) or read.amount(tx, "Amt", where)


def _texts(read: _Reader, element: etree._Element, path: str) -> list[str]:
    texts = []
    for found in read.all(element, path):
        if found.text and found.text.strip():
            texts.append(" ".join(found.text.split())[:_TEXT_MAX])
    return texts
