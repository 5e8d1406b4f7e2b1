"""Editing the lines of a document (a quote or an invoice) while it may still change."""

from __future__ import annotations

from collections.abc import Iterable

from invoicing.domain.errors import DomainValidationError
from invoicing.domain.totals import InvoiceLine, check_lines_for_regime
from invoicing.domain.vat import VatRegime


class EditableLines:
    """Mixed into Quote and Invoice; each says when it may still change."""

    regime: VatRegime
    _lines: tuple[InvoiceLine, ...]

    def _ensure_editable(self, field: str) -> None:
        raise NotImplementedError

    def replace_lines(self, lines: Iterable[InvoiceLine]) -> None:
        self._ensure_editable("lines")
        new_lines = tuple(lines)
        check_lines_for_regime(new_lines, self.regime)
        self._lines = new_lines

    def add_line(self, line: InvoiceLine) -> None:
        self.replace_lines((*self._lines, line))

    def remove_line(self, index: int) -> None:
        self._ensure_editable("lines")
        if not 0 <= index < len(self._lines):
            raise DomainValidationError("line.not_found", f"No line at position {index}.", "lines")
        self._lines = self._lines[:index] + self._lines[index + 1 :]
