"""The payslip as a PDF (reportlab): who, which days, and every step from budget to net."""

from __future__ import annotations

import io
from decimal import Decimal

from reportlab.lib import colors  # type: ignore[import-untyped,unused-ignore]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped,unused-ignore]
from reportlab.lib.styles import getSampleStyleSheet  # type: ignore[import-untyped,unused-ignore]
from reportlab.lib.units import mm  # type: ignore[import-untyped,unused-ignore]
from reportlab.platypus import (  # type: ignore[import-untyped,unused-ignore]
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from coop_shared.persistence.mongo import Document
from payroll.domain.money import fmt

_TOTALS = {"employment_budget", "gross", "taxable", "net"}


def _rate(value: Decimal | None) -> str:
    if value is None:
        return ""
    if value > 1:  # the employer cost factor, e.g. 1.35
        return f"x {value.normalize():f}"
    return f"{(value * 100).normalize():f} %"


def _rules_in_force(payslip: Document) -> str:
    periods = payslip.get("periods") or []
    if len(periods) < 2:
        return str(payslip["rules_effective_from"])
    return "; ".join(f"from {p['rules_effective_from']} for {p['first_work_day']} to {p['last_work_day']} "
                     f"({p['work_days']} day(s))" for p in periods)


def render(payslip: Document, member_name: str, employer: str) -> bytes:
    buffer = io.BytesIO()
    styles = getSampleStyleSheet()
    document = SimpleDocTemplate(buffer, pagesize=A4, title=f"Payslip {payslip['_id']}", author=employer,
                                 leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm, bottomMargin=18 * mm)
    basis = "article 1bis (artist)" if payslip["basis"] == "article_1bis" else "employment contract"
    header = [
        ["Employer", employer],
        ["Worker", member_name or payslip["member_id"]],
        ["Activity", payslip["activity_id"]],
        ["Contract", f"{payslip['contract_id']} ({basis})"],
        ["Work days", f"{payslip['work_days']} day(s), {payslip['first_work_day']} to {payslip['last_work_day']}"],
        ["Rules in force", _rules_in_force(payslip)],
        ["Paid by", payslip["due_date"]],
    ]
    rows: list[list[str]] = [["", "Rate", "EUR"]]
    for line in payslip["lines"]:
        rows.append([line["label"], _rate(line.get("rate")), fmt(Decimal(line["amount"]))])
    table = Table(rows, colWidths=[105 * mm, 30 * mm, 35 * mm])
    style = [
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
    ]
    for index, line in enumerate(payslip["lines"], start=1):
        if line["code"] in _TOTALS:
            style += [("FONTNAME", (0, index), (-1, index), "Helvetica-Bold"),
                      ("LINEABOVE", (0, index), (-1, index), 0.25, colors.grey)]
    table.setStyle(TableStyle(style))
    story = [
        Paragraph("Payslip", styles["Title"]),
        Table(header, colWidths=[35 * mm, 135 * mm]),
        Spacer(1, 8 * mm),
        table,
        Spacer(1, 6 * mm),
        Paragraph("Withholding tax uses a simplified progressive table on the monthly-equivalent pay "
                  "(a stand-in for the Annex III key formula).", styles["Italic"]),
    ]
    document.build(story)
    return buffer.getvalue()
