"""Pure parts of the shared HTTP conventions: timestamp normalisation and tags."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from coop_shared.http.conventions import etag_of, millisecond_timestamp, normalise_timestamps


def test_timestamps_become_utc_milliseconds_and_other_strings_stay() -> None:
    body = json.dumps({"created_at": "2026-06-01T09:00:00.123456+02:00", "day": "2026-06-01",
                       "nested": [{"at": "2026-06-01T07:00:00Z"}], "text": "at 2026-06-01T07:00:00Z",
                       "n": 1.5}).encode()
    normal = json.loads(normalise_timestamps(body))
    assert normal["created_at"] == "2026-06-01T07:00:00.123Z"
    assert normal["nested"][0]["at"] == "2026-06-01T07:00:00.000Z"
    assert normal["day"] == "2026-06-01" and normal["text"] == "at 2026-06-01T07:00:00Z" and normal["n"] == 1.5
    already = b'{"at":"2026-06-01T07:00:00.000Z"}'
    assert normalise_timestamps(already) is already
    assert normalise_timestamps(b"not json") == b"not json"


@given(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9998, 1, 1),
                    timezones=st.sampled_from([UTC, timezone(timedelta(hours=2))])))
def test_normalising_is_stable_and_keeps_the_instant_to_the_millisecond(moment: datetime) -> None:
    once = normalise_timestamps(json.dumps({"t": moment.isoformat()}).encode())
    assert normalise_timestamps(once) == once
    value = json.loads(once)["t"]
    assert value.endswith("Z") and len(value.split(".")[1]) == 4
    parsed = datetime.fromisoformat(value)
    assert abs(parsed - moment) < timedelta(milliseconds=1)
    assert millisecond_timestamp(parsed) == value


def test_etag_is_strong_and_follows_the_bytes() -> None:
    assert etag_of(b"{}") == etag_of(b"{}") and etag_of(b"{}") != etag_of(b'{"a":1}')
    assert etag_of(b"{}").startswith('"') and not etag_of(b"{}").startswith("W/")
