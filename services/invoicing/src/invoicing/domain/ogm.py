"""Belgian structured communication (OGM / VCS): ``+++ddd/dddd/ddddd+++``.

Ten digits plus two check digits (the ten digits mod 97, 0 becoming 97).
It is what bank statements carry back, so it is how payments are matched
to invoices: generation must be deterministic and parsing forgiving about
presentation but strict about the checksum.
"""

from __future__ import annotations

import re

from stdnum.be import ogm_vcs

from invoicing.domain.checks import require_int
from invoicing.domain.errors import DomainValidationError

_MAX_BASE = 9_999_999_999
# Presentation characters people and banks add around or inside the number.
_NOISE_RE = re.compile(r"[\s+*/.\-]")


def check_digits(base: int) -> str:
    return f"{(base % 97) or 97:02d}"


def format_ogm(digits: str) -> str:
    """``+++ddd/dddd/ddddd+++`` from the 12 canonical digits."""
    if len(digits) != 12 or not digits.isdigit():
        raise DomainValidationError("ogm.invalid", "A structured communication has 12 digits.", "ogm")
    return f"+++{ogm_vcs.format(digits)}+++"


def ogm_from_number(n: int) -> str:
    """Structured communication whose 10-digit base is ``n`` (1 ≤ n < 10¹⁰)."""
    base = require_int(n, "n")
    if not 1 <= base <= _MAX_BASE:
        raise DomainValidationError("ogm.base_out_of_range", "The base must have 1 to 10 digits.", "n")
    digits = f"{base:010d}{check_digits(base)}"
    return format_ogm(digits)


def ogm_for_invoice(year: int, sequence: int) -> str:
    """Base = 4-digit year + 6-digit sequence, so the communication of
    invoice ``2026-000123`` is readable as that invoice: ``+++202/6000/12320+++``."""
    year = require_int(year, "year")
    sequence = require_int(sequence, "sequence")
    if not 1000 <= year <= 9999 or not 1 <= sequence <= 999_999:
        raise DomainValidationError(
            "ogm.base_out_of_range", "Year must have 4 digits and sequence at most 6.", "sequence"
        )
    return ogm_from_number(year * 1_000_000 + sequence)


def parse_ogm(text: str) -> str | None:
    """The canonical 12 digits, or None when ``text`` is not a valid OGM.

    Tolerates missing or ``***`` delimiters, missing slashes, spaces, dots and
    dashes; anything else (letters, wrong length, bad check digits) is None,
    because a wrong match would credit the wrong invoice.
    """
    if not isinstance(text, str):
        raise TypeError(f"text: expected str, got {type(text).__name__}")
    digits = _NOISE_RE.sub("", text)
    if len(digits) != 12 or not digits.isascii() or not digits.isdigit():
        return None
    return digits if ogm_vcs.is_valid(digits) else None
