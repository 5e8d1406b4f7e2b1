from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from governance.adapters.minutes_pdf import render_minutes_pdf
from governance.domain.assembly import Assembly, AssemblyKind
from governance.domain.errors import DomainError, ErrorCode
from governance.domain.lifecycle import VotingWindow
from governance.domain.minutes import Minutes, build_minutes
from governance.domain.resolution import BallotKind, Choice, MajorityRule, Resolution
from governance.domain.tally import OpenBallotBox, OpenVote, Participation, Result, SecretBallotBox

OPENS = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
CLOSES = OPENS + timedelta(days=7)
F, A, X = Choice.FOR, Choice.AGAINST, Choice.ABSTAIN

# Distinctive ids and names, so a substring search cannot match by accident.
PEOPLE = {
    "mbr-7f3a01": "Zoltan Quibble",
    "mbr-7f3a02": "Wilhelmina Xandercroft",
    "mbr-7f3a03": "Ignatius Pennywhistle",
    "mbr-7f3a04": "Philippa Vantongeren",
    "mbr-7f3a05": "Octavia Brandywick",
}
IDS = sorted(PEOPLE)

OPEN_RES = Resolution("res-open", "Approve the annual accounts", MajorityRule.SIMPLE, Fraction(1, 2))
SECRET_RES = Resolution("res-secret", "Elect the board", MajorityRule.TWO_THIRDS, Fraction(1, 2), BallotKind.SECRET)
QUORUM_RES = Resolution(
    "res-quorum", "Change the statutes", MajorityRule.THREE_QUARTERS, Fraction(9, 10), BallotKind.SECRET
)


def closed_assembly(*resolutions: Resolution, proxies: bool = False) -> Assembly:
    a = Assembly("as-2026-agm", AssemblyKind.GENERAL, "Annual general assembly 2026", VotingWindow(OPENS, CLOSES))
    for r in resolutions:
        a.add_resolution(r)
    a.convene(IDS, OPENS - timedelta(days=15))
    if proxies:
        a.register_proxy(IDS[4], IDS[0], OPENS - timedelta(days=1))
    a.open_voting(OPENS)
    a.close_voting(CLOSES)
    return a


def secret_result(a: Assembly, res: Resolution, choices: list[Choice]) -> Result:
    parts = [Participation(IDS[i], IDS[i]) for i in range(len(choices))]
    return a.tally(res.id, SecretBallotBox.of(parts, choices))


def mixed_minutes() -> tuple[Minutes, Assembly]:
    a = closed_assembly(OPEN_RES, SECRET_RES, QUORUM_RES, proxies=True)
    votes = [
        OpenVote(IDS[0], IDS[0], F),
        OpenVote(IDS[4], IDS[0], F),  # by proxy
        OpenVote(IDS[1], IDS[1], A),
        OpenVote(IDS[2], IDS[2], X),
    ]
    results = {
        OPEN_RES.id: a.tally(OPEN_RES.id, OpenBallotBox.of(votes)),
        SECRET_RES.id: secret_result(a, SECRET_RES, [F, F, A]),  # exactly 2/3
        QUORUM_RES.id: secret_result(a, QUORUM_RES, [F, F]),  # 2/5 < 9/10
    }
    a.publish_results(results, CLOSES + timedelta(hours=1))
    return build_minutes(a, 4, {OPEN_RES.id: votes}, PEOPLE), a


def pdf_text_contains(pdf_uncompressed: bytes, text: str) -> bool:
    """Is ``text`` in the PDF? pdftotext when installed, else the raw page streams."""
    if shutil.which("pdftotext"):
        out = subprocess.run(
            ["pdftotext", "-layout", "-", "-"], input=pdf_uncompressed, capture_output=True, check=True
        ).stdout.decode()
        return text in " ".join(out.split())
    # Uncompressed content streams hold literal strings with \, ( and ) escaped.
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return f"({escaped}) Tj".encode("latin-1") in pdf_uncompressed


# -- domain minutes -----------------------------------------------------------


