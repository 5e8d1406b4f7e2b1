"""Per-member choices: which channel carries which event type.

Everything is on by default. A critical notification (payslip, formal
notice, legal document) always reaches the inbox, whatever the member chose:
the cooperative must be able to prove it was made available. A member who
chose the daily digest gets non-critical notifications by e-mail once a day,
gathered, instead of one e-mail each.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from notifications.domain.recipients import Recipient


class Channel(StrEnum):
    INBOX = "inbox"
    EMAIL = "email"


@dataclass(frozen=True)
class Preferences:
    disabled: frozenset[tuple[str, Channel]] = frozenset()
    daily_digest: bool = False

    @classmethod
    def from_choices(cls, choices: Iterable[tuple[str, Channel, bool]]) -> Preferences:
        return cls(frozenset((event_type, channel) for event_type, channel, on in choices if not on))

    def allows(self, event_type: str, channel: Channel) -> bool:
        return (event_type, channel) not in self.disabled


def channels_for(event_type: str, critical: bool, recipient: Recipient,
                 preferences: Preferences) -> frozenset[Channel]:
    """The channels one notification takes to one recipient."""
    if recipient.member_id is None:
        # People outside the cooperative have no inbox and no preferences here.
        return frozenset({Channel.EMAIL})
    chosen = {channel for channel in Channel if preferences.allows(event_type, channel)}
    if critical:
        chosen.add(Channel.INBOX)
    elif preferences.daily_digest:
        chosen.discard(Channel.EMAIL)  # it reaches the inbox and the evening's digest
        chosen.add(Channel.INBOX)
    return frozenset(chosen)
