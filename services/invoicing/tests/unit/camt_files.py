"""Realistic camt.053 files for the tests, as Belgian banks write them.

Version 02 (still the most common export) and version 08 differ where real
files differ: the entry status, the transaction amount, the debtor's name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape

ACCOUNT = "BE71096123456769"


@dataclass
class Line:
    amount: str
    ogm: str | None = None  # in RmtInf/Strd/CdtrRefInf/Ref
    text: str | None = None  # in RmtInf/Ustrd
    ref: str | None = None  # the bank's AcctSvcrRef; generated when None
    debtor: str = "Théâtre de la Lune SRL"
    debtor_iban: str = "BE68539007547034"
    booking_date: str = "2026-04-02"
    credit: bool = True
    currency: str = "EUR"
    status: str = "BOOK"
    reversal: bool = False
    servicer_ref: bool = True  # False: the bank gives no AcctSvcrRef (only NtryRef and EndToEndId)
    entry_ref: str | None = None  # NtryRef; the entry's number in the statement when None
    end_to_end_id: str | None = None  # "E2E-<ref>" when None
    value_date: str | None = None  # the booking date when None
    ogms: tuple[str, ...] = ()  # more structured references, each in its own Strd


@dataclass
class Statement:
    lines: list[Line]
    statement_id: str = "STMT-2026-04-02-001"
    message_id: str = "MSG-2026-04-02-0001"
    account: str = ACCOUNT
    version: str = "02"
    batches: list[list[Line]] = field(default_factory=list)  # one entry with several TxDtls
    batch_totals: list[str] = field(default_factory=list)  # an entry amount other than the sum, per batch


def _remittance(line: Line) -> str:
    parts = []
    if line.text is not None:
        parts.append(f"<Ustrd>{escape(line.text)}</Ustrd>")
    for ogm in ((line.ogm,) if line.ogm is not None else ()) + line.ogms:
        parts.append(
            "<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>BBA</Issr></Tp>"
            f"<Ref>{escape(ogm)}</Ref></CdtrRefInf></Strd>")
    return f"<RmtInf>{''.join(parts)}</RmtInf>" if parts else ""


def _tx(line: Line, version: int, ref: str, with_amount: bool) -> str:
    amount = f'<Amt Ccy="{line.currency}">{line.amount}</Amt>'
    tx_amount = ""
    if with_amount:
        tx_amount = amount if version >= 8 else f"<AmtDtls><TxAmt>{amount}</TxAmt></AmtDtls>"
    debtor = (f"<Dbtr><Pty><Nm>{escape(line.debtor)}</Nm></Pty></Dbtr>" if version >= 8
              else f"<Dbtr><Nm>{escape(line.debtor)}</Nm></Dbtr>")
    servicer = f"<AcctSvcrRef>{ref}</AcctSvcrRef>" if line.servicer_ref else ""
    e2e = line.end_to_end_id or f"E2E-{ref}"
    return (
        f"<TxDtls><Refs>{servicer}<EndToEndId>{escape(e2e)}</EndToEndId></Refs>{tx_amount}"
        f"<RltdPties>{debtor}<DbtrAcct><Id><IBAN>{line.debtor_iban}</IBAN></Id></DbtrAcct></RltdPties>"
        f"{_remittance(line)}</TxDtls>")


def _entry(lines: list[Line], version: int, number: int, total_text: str | None = None) -> str:
    first = lines[0]
    ref = first.ref or f"BANKREF{number:06d}"
    total = sum(float(line.amount) for line in lines) if len(lines) > 1 else None
    amount = total_text or (f"{total:.2f}" if total is not None else first.amount)
    status = f"<Sts><Cd>{first.status}</Cd></Sts>" if version >= 8 else f"<Sts>{first.status}</Sts>"
    details = "".join(
        _tx(line, version, line.ref or f"{ref}-{i}", with_amount=len(lines) > 1 or version >= 8)
        for i, line in enumerate(lines, start=1))
    entry_ref = "" if len(lines) > 1 or not first.servicer_ref else f"<AcctSvcrRef>{ref}</AcctSvcrRef>"
    value_date = first.value_date or first.booking_date
    return (
        f"<Ntry><NtryRef>{first.entry_ref or number}</NtryRef><Amt Ccy=\"{first.currency}\">{amount}</Amt>"
        f"<CdtDbtInd>{'CRDT' if first.credit else 'DBIT'}</CdtDbtInd>"
        f"<RvslInd>{'true' if first.reversal else 'false'}</RvslInd>{status}"
        f"<BookgDt><Dt>{first.booking_date}</Dt></BookgDt><ValDt><Dt>{value_date}</Dt></ValDt>"
        f"{entry_ref}<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn>"
        f"</BkTxCd><NtryDtls>{details}</NtryDtls></Ntry>")


def statement_xml(statement: Statement) -> bytes:
    version = int(statement.version)
    entries = [[line] for line in statement.lines] + statement.batches
    totals: list[str | None] = [None] * len(statement.lines) + list(statement.batch_totals)
    totals += [None] * (len(entries) - len(totals))
    body = "".join(_entry(lines, version, number, totals[number - 1])
                   for number, lines in enumerate(entries, start=1))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.{statement.version}" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<BkToCstmrStmt><GrpHdr><MsgId>{statement.message_id}</MsgId>"
        "<CreDtTm>2026-04-02T18:00:00+02:00</CreDtTm></GrpHdr>"
        f"<Stmt><Id>{statement.statement_id}</Id><ElctrncSeqNb>64</ElctrncSeqNb>"
        "<CreDtTm>2026-04-02T18:00:00+02:00</CreDtTm>"
        "<FrToDt><FrDtTm>2026-04-02T00:00:00+02:00</FrDtTm><ToDtTm>2026-04-02T23:59:59+02:00</ToDtTm></FrToDt>"
        f"<Acct><Id><IBAN>{statement.account}</IBAN></Id><Ccy>EUR</Ccy>"
        "<Svcr><FinInstnId><BIC>GKCCBEBB</BIC></FinInstnId></Svcr></Acct>"
        '<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1000.00</Amt>'
        "<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-04-02</Dt></Dt></Bal>"
        f"{body}</Stmt></BkToCstmrStmt></Document>"
    ).encode()
