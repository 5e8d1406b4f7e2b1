"""API errors shown next to the field they name, in the person's language."""

from __future__ import annotations

from collections.abc import Callable

from portal.adapters.gateway import ApiProblem


def N_(message: str) -> str:
    """Marks a message for extraction; it is translated where it is shown."""
    return message


# Messages by API error code; the API's own English message is shown to English readers.
_BY_CODE = {
    "validation_error": N_("This value is not valid."),
    "invalid_credentials": N_("E-mail or password is wrong."),
    "email_taken": N_("An account already uses this e-mail address."),
    "conflict": N_("This conflicts with what is recorded."),
    "rate_limited": N_("Too many attempts; wait a minute and try again."),
    "not_found": N_("Not found."),
    "forbidden": N_("You may not do this."),
    "concurrent_update": N_("Someone changed this at the same time; look again and retry."),
    "cannot_change_own_role": N_("Nobody changes their own role; ask another administrator."),
    "share_already_paid": N_("This subscription is already paid."),
    "already_voted": N_("This vote has already been cast."),
    "not_in_electorate": N_("You are not in this assembly's electorate."),
    "voting_not_open": N_("Voting has not opened yet."),
    "voting_closed": N_("Voting is closed."),
    "invalid_transition": N_("This step is not possible in the assembly's current state."),
    "empty_agenda": N_("Add a resolution first."),
    "agenda_locked": N_("The agenda is fixed once the assembly is convened."),
    "invoice.review_pending": N_("The advisor has not approved this invoice yet."),
    "invoice.not_in_review": N_("This invoice is not waiting for a review."),
    "invoice.not_editable": N_("An issued invoice is not changed: issue a credit note."),
    "invoice.review_required": N_("An advisor reviews this invoice before it is issued."),
    "invoice.not_payable": N_("This invoice takes no payment in its current state."),
    "dimona_too_late": N_("Work is declared before it starts: choose a later first work day."),
    "below_minimum_gross": N_("This pays less than the minimum gross salary for these days."),
    "insufficient_budget": N_("The activity's budget does not cover this salary."),
    "invalid_work_dates": N_("These work dates are not valid."),
    "expense.not_submitted": N_("This expense claim is not waiting for a review."),
    "unmatched.not_open": N_("This amount is already assigned or refunded."),
    "payment.exceeds_outstanding": N_("This is more than the invoice still asks for."),
    "payment.exceeds_unmatched": N_("This is more than what is left of the amount."),
    "quote.locked": N_("A quote is not changed once it is sent."),
    "proxy_to_self": N_("You cannot give your proxy to yourself."),
    "proxy_already_given": N_("You have already given your proxy."),
    "proxy_limit_reached": N_("This member already holds as many proxies as the statutes allow."),
    "proxy_chain": N_("This member has given their own proxy: a proxy is not passed on."),
    "proxy_registration_closed": N_("Proxies are given after the convocation and before voting opens."),
    "proxy_giver_cannot_vote": N_("You gave your proxy: the member who holds it votes for you."),
    "not_proxy_holder": N_("You do not hold this member's proxy."),
}
# Where one code means something else for one field.
_BY_CODE_AND_FIELD = {
    ("not_in_electorate", "holder_id"): N_("No member of this assembly's electorate has this member number."),
    ("validation_error", "activity_ids"): N_("A key that writes is bound to at least one activity: name it here."),
}
GENERIC = N_("This value is not accepted.")


def field_name(api_field: str | None) -> str:
    """``lines.0.quantity`` -> ``lines-0-quantity``; ``address.street`` -> ``street`` (forms keep addresses flat)."""
    if not api_field:
        return "_form"
    return api_field.removeprefix("address.").replace(".", "-")


def message_for(found: ApiProblem, gettext: Callable[[str], str], language: str) -> str:
    """The API's own words for English readers; the code's translated message for everyone else."""
    specific = _BY_CODE_AND_FIELD.get((found.code, found.field or ""))
    if specific:
        return gettext(specific)
    if language == "en" and found.message:
        return found.message
    return gettext(_BY_CODE.get(found.code, GENERIC))


def field_errors(found: ApiProblem, gettext: Callable[[str], str], language: str,
                 known: set[str] | None = None) -> dict[str, str]:
    message = message_for(found, gettext, language)
    name = field_name(found.field)
    if known is not None and name not in known:
        name = "_form"
    return {name: message}