def test_minutes_content() -> None:
    m, _ = mixed_minutes()
    text = m.to_text()
    assert m.heading == "Minutes - General assembly: Annual general assembly 2026"
    for needle in [
        "Assembly: as-2026-agm",
        "Convened on: 2026-05-17",
        "Voting: 2026-06-01 11:00 to 2026-06-08 11:00 (Europe/Brussels)",
        "Electorate: 5",
        "Participants: 4 of 5 (80.00 %)",
        "Proxies registered: 1",
        "Resolution 1: Approve the annual accounts",
        "For: 2  Against: 1  Abstain: 1  Participants: 4 of 5",
        "Quorum: 1/2 of the electorate (50.00 %), at least 3 participant(s): reached",
        "Resolution 2: Elect the board",
        "For: 2  Against: 1  Abstain: 0  Participants: 3 of 5",
        "Resolution 3: Change the statutes",
        "at least 5 participant(s): NOT reached",
        "Outcome: REJECTED (quorum not reached)",
    ]:
        assert needle in text, needle
    assert [r.outcome for r in m.resolutions] == ["ADOPTED", "ADOPTED", "REJECTED (quorum not reached)"]


def test_open_ballot_lists_who_voted_how_with_proxies() -> None:
    m, _ = mixed_minutes()
    open_section = "\n".join(m.resolutions[0].lines())
    assert "Zoltan Quibble (mbr-7f3a01): for" in open_section
    assert "Octavia Brandywick (mbr-7f3a05): for (by proxy: Zoltan Quibble (mbr-7f3a01))" in open_section
    assert "Wilhelmina Xandercroft (mbr-7f3a02): against" in open_section
    assert "Ignatius Pennywhistle (mbr-7f3a03): abstain" in open_section
    assert "Philippa Vantongeren" not in open_section  # did not vote
    assert [e.elector for e in m.resolutions[0].roll_call] == sorted(
        (e.elector for e in m.resolutions[0].roll_call), key=str.casefold
    )


def test_secret_sections_of_mixed_minutes_carry_no_identity() -> None:
    m, _ = mixed_minutes()
    for section in m.resolutions[1:]:
        assert section.roll_call == ()
        body = "\n".join(section.lines())
        assert "individual votes are not recorded" in body
        for member_id, name in PEOPLE.items():
            assert member_id not in body and name not in body


def test_secret_only_minutes_never_name_a_voter() -> None:
    a = closed_assembly(SECRET_RES, proxies=True)
    result = secret_result(a, SECRET_RES, [F, A, X, F, F])
    m = build_minutes(a, 5, {}, PEOPLE, {SECRET_RES.id: result})
    text = m.to_text()
    pdf = render_minutes_pdf(m, compress=False)
    for member_id, name in PEOPLE.items():
        assert member_id not in text and name not in text
        assert member_id.encode() not in pdf and name.encode() not in pdf
    assert "For: 3  Against: 1  Abstain: 1" in text


def test_identified_votes_for_a_secret_ballot_are_refused() -> None:
    a = closed_assembly(SECRET_RES)
    result = secret_result(a, SECRET_RES, [F])
    with pytest.raises(DomainError) as err:
        build_minutes(a, 1, {SECRET_RES.id: [OpenVote(IDS[0], IDS[0], F)]}, PEOPLE, {SECRET_RES.id: result})
    assert err.value.code == ErrorCode.SECRET_BALLOT_DISCLOSURE


def test_roll_call_must_match_the_counted_result() -> None:
    a = closed_assembly(OPEN_RES)
    votes = [OpenVote(IDS[0], IDS[0], F), OpenVote(IDS[1], IDS[1], F)]
    result = a.tally(OPEN_RES.id, OpenBallotBox.of(votes))
    with pytest.raises(DomainError) as err:
        build_minutes(a, 2, {OPEN_RES.id: votes[:1]}, PEOPLE, {OPEN_RES.id: result})
    assert err.value.code == ErrorCode.TALLY_MISMATCH


