"""Payroll settings that must never reach production."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from payroll.config import PayrollSettings


def test_an_offset_clock_is_refused_in_production(tmp_path: Path) -> None:
    assert PayrollSettings(environment="test", clock_offset_file=tmp_path / "o").clock_offset_file == tmp_path / "o"
    with pytest.raises(ValidationError, match="clock_offset_file"):
        PayrollSettings(environment="production", clock_offset_file=tmp_path / "o")
