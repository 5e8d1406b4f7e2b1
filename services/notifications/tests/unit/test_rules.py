"""Pure rules: retry schedule, preferences and the critical rule, recipients,
languages, the directory's projections, formatting."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from notifications.domain.directory import DirectoryChange, Erasure, directory_changes
from notifications.domain.formatting import format_amount, format_date, format_datetime
from notifications.domain.languages import normalise_language, template_languages
from notifications.domain.preferences import Channel, Preferences, channels_for
from notifications.domain.recipients import (
    ActivityManagers,
    ActivityRef,
    AddressRef,
    AdvisorOf,
    AdvisorRef,
    ClientAddress,
    ListedMembers,
    MemberRef,
    Recipient,
    TheMember,
    references,
    unique,
)
from notifications.domain.retry import RetryPolicy


def test_retry_schedule_is_exponential_capped_and_bounded() -> None:
    policy = RetryPolicy(max_attempts=6, base_seconds=30, factor=2, max_seconds=300)
    assert policy.schedule() == [30, 60, 120, 240, 300]
    assert policy.next_delay(5) == 300 and policy.next_delay(6) is None


@given(attempts=st.integers(min_value=1, max_value=10_000), rand=st.floats(min_value=0, max_value=1),
       jitter=st.floats(min_value=0, max_value=0.5))
def test_retry_delays_stay_within_the_band_and_never_overflow(attempts: int, rand: float, jitter: float) -> None:
    policy = RetryPolicy(max_attempts=20, base_seconds=0.5, factor=3, max_seconds=3600, jitter=jitter)
    delay = policy.delay_after(attempts, rand)
    plain = min(0.5 * 3 ** min(attempts - 1, 64), 3600)
    assert plain * (1 - jitter) - 1e-9 <= delay <= plain * (1 + jitter) + 1e-9
    assert policy.delay_after(attempts + 1, 0.5) >= policy.delay_after(attempts, 0.5)  # never shrinks


MEMBER = Recipient.member("m-1", "m@example.be", "Ada", "nl")


def test_channels_follow_preferences_except_critical_inbox() -> None:
    none = Preferences()
    assert channels_for("t.v1", False, MEMBER, none) == {Channel.INBOX, Channel.EMAIL}
    opted_out = Preferences.from_choices([("t.v1", Channel.INBOX, False), ("t.v1", Channel.EMAIL, False)])
    assert channels_for("t.v1", False, MEMBER, opted_out) == frozenset()
    assert channels_for("t.v1", True, MEMBER, opted_out) == {Channel.INBOX}  # critical
    assert channels_for("other.v1", False, MEMBER, opted_out) == {Channel.INBOX, Channel.EMAIL}
    client = Recipient.external(" Client@Example.be ", "Dupont", "")
    assert channels_for("t.v1", True, client, opted_out) == {Channel.EMAIL}
    assert client.key == "email:client@example.be" and client.language == "fr"


def test_references_read_the_payload_and_people_are_told_once() -> None:
    payload = {"member_id": "m-1", "activity_id": "a-1", "member_ids": ["m-2", "", 3, "m-3"],
               "client_email": "c@example.be", "client_name": "Dupont"}
    refs = references((TheMember(), ActivityManagers(), ListedMembers(), ClientAddress(),
                       TheMember("missing_field"), AdvisorOf()), payload)
    assert refs == [MemberRef("m-1"), ActivityRef("a-1"), MemberRef("m-2"), MemberRef("m-3"),
                    AddressRef("c@example.be", "Dupont", ""), AdvisorRef("m-1")]
    assert references((ClientAddress(),), {"client_email": None}) == []
    twice = [MEMBER, Recipient.member("m-1", None, "", ""), Recipient.member("m-2", None, "", "")]
    assert [r.key for r in unique(twice)] == ["m-1", "m-2"]


def test_language_fallback_is_french() -> None:
    assert normalise_language("nl-BE") == "nl" and normalise_language("EN") == "en"
    assert normalise_language("de") == "fr" and normalise_language(None) == "fr"
    assert template_languages("nl") == ("nl", "fr") and template_languages("fr") == ("fr",)
    assert template_languages("de") == ("fr",)


def test_projections() -> None:
    registered = directory_changes("members.member.registered.v1", {
        "member_id": "m-1", "email": "a@b.be", "full_name": "Ada", "language": "nl-BE", "role": "advisor"})
    assert registered == [
        DirectoryChange("member", "m-1", "contact", {"email": "a@b.be", "full_name": "Ada", "language": "nl",
                                                     "erased": False}),
        DirectoryChange("member", "m-1", "role", {"role": "advisor"}),
    ]
    activity = directory_changes("members.activity.updated.v1", {
        "activity_id": "a-1", "owner_id": "m-1", "co_manager_ids": ["m-2", "m-1"], "name": "X", "status": "open"})
    assert activity[0].fields["manager_ids"] == ["m-1", "m-2"]  # type: ignore[union-attr]
    assert directory_changes("members.member.erased.v1", {"member_id": "m-1"}) == [Erasure("m-1")]
    assert directory_changes("invoicing.invoice.paid.v1", {}) == []


def test_formatting_by_language() -> None:
    assert format_amount("1234.5", "fr") == "1\u202f234,50 €"
    assert format_amount("1234.5", "nl") == "€ 1.234,50"
    assert format_amount("-1234.5", "en") == "-€1,234.50"
    assert format_amount("n/a", "fr") == "n/a"
    assert format_date("2026-03-01", "fr") == "1er mars 2026" and format_date(date(2026, 3, 2), "nl") == "2 maart 2026"
    assert format_datetime(datetime(2026, 7, 1, 16, 30, tzinfo=UTC), "en") == "1 July 2026 at 18:30"  # CEST
    assert format_datetime("2026-01-10T09:00:00+00:00", "fr") == "10 janvier 2026 à 10:00"
