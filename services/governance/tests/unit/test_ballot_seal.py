"""Sealed secret choices: readable only with the key, for their resolution, all the same size."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from governance.adapters.ballot_seal import BallotSeal, UnreadableBallot
from governance.config import DEVELOPMENT_SEALING_KEY, GovernanceSettings
from governance.domain.resolution import Choice

SEAL = BallotSeal(b"k" * 32)


def test_a_box_opens_to_its_choice_and_every_box_has_one_size() -> None:
    boxes = {choice: SEAL.seal("r-1", choice) for choice in Choice}
    assert {choice: SEAL.open("r-1", box) for choice, box in boxes.items()} == {c: c for c in Choice}
    assert len({len(box) for box in boxes.values()}) == 1
    assert SEAL.seal("r-1", Choice.FOR) != SEAL.seal("r-1", Choice.FOR)  # a fresh nonce each time


@pytest.mark.parametrize("tamper", [
    lambda box: SEAL.open("r-2", box),  # moved to another resolution
    lambda box: BallotSeal(b"x" * 32).open("r-1", box),  # another key
    lambda box: SEAL.open("r-1", box[:-4] + ("AAAA" if box[-4:] != "AAAA" else "BBBB")),  # altered
    lambda box: SEAL.open("r-1", "not base64!"),
])
def test_a_box_is_refused_elsewhere_or_altered(tamper: object) -> None:
    box = SEAL.seal("r-1", Choice.AGAINST)
    with pytest.raises(UnreadableBallot):
        tamper(box)  # type: ignore[operator]


def test_production_needs_its_own_sealing_key() -> None:
    with pytest.raises(ValidationError, match="refused in production"):
        GovernanceSettings(environment="production", ballot_sealing_key=DEVELOPMENT_SEALING_KEY)
    with pytest.raises(ValidationError, match="at least 32"):
        GovernanceSettings(ballot_sealing_key="short")
    assert GovernanceSettings(environment="production", ballot_sealing_key="p" * 40)
