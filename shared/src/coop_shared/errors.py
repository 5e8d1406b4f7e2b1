"""The base of every service's domain errors (pure Python, no framework).

A domain error carries a stable ``code`` clients switch on, a human
``message``, and the ``field`` to blame when one input is; the HTTP layer maps
each subclass to a status and answers with the shared JSON error.
"""

from __future__ import annotations


class DomainError(Exception):
    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        # Everything goes to Exception too, so the error stays picklable and copyable.
        super().__init__(code, message, field)
        self.code = code
        self.message = message
        self.field = field

    def __str__(self) -> str:
        where = f" [{self.field}]" if self.field else ""
        return f"{self.code}{where}: {self.message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, field={self.field!r})"
