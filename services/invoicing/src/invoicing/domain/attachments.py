"""Receipts attached to expense claims: PDF, JPEG or PNG, recognised by
their first bytes (never by the name or the type the browser claims), and
bounded in size."""

from __future__ import annotations

import re
import unicodedata

from invoicing.domain.errors import DomainValidationError, TooLarge, UnsupportedType

# Magic numbers: what the file is, whatever it is called.
_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)
ALLOWED_TYPES = tuple(media for _, media, _ in _SIGNATURES)
_UNSAFE_RE = re.compile(r"[^\w.\- ()]+")


def sniff(content: bytes) -> str:
    """The media type of ``content`` from its magic bytes."""
    for signature, media_type, _ in _SIGNATURES:
        if content.startswith(signature):
            return media_type
    raise UnsupportedType("attachment.unsupported_type", "A receipt is a PDF, JPEG or PNG file.", "file")


def check_attachment(content: bytes, max_bytes: int) -> str:
    """The media type of an acceptable receipt, or the reason it is refused."""
    if len(content) > max_bytes:
        raise TooLarge("attachment.too_large", f"A receipt is at most {max_bytes} bytes.", "file")
    if not content:
        raise DomainValidationError("attachment.empty", "The file is empty.", "file")
    return sniff(content)


def safe_filename(name: str | None, media_type: str) -> str:
    """A name fit for a Content-Disposition header: no path, no control or odd
    characters, and the extension of what the file really is."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    base = _UNSAFE_RE.sub("_", base).strip(" ._")[:100]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    extension = next(ext for _, media, ext in _SIGNATURES if media == media_type)
    return f"{stem or 'receipt'}{extension}"
