"""Integration events (``coop_shared.contracts.governance``) built from the aggregates.

An assembly event addresses its electorate: the ids travel in batches of at
most ``event_batch_size`` (see the contract module), each batch its own
event. The batches of one transition are written to the outbox in the same
transaction as the transition, so they all leave or none does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from coop_shared.contracts import governance as contract
from coop_shared.messaging.envelope import Envelope
from governance.adapters.assemblies import quorum_text
from governance.domain.assembly import Assembly
from governance.domain.recommendations import Recommendation, StatusChange
from governance.service_layer.context import Context

# Every batch repeats the agenda: keep each text short (the API has it in full).
SUMMARY_CHARS = 500


def _summary(text: str) -> str:
    return text if len(text) <= SUMMARY_CHARS else text[:SUMMARY_CHARS - 1].rstrip() + "…"


def agenda(assembly: Assembly) -> list[contract.AgendaItem]:
    return [contract.AgendaItem(resolution_id=r.id, number=n, text=_summary(r.text), majority=r.majority.value,
                                quorum=quorum_text(r.quorum), ballot=r.ballot.value)
            for n, r in enumerate(assembly.agenda, start=1)]


def outcomes(assembly: Assembly) -> list[contract.ResolutionOutcome]:
    out = []
    for n, r in enumerate(assembly.agenda, start=1):
        res = assembly.results[r.id]
        out.append(contract.ResolutionOutcome(
            resolution_id=r.id, number=n, text=_summary(r.text), majority=r.majority.value, ballot=r.ballot.value,
            votes_for=res.votes_for, votes_against=res.votes_against, abstentions=res.abstentions,
            participants=res.participants, quorum_required=res.quorum_required,
            quorum_reached=res.quorum_reached, adopted=res.adopted, reason=res.reason.value))
    return out


def assembly_events(ctx: Context, model: type[contract.AssemblyEvent], assembly: Assembly,
                    electorate: Sequence[str], **fields: Any) -> list[Envelope]:
    size = ctx.settings.event_batch_size
    chunks = [list(electorate[i:i + size]) for i in range(0, len(electorate), size)] or [[]]
    return [
        ctx.event(model(assembly_id=assembly.id, kind=assembly.kind.value, title=assembly.title,
                        electorate_size=len(electorate), member_ids=chunk, batch=number, batches=len(chunks),
                        **fields), subject=assembly.id)
        for number, chunk in enumerate(chunks, start=1)
    ]


def convened(ctx: Context, assembly: Assembly, day: date) -> list[Envelope]:
    assert assembly.convened_at is not None
    return assembly_events(ctx, contract.AssemblyConvened, assembly, assembly.electorate,
                           convened_at=assembly.convened_at, convocation_day=day, opens_at=assembly.opens_at,
                           closes_at=assembly.closes_at, agenda=agenda(assembly))


def voting_opened(ctx: Context, assembly: Assembly, electorate: Sequence[str], at: datetime) -> list[Envelope]:
    return assembly_events(ctx, contract.VotingOpened, assembly, electorate, opened_at=at,
                           closes_at=assembly.closes_at)


def voting_closed_and_published(ctx: Context, assembly: Assembly, at: datetime,
                                participants: int) -> list[Envelope]:
    return [
        *assembly_events(ctx, contract.VotingClosed, assembly, assembly.electorate, closed_at=at),
        *assembly_events(ctx, contract.ResultsPublished, assembly, assembly.electorate, published_at=at,
                         participants=participants, results=outcomes(assembly)),
    ]


def recommendation_submitted(ctx: Context, r: Recommendation) -> Envelope:
    return ctx.event(contract.RecommendationSubmitted(recommendation_id=r.id, member_id=r.author_id, title=r.title,
                                                      submitted_at=r.submitted_at), subject=r.id)


def recommendation_status_changed(ctx: Context, r: Recommendation, change: StatusChange) -> Envelope:
    return ctx.event(contract.RecommendationStatusChanged(
        recommendation_id=r.id, member_id=r.author_id, title=r.title, from_status=change.from_status.value,
        to_status=change.to_status.value, note=change.note, changed_at=change.at), subject=r.id)
