"""Render domain ``Minutes`` to a PDF (bytes) with reportlab.

The layout reads only the ``Minutes`` value, never the assembly or raw
votes, so it cannot print what the domain left out (secret-ballot votes).
Output is deterministic (``invariant``): the same minutes give the same bytes,
which lets the published file be hashed and compared.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from governance.domain.minutes import MAJORITY_LABELS, Minutes, ResolutionMinutes
from governance.domain.resolution import BallotKind

_GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
        ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
)


def _p(text: str, style: Any) -> Any:
    # Paragraph parses a mini-markup: member-supplied text must be escaped.
    return Paragraph(escape(text), style)


def _resolution_flowables(res: ResolutionMinutes, styles: Any) -> list[Any]:
    r = res.result
    body = styles["BodyText"]
    counts = Table(
        [
            ["For", "Against", "Abstain", "Participants", "Quorum", "Outcome"],
            [
                str(r.votes_for),
                str(r.votes_against),
                str(r.abstentions),
                f"{r.participants} / {r.electorate_size}",
                f"{'reached' if r.quorum_reached else 'not reached'} (min. {r.quorum_required})",
                res.outcome,
            ],
        ],
        style=_GRID,
        hAlign="LEFT",
    )
    parts: list[Any] = [
        _p(f"Resolution {res.number}: {res.text}", styles["Heading3"]),
        _p(
            f"Ballot: {res.ballot.value}. Majority rule: {MAJORITY_LABELS[res.majority]}, abstentions excluded. "
            f"Quorum: {res.quorum} of the electorate.",
            body,
        ),
        counts,
    ]
    if res.roll_call:
        rows = [["Member", "Vote", "Cast by proxy holder"]] + [
            [e.elector, e.choice.value, e.proxy_holder or ""] for e in res.roll_call
        ]
        parts += [
            Spacer(1, 2 * mm),
            Table(rows, style=_GRID, hAlign="LEFT", repeatRows=1),
        ]
    elif res.ballot is BallotKind.SECRET:
        parts.append(_p("Secret ballot: individual votes are not recorded.", body))
    return [KeepTogether(parts[:3]), *parts[3:], Spacer(1, 5 * mm)]


def render_minutes_pdf(minutes: Minutes, *, compress: bool = True) -> bytes:
    """PDF bytes for ``minutes``; ``compress=False`` leaves page streams readable (tests, debugging)."""
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=minutes.heading,
        author="Cooperative governance service",
        invariant=True,
        pageCompression=1 if compress else 0,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
    )
    styles = getSampleStyleSheet()
    story: list[Any] = [_p(minutes.heading, styles["Title"])]
    story += [_p(line, styles["BodyText"]) for line in minutes.header_lines()]
    story.append(Spacer(1, 6 * mm))
    for res in minutes.resolutions:
        story += _resolution_flowables(res, styles)
    doc.build(story)
    return buffer.getvalue()
