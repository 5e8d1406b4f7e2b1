"""Credit notes number in their own series, which never meets the invoices'."""

from __future__ import annotations

import pytest

from invoicing.domain.errors import DomainValidationError
from invoicing.domain.invoice import CREDIT_NOTE_PREFIX, InvoiceNumber


def test_a_prefixed_series_prints_parses_and_differs_from_the_invoice_series() -> None:
    note = InvoiceNumber(2026, 1, CREDIT_NOTE_PREFIX)
    assert str(note) == "CN-2026-000001"
    assert InvoiceNumber.parse("CN-2026-000001") == note != InvoiceNumber(2026, 1)
    assert InvoiceNumber.parse("2026-000001") == InvoiceNumber(2026, 1)


@pytest.mark.parametrize("prefix", ["cn-", "CN", "TOOLONG-", "C N-", "-"])
def test_a_prefix_is_a_few_capitals_and_a_dash(prefix: str) -> None:
    with pytest.raises(DomainValidationError):
        InvoiceNumber(2026, 1, prefix)
