"""/dev/mail: the e-mails the local mail sink of ``make run`` kept, with their
attachments. Local development only: the route exists only when the
environment is local or development and DEV_MAIL_DIR names the sink's directory.
"""

from __future__ import annotations

import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from html import escape
from pathlib import Path

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from coop_shared.http.errors import error_response
from gateway.entrypoints.api.deps import get_context

router = APIRouter()
_NAME = re.compile(r"^[0-9TZ]+-[0-9a-f]{8}\.eml$")
_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"


def _directory(request: Request) -> Path:
    directory = get_context(request).dev_mail_dir or Path(".")
    return directory


def _parse(path: Path) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    assert isinstance(message, EmailMessage)
    return message


def _message(request: Request, name: str) -> tuple[Path, EmailMessage] | None:
    path = _directory(request) / name
    if not _NAME.match(name) or not path.is_file():
        return None
    return path, _parse(path)


@router.get("/dev/mail", include_in_schema=False)
async def mail_list(request: Request) -> Response:
    rows = []
    for path in sorted(_directory(request).glob("*.eml"), reverse=True)[:200]:
        message = _parse(path)
        files = [f'<a href="/dev/mail/{path.name}/attachments/{i}">{escape(part.get_filename() or "file")}</a> '
                 f'({escape(part.get_content_type())}, {len(part.get_payload(decode=True) or b"")} bytes)'
                 for i, part in enumerate(message.iter_attachments())]
        rows.append(f'<tr><td>{escape(str(message["Date"] or ""))}</td><td>{escape(str(message["From"] or ""))}</td>'
                    f'<td>{escape(str(message["To"] or ""))}</td>'
                    f'<td><a href="/dev/mail/{path.name}">{escape(str(message["Subject"] or ""))}</a></td>'
                    f'<td>{"<br>".join(files)}</td></tr>')
    body = "".join(rows) or '<tr><td colspan="5">No e-mail yet.</td></tr>'
    page = ('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Mail sink</title>'
            '<style>body{font-family:sans-serif;margin:2em}td,th{border-bottom:1px solid #ddd;padding:.4em;'
            'text-align:left;vertical-align:top}</style></head><body><h1>E-mails kept by the local mail sink</h1>'
            f'<p>{escape(str(_directory(request)))}</p><table><thead><tr><th>Date</th><th>From</th><th>To</th>'
            f'<th>Subject</th><th>Attachments</th></tr></thead><tbody>{body}</tbody></table></body></html>')
    return HTMLResponse(page, headers={"Content-Security-Policy": _CSP})


@router.get("/dev/mail/{name}", include_in_schema=False)
async def mail_raw(name: str, request: Request) -> Response:
    found = _message(request, name)
    if found is None:
        return error_response(404, "not_found", "No such message.", field="name")
    return Response(found[0].read_bytes(), media_type="text/plain; charset=utf-8",
                    headers={"Content-Security-Policy": _CSP})


@router.get("/dev/mail/{name}/attachments/{index}", include_in_schema=False)
async def mail_attachment(name: str, index: int, request: Request) -> Response:
    found = _message(request, name)
    parts = list(found[1].iter_attachments()) if found else []
    if found is None or not 0 <= index < len(parts):
        return error_response(404, "not_found", "No such attachment.", field="index")
    part = parts[index]
    filename = (part.get_filename() or "file").replace('"', "")
    return Response(part.get_payload(decode=True) or b"", media_type=part.get_content_type(),
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Content-Security-Policy": _CSP})
