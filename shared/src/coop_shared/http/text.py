"""One text rule at the API edge: no character that XML 1.0 cannot carry.

Names, addresses and descriptions end up in XML (the Peppol UBL e-invoice) and
in PDFs: a control character (U+0000-U+001F except tab, LF, CR), a lone
surrogate or U+FFFE/U+FFFF accepted today is an e-invoice that can never be
produced tomorrow. Every service refuses them in JSON bodies (keys and values,
at any depth) and query parameters with a 422 naming the field, before any
request model sees them. ``strip_xml_invalid`` is the writers' last guard.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import Message, Receive, Scope, Send

from coop_shared.http.asgi import HttpMiddleware
from coop_shared.http.errors import error_response

XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Cheap test on the raw bytes: such a character reaches us either raw (invalid
# JSON anyway, or UTF-8 EF BF BE/BF) or as a \\u escape. Only then is the body parsed.
_SUSPECT = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]|\\u(00[01]|d[89a-f]|fff[ef])", re.I)
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def strip_xml_invalid(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot represent (not even as a reference)."""
    return XML_INVALID.sub("", text)


def find_invalid(value: Any, path: str = "") -> str | None:
    """The dotted path of the first string (or key) holding an XML-invalid character."""
    if isinstance(value, str):
        return (path or "body") if XML_INVALID.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if XML_INVALID.search(str(key)):
                return here
            found = find_invalid(item, here)
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = find_invalid(item, f"{path}.{index}" if path else str(index))
            if found:
                return found
    return None


def _refusal(field: str) -> Any:
    return error_response(422, "invalid_characters",
                          f"{field}: control characters (other than tab and line breaks) are not allowed.",
                          field=field)


class CleanTextMiddleware(HttpMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        query = scope.get("query_string", b"")
        if query:
            for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
                if XML_INVALID.search(name) or XML_INVALID.search(value):
                    await _refusal(name)(scope, receive, send)
                    return
        content_type = dict(scope.get("headers") or []).get(b"content-type", b"")
        if scope["method"] not in _BODY_METHODS or b"json" not in content_type:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break  # the client went away
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if _SUSPECT.search(body):
            try:
                field = find_invalid(json.loads(body))
            except ValueError:
                field = None  # not JSON: the request model answers with its own 422
            if field is not None:
                await _refusal(field)(scope, receive, send)
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
