"""Domain errors for governance.

Every rule violation carries a stable machine-readable ``code`` (the API turns
it into ``{"code", "message", "field"}``), a human message and, when one input
is to blame, the offending ``field``. Subclasses group codes by what the
caller can do about them, so the service layer can map a family to an HTTP
status without a table of every code.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """Stable error codes; clients depend on these strings, never rename one."""

    # Lifecycle
    INVALID_TRANSITION = "invalid_transition"
    AGENDA_LOCKED = "agenda_locked"
    EMPTY_AGENDA = "empty_agenda"
    EMPTY_ELECTORATE = "empty_electorate"
    UNKNOWN_RESOLUTION = "unknown_resolution"
    DUPLICATE_RESOLUTION = "duplicate_resolution"
    RESULTS_INCOMPLETE = "results_incomplete"
    # Input validation
    INVALID_VALUE = "invalid_value"
    INVALID_VOTING_WINDOW = "invalid_voting_window"
    INVALID_QUORUM = "invalid_quorum"
    INCONSISTENT_SHARE_REGISTER = "inconsistent_share_register"
    # Voting
    NOT_IN_ELECTORATE = "not_in_electorate"
    ALREADY_VOTED = "already_voted"
    VOTING_NOT_OPEN = "voting_not_open"
    VOTING_CLOSED = "voting_closed"
    NOT_PROXY_HOLDER = "not_proxy_holder"
    BALLOT_KIND_MISMATCH = "ballot_kind_mismatch"
    # Proxies
    PROXY_GIVER_CANNOT_VOTE = "proxy_giver_cannot_vote"
    PROXY_LIMIT_REACHED = "proxy_limit_reached"
    PROXY_TO_SELF = "proxy_to_self"
    PROXY_ALREADY_GIVEN = "proxy_already_given"
    PROXY_CHAIN = "proxy_chain"
    PROXY_REGISTRATION_CLOSED = "proxy_registration_closed"
    PROXY_NOT_FOUND = "proxy_not_found"
    # Invariants (a bug or corrupted data upstream, never a user mistake)
    TALLY_MISMATCH = "tally_mismatch"
    DUPLICATE_PARTICIPATION = "duplicate_participation"
    SECRET_BALLOT_DISCLOSURE = "secret_ballot_disclosure"


class DomainError(Exception):
    """Base class: a governance rule was broken."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = str(code)
        self.message = message
        self.field = field

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, field={self.field!r})"


class InvalidValue(DomainError):
    """Malformed input (maps to 422)."""


class InvalidTransition(DomainError):
    """The entity is not in a state that allows the operation (maps to 409)."""


class VotingRuleViolation(DomainError):
    """A vote or a proxy is refused by the democratic rules (maps to 403/409)."""


class InvariantViolation(DomainError):
    """Data handed to the domain contradicts itself; never shown as a user error (maps to 500)."""