def test_minutes_preconditions() -> None:
    a = Assembly("x", AssemblyKind.WORKERS, "WA", VotingWindow(OPENS, CLOSES))
    a.add_resolution(OPEN_RES)
    a.convene(IDS, OPENS - timedelta(days=1))
    with pytest.raises(DomainError) as err:
        build_minutes(a, 0, {})
    assert err.value.code == ErrorCode.INVALID_TRANSITION

    closed = closed_assembly(OPEN_RES)
    with pytest.raises(DomainError) as err:
        build_minutes(closed, 0, {})  # no results yet
    assert err.value.code == ErrorCode.RESULTS_INCOMPLETE
    result = closed.tally(OPEN_RES.id, OpenBallotBox.of([OpenVote(IDS[0], IDS[0], F)]))
    for bad_total in (0, 6):
        with pytest.raises(DomainError) as err:
            build_minutes(
                closed, bad_total, {OPEN_RES.id: [OpenVote(IDS[0], IDS[0], F)]}, results={OPEN_RES.id: result}
            )
        assert err.value.field == "total_participants"
    with pytest.raises(DomainError) as err:
        build_minutes(closed, 1, {"nope": []}, results={OPEN_RES.id: result})
    assert err.value.code == ErrorCode.UNKNOWN_RESOLUTION


def test_unknown_names_fall_back_to_ids() -> None:
    a = closed_assembly(OPEN_RES)
    votes = [OpenVote(IDS[0], IDS[0], F)]
    m = build_minutes(a, 1, {OPEN_RES.id: votes}, {}, {OPEN_RES.id: a.tally(OPEN_RES.id, OpenBallotBox.of(votes))})
    assert f"    {IDS[0]}: for" in m.to_text()


def test_workers_assembly_heading() -> None:
    a = Assembly("wa", AssemblyKind.WORKERS, "Spring", VotingWindow(OPENS, CLOSES))
    a.add_resolution(SECRET_RES)
    a.convene(IDS, OPENS - timedelta(days=1))
    a.open_voting(OPENS)
    a.close_voting(CLOSES)
    m = build_minutes(a, 0, {}, results={SECRET_RES.id: secret_result(a, SECRET_RES, [])})
    assert m.heading == "Minutes - Workers' assembly: Spring"
    assert "Outcome: REJECTED (quorum not reached)" in m.to_text()


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from([F, A, X]), min_size=0, max_size=5))
def test_secret_minutes_property(choices: list[Choice]) -> None:
    a = closed_assembly(SECRET_RES)
    m = build_minutes(a, len(choices), {}, PEOPLE, {SECRET_RES.id: secret_result(a, SECRET_RES, choices)})
    rendered = m.to_text()
    assert not any(mid in rendered or name in rendered for mid, name in PEOPLE.items())
    r = m.resolutions[0].result
    assert r.votes_for + r.votes_against + r.abstentions == r.participants == len(choices)


# -- PDF ------------------------------------------------------------------------


def test_pdf_is_a_pdf_and_is_deterministic() -> None:
    m, _ = mixed_minutes()
    pdf = render_minutes_pdf(m)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert render_minutes_pdf(m) == pdf


def test_pdf_contains_outcomes_counts_and_open_roll_call() -> None:
    m, _ = mixed_minutes()
    pdf = render_minutes_pdf(m, compress=False)
    assert pdf.startswith(b"%PDF-")
    for needle in [
        "ADOPTED",
        "REJECTED (quorum not reached)",
        "Participants: 4 of 5 (80.00 %)",
        "Zoltan Quibble (mbr-7f3a01)",
        "Octavia Brandywick (mbr-7f3a05)",
        "reached (min. 3)",
        "not reached (min. 5)",
        "Secret ballot: individual votes are not recorded.",
    ]:
        assert pdf_text_contains(pdf, needle), needle
    assert not pdf_text_contains(pdf, "REJECTED (majority not reached)")


def test_pdf_escapes_member_supplied_markup() -> None:
    risky = Resolution("r-x", "Budget < 5% & <b>bold</b> (draft)", MajorityRule.SIMPLE)
    a = closed_assembly(risky)
    votes = [OpenVote(IDS[0], IDS[0], A)]
    m = build_minutes(a, 1, {risky.id: votes}, PEOPLE, {risky.id: a.tally(risky.id, OpenBallotBox.of(votes))})
    pdf = render_minutes_pdf(m, compress=False)
    assert pdf.startswith(b"%PDF")
    assert pdf_text_contains(pdf, "REJECTED (majority not reached)")
    assert b"bold" in pdf  # rendered as text, not swallowed as a tag
