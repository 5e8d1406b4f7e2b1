"""Passwords that guessing tries first (NIST SP 800-63B §5.1.1.2: compare new
passwords against lists of commonly used or compromised values).

The list is the 30,000 most frequent passwords of public breach corpora, as
shipped by ``zxcvbn`` (its ``passwords`` frequency list). A password counts as
common when it is one of them once lower-cased, or one of them dressed up with
digits and symbols at either end (``Password123!``, ``!!qwertyuiop2024``):
the decoration is the first thing guessing tools add.
"""

from __future__ import annotations

import re
from functools import lru_cache

from zxcvbn.frequency_lists import FREQUENCY_LISTS  # type: ignore[import-untyped]

_DECORATION = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_NOT_LETTERS = re.compile(r"[\W\d_]+")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"])


def is_common(password: str) -> bool:
    lowered = password.strip().lower()
    known = common_passwords()
    if lowered in known:
        return True
    core = _DECORATION.sub("", lowered)
    return len(core) >= 4 and core in known


def is_made_of(password: str, words: list[str]) -> bool:
    """True when the password's letters are only ``words`` (the person's names,
    the e-mail's parts), in any order or repetition, with at most 3 letters more."""
    rest = _NOT_LETTERS.sub("", password.lower())
    tokens = sorted({w for w in (_NOT_LETTERS.sub("", w.lower()) for w in words) if len(w) >= 3},
                    key=len, reverse=True)
    if not tokens:
        return False
    for token in tokens:
        rest = rest.replace(token, "")
    return len(rest) <= 3
